"""The office keeps the working-day calendar: seeded from the package, edited on /calendar/."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from riverchief.accounts.models import User
from riverchief.core import calendar_service
from riverchief.core.errors import DomainError, Forbidden
from riverchief.core.models import AuditEntry, CalendarDay, CalendarYear


def _english(client: Client) -> None:
    client.post("/i18n/setlang/", {"language": "en", "next": "/calendar/"})


# --- the seeded table ---------------------------------------------------------------------


def test_the_migration_seeds_every_year_the_package_knows(db):
    years = CalendarYear.objects.filter(status="official")
    assert years.filter(year=2004).exists() and years.filter(year=2026).exists()
    assert not CalendarYear.objects.filter(year=2027).exists()
    row = CalendarYear.objects.get(year=2026)
    assert row.entered_by is None and row.entered_by_name.startswith("chinese-calendar ")
    october = CalendarDay.objects.filter(date__range=(date(2026, 10, 1), date(2026, 10, 10)))
    assert {(d.date.day, d.is_working_day, d.name, d.source) for d in october} == {
        (1, False, "国庆节", "package"),
        (2, False, "国庆节", "package"),
        (5, False, "国庆节", "package"),
        (6, False, "国庆节", "package"),
        (7, False, "国庆节", "package"),
        (10, True, "国庆节", "package"),
    }
    calendar = calendar_service.current_calendar()
    assert calendar.source_of(2026) == "official"
    assert calendar.source_of(2027) == "fallback"
    assert calendar.add_working_days(date(2026, 9, 30), 5) == date(2026, 10, 13)
    # Seeding again adds nothing: every package year already has its row.
    assert calendar_service.seed_from_package() == []


def test_seeding_a_newer_package_year_never_overwrites_the_office(db):
    admin = User.objects.get(username="admin")
    calendar_service.enter_year(admin, 2026, "2026-10-01~2026-10-08 休 国庆节")
    calendar_service.set_day(admin, date(2025, 12, 31), "holiday", "测试")
    CalendarYear.objects.filter(year=2025).delete()
    CalendarDay.objects.filter(date__year=2025, source="package").delete()
    assert calendar_service.seed_from_package() == [2025]
    assert CalendarDay.objects.get(date=date(2025, 12, 31)).source == "office"
    assert CalendarDay.objects.filter(date__year=2025, source="package").count() > 10
    assert CalendarYear.objects.get(year=2026).entered_by == admin
    assert not calendar_service.current_calendar().is_working_day(date(2026, 10, 8))


# --- the page ----------------------------------------------------------------------------


def test_the_office_sees_an_official_year_and_the_fallback_warning_for_2027(signed_in):
    client = signed_in("admin")
    page = client.get("/calendar/?year=2026").content.decode()
    assert 'data-source="official"' in page
    assert "chinese-calendar" in page
    assert "2026-10-10" in page and "国庆节" in page
    assert "调休" in page
    page = client.get("/calendar/?year=2027").content.decode()
    assert 'data-source="fallback"' in page
    assert "国庆节（补假）" in page  # the statutory days the fallback counts
    assert "/calendar/year/" in page and "/calendar/day/" in page


def test_the_fallback_warning_in_english(signed_in):
    client = signed_in("admin")
    _english(client)
    page = client.get("/calendar/?year=2027").content.decode()
    assert "fallback: statutory holidays only, no 调休" in page
    assert "enter the State Council schedule when published" in page


def test_the_deadline_check_says_when_it_uses_the_fallback(signed_in):
    page = signed_in("leader").get("/calendar/", {"start": "2026-12-15", "days": 20}).content
    page = page.decode()
    assert "2027-01-13" in page
    assert 'data-testid="deadline-fallback"' in page
    assert "/calendar/year/" not in page  # a leader reads; only the office edits


def test_the_calendar_is_in_the_office_menu_and_not_in_a_chiefs(signed_in):
    assert 'href="/calendar/"' in signed_in("admin").get("/").content.decode()
    assert 'href="/calendar/"' not in signed_in("chief_hengshui").get("/").content.decode()


@pytest.mark.parametrize("username", ["chief_hengshui", "patroller_dongliujia", "dept_water"])
def test_other_roles_get_403(signed_in, username):
    client = signed_in(username)
    assert client.get("/calendar/").status_code == 403
    answer = client.post("/calendar/day/", {"date": "2027-01-04", "kind": "holiday"})
    assert answer.status_code == 403
    answer = client.post("/calendar/year/", {"year": "2027", "schedule": "2027-01-01 休"})
    assert answer.status_code == 403
    assert not CalendarDay.objects.filter(date__year=2027).exists()


def test_a_leader_may_read_but_not_edit(signed_in):
    client = signed_in("leader")
    assert client.get("/calendar/").status_code == 200
    answer = client.post("/calendar/day/", {"date": "2027-01-04", "kind": "holiday"})
    assert answer.status_code == 403
    with pytest.raises(Forbidden):
        calendar_service.set_day(User.objects.get(username="leader"), date(2027, 1, 4), "holiday")


# --- the office edits ----------------------------------------------------------------------


def test_the_office_sets_a_day_and_it_is_audited_and_used_at_once(signed_in):
    before = calendar_service.current_calendar()
    assert before.is_working_day(date(2027, 1, 4))
    answer = signed_in("admin").post(
        "/calendar/day/", {"date": "2027-01-04", "kind": "holiday", "name": "元旦调休"}
    )
    assert answer.status_code == 302
    assert answer["Location"] == "/calendar/?year=2027"
    row = CalendarDay.objects.get(date=date(2027, 1, 4))
    assert (row.is_working_day, row.name, row.source) == (False, "元旦调休", "office")
    entry = AuditEntry.objects.get(action="calendar.set_day", object_id=str(row.pk))
    assert entry.actor_name == "admin"
    assert entry.before is None
    assert entry.after == {"is_working_day": False, "name": "元旦调休", "source": "office"}
    assert entry.division_code.startswith("140826")
    after = calendar_service.current_calendar()
    assert after is not before  # the cached calendar was rebuilt
    assert not after.is_working_day(date(2027, 1, 4))
    assert after.source_of(2027) == "fallback"  # one day does not make the year official


def test_changing_a_package_day_records_before_and_after(signed_in):
    client = signed_in("admin")
    client.post("/calendar/day/", {"date": "2026-10-10", "kind": "holiday", "name": "测试"})
    entry = AuditEntry.objects.filter(action="calendar.set_day").latest("id")
    assert entry.before == {"is_working_day": True, "name": "国庆节", "source": "package"}
    assert not calendar_service.current_calendar().is_working_day(date(2026, 10, 10))
    answer = client.post("/calendar/day/", {"date": "2026-10-10", "kind": "rule"})
    assert answer.status_code == 302
    assert not CalendarDay.objects.filter(date=date(2026, 10, 10)).exists()
    assert AuditEntry.objects.filter(action="calendar.clear_day").exists()
    # Without an entry an official year's Saturday is a day off.
    assert not calendar_service.current_calendar().is_working_day(date(2026, 10, 10))


def test_the_office_enters_2027_and_the_december_deadline_moves(signed_in):
    start = date(2026, 12, 15)
    assert calendar_service.current_calendar().add_working_days(start, 20) == date(2027, 1, 13)
    schedule = "# 测试用的假想安排\n2027-01-01~2027-01-03 休 元旦\n2027-01-09 班 调休（测试）\n"
    answer = signed_in("admin").post(
        "/calendar/year/", {"year": "2027", "schedule": schedule, "note": "国办发明电（测试）"}
    )
    assert answer.status_code == 302
    calendar = calendar_service.current_calendar()
    assert calendar.source_of(2027) == "official"
    assert calendar.add_working_days(start, 20) == date(2027, 1, 12)
    assert calendar.is_working_day(date(2027, 2, 9))  # no fallback 补假 once entered
    year = CalendarYear.objects.get(year=2027)
    assert (year.status, year.entered_by.username, year.note) == (
        "official",
        "admin",
        "国办发明电（测试）",
    )
    entry = AuditEntry.objects.get(action="calendar.enter_year")
    assert entry.before["status"] == "fallback"
    assert entry.after["days"][-1] == "2027-01-09 班 调休（测试）"
    page = signed_in("admin").get("/calendar/?year=2027").content.decode()
    assert 'data-source="official"' in page and "admin" in page


def test_entering_a_year_replaces_the_package_days(db):
    admin = User.objects.get(username="admin")
    calendar_service.enter_year(admin, 2026, "2026-10-01~2026-10-07 休 国庆节")
    assert not CalendarDay.objects.filter(source="package", date__year=2026).exists()
    assert CalendarDay.objects.filter(date__year=2026).count() == 7
    assert CalendarYear.objects.get(year=2026).entered_by == admin
    assert not calendar_service.current_calendar().is_working_day(date(2026, 10, 10))


def test_an_unreadable_line_names_the_line_and_nothing_is_written(signed_in):
    days, years, entries = (
        CalendarDay.objects.count(),
        CalendarYear.objects.count(),
        AuditEntry.objects.count(),
    )
    schedule = "2027-01-01 休 元旦\n2027-13-01 休 不存在\n2027-02-20 班\n"
    answer = signed_in("admin").post("/calendar/year/", {"year": "2027", "schedule": schedule})
    assert answer.status_code == 400
    page = answer.content.decode()
    assert "第 2 行" in page and "2027-13-01" in page
    assert (CalendarDay.objects.count(), CalendarYear.objects.count()) == (days, years)
    assert AuditEntry.objects.count() == entries
    assert calendar_service.current_calendar().source_of(2027) == "fallback"


def test_the_line_error_in_english(signed_in):
    client = signed_in("admin")
    _english(client)
    answer = client.post("/calendar/year/", {"year": "2027", "schedule": "2027-01-01 maybe"})
    assert answer.status_code == 400
    assert "Line 1 (2027-01-01 maybe)" in answer.content.decode()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"year": "2027", "schedule": "2026-12-31 休"}, "schedule"),
        ({"year": "2027", "schedule": "   \n# nothing\n"}, "schedule"),
        ({"year": "1800", "schedule": "1800-01-01 休"}, "year"),
    ],
)
def test_bad_schedules_are_refused_by_the_service(db, data, field):
    admin = User.objects.get(username="admin")
    with pytest.raises(DomainError) as caught:
        calendar_service.enter_year(admin, data["year"], data["schedule"])
    assert caught.value.field == field
    assert not CalendarYear.objects.filter(year=int(data["year"]), entered_by=admin).exists()


@pytest.mark.parametrize(
    "data",
    [
        {"date": "not-a-date", "kind": "holiday"},
        {"date": "2027-01-04", "kind": "sometimes"},
        {"date": "2027-01-04", "kind": "holiday", "name": "长" * 61},
        {},
    ],
)
def test_a_bad_day_form_answers_400_and_writes_nothing(signed_in, data):
    count = CalendarDay.objects.count()
    answer = signed_in("admin").post("/calendar/day/", data)
    assert answer.status_code == 400
    assert CalendarDay.objects.count() == count


def test_a_bad_year_in_the_address_falls_back_to_this_year(signed_in):
    client = signed_in("admin")
    assert client.get("/calendar/?year=abc").status_code == 200
    assert client.get("/calendar/?year=99999").status_code == 200
    answer = client.get("/calendar/", {"start": "2026-12-15", "days": "-3"})
    assert answer.status_code == 200
    assert 'data-testid="deadline-result"' not in answer.content.decode()
