"""Problem statistics against numbers worked out by hand for a small October 2026.

October 2026 on the official calendar: 10-01 to 10-07 off (国庆), Saturday 10-10 a working day;
otherwise Monday to Friday. The period runs from 10-01 00:00 to 11-01 00:00 Beijing time.

The problems (created through the services, then their times set on the rows):

  P1 水利局  reported 10-08, assigned 10-08, due 10-15, submitted 10-14, closed 10-15: on time;
             handling (10-08, 10-14] = 10-09, 10-10, 10-12, 10-13, 10-14 = 5 working days
  P2 水利局  reported 10-09, assigned 10-09, due 10-16, submitted 10-20, closed 10-21: late;
             handling (10-09, 10-20] = 10-10, 10-12..16, 10-19, 10-20 = 8
  P3 水利局  reported 09-25, assigned 09-28, due 09-30, being rectified: overdue at the end
  P4 水利局  reported 10-20, assigned 10-20, due 11-05, being rectified: not overdue
  P5 生态环境 (陈村) reported 10-10, assigned 10-12, due 10-23, submitted 10-22, returned 10-26,
             submitted again 10-28, closed 10-30: late; handling (10-12, 10-28] = 4 + 5 + 3 = 12
  P6 生态环境 reported and closed in September, reopened 10-05 with a deadline of 10-12, not
             submitted since: overdue at the end; one reopen in October
  P7 水利局  reported 10-03, not accepted: never counts
  P8 生态环境 (陈村) reported 10-25, due 10-30, submitted 10-31, closed 11-03: awaiting
             verification at the end, so not overdue then (it counts as closed late in November)
  P9 (nobody yet) reported 10-30, accepted, not assigned
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from riverchief.accounts.models import User
from riverchief.core.errors import DomainError
from riverchief.core.workdays import TIME_ZONE, end_of_day
from riverchief.problems import services, stats
from riverchief.problems.models import Problem, ProblemEvent
from riverchief.problems.queries import overdue_q
from riverchief.registry.models import Division
from tests.problems.conftest import ON_REACH, jpeg

SLJ, STHJ = "140826-SLJ", "140826-STHJ"
CHENCUN = "140826102201"  # 陈村, in 陈村镇


def t(day: str, clock: str = "10:00") -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=TIME_ZONE)


def due(day: str) -> dt.datetime:
    return end_of_day(dt.date.fromisoformat(day))


def _problem(path: list[str], department: str | None = SLJ) -> int:
    """Report as chief_hengshui and move along `path` (accept, assign, start, submit, close,
    return, reject, rate_bad, reopen); returns the id."""
    chief = User.objects.get(username="chief_hengshui")
    admin = User.objects.get(username="admin")
    problem, _created = services.report_problem(
        chief,
        {"category": "luan_dui", "description": "统计", "lon": ON_REACH[0], "lat": ON_REACH[1]},
    )
    pk = problem.pk
    for step in path:
        if step == "assign":
            services.move(admin, pk, "assign", department_code=department, deadline_days=5)
        elif step == "start":
            services.move(_handler(pk), pk, "start")
        elif step == "submit":
            services.move(_handler(pk), pk, "submit", note="已整改", files=[jpeg()])
        elif step == "return":
            services.move(admin, pk, "return", reason="未整改到位")
        elif step == "reject":
            services.move(admin, pk, "reject", reason="不属实")
        elif step == "rate_bad":
            services.move(chief, pk, "rate", satisfied=False)
        elif step == "reopen":
            services.move(admin, pk, "reopen", reason="群众不满意", deadline_days=5)
        else:
            services.move(admin, pk, step)
    return pk


def _handler(pk: int) -> User:
    """An officer of the department the problem is assigned to (one is made for 生态环境)."""
    from riverchief.accounts import services as account_services
    from riverchief.registry.models import Department

    problem = Problem.objects.get(pk=pk)
    if problem.assignee_department.code == SLJ:
        return User.objects.get(username="dept_water")
    found = User.objects.filter(username="dept_env").first()
    if found is None:
        found, _password = account_services.create_user(
            None,
            username="dept_env",
            role="department",
            department=Department.objects.get(code=STHJ),
        )
    return found


def _set(pk: int, **times) -> None:
    Problem.objects.filter(pk=pk).update(**times)


def _event(pk: int, action: str, when: dt.datetime) -> None:
    ProblemEvent.objects.filter(problem_id=pk, action=action).update(at=when)


@pytest.fixture
def october(reach):
    """P1 to P9 of the module's docstring."""
    chencun = Division.objects.get(code=CHENCUN)
    full = ["accept", "assign", "start", "submit", "close"]
    p = {}
    p[1] = _problem(full)
    _set(
        p[1],
        created_at=t("2026-10-08", "09:00"),
        assigned_at=t("2026-10-08"),
        deadline=due("2026-10-15"),
        submitted_at=t("2026-10-14"),
        closed_at=t("2026-10-15"),
    )
    p[2] = _problem(full)
    _set(
        p[2],
        created_at=t("2026-10-09", "09:00"),
        assigned_at=t("2026-10-09"),
        deadline=due("2026-10-16"),
        submitted_at=t("2026-10-20"),
        closed_at=t("2026-10-21"),
    )
    p[3] = _problem(["accept", "assign", "start"])
    _set(p[3], created_at=t("2026-09-25"), assigned_at=t("2026-09-28"), deadline=due("2026-09-30"))
    p[4] = _problem(["accept", "assign", "start"])
    _set(
        p[4],
        created_at=t("2026-10-20", "09:00"),
        assigned_at=t("2026-10-20"),
        deadline=due("2026-11-05"),
    )
    p[5] = _problem([*full[:4], "return", "submit", "close"], department=STHJ)
    _set(
        p[5],
        division=chencun,
        created_at=t("2026-10-10"),
        assigned_at=t("2026-10-12"),
        deadline=due("2026-10-23"),
        submitted_at=t("2026-10-28"),
        closed_at=t("2026-10-30"),
    )
    _event(p[5], "return", t("2026-10-26"))
    p[6] = _problem([*full, "rate_bad", "reopen"], department=STHJ)
    _set(p[6], created_at=t("2026-09-01"), assigned_at=t("2026-10-05"), deadline=due("2026-10-12"))
    _event(p[6], "reopen", t("2026-10-05"))
    p[7] = _problem(["reject"])
    _set(p[7], created_at=t("2026-10-03"))
    p[8] = _problem(full, department=STHJ)
    _set(
        p[8],
        division=chencun,
        created_at=t("2026-10-25"),
        assigned_at=t("2026-10-25"),
        deadline=due("2026-10-30"),
        submitted_at=t("2026-10-31"),
        closed_at=t("2026-11-03"),
    )
    p[9] = _problem(["accept"], department=None)
    _set(p[9], created_at=t("2026-10-30"))
    # Every other event happened "now" (late November): outside October.
    return p


def _by_key(found: stats.Stats) -> dict:
    return {row.key: row.as_dict() for row in found.rows}


def test_october_by_department_matches_the_hand_count(october):
    admin = User.objects.get(username="admin")
    found = stats.problem_stats(admin, stats.parse_period("2026-10"), "department")
    rows = _by_key(found)
    assert set(rows) == {SLJ, STHJ, None}
    # 水利局: received P1 P2 P4; closed P1 (on time) P2 (late): 1/2; handling (5 + 8) / 2;
    # overdue: P3 open past its deadline + P2 closed late.
    assert rows[SLJ] | {"name": ""} == {
        "key": SLJ,
        "name": "",
        "received": 3,
        "closed": 2,
        "closed_on_time": 1,
        "closed_late": 1,
        "on_time_rate": 0.5,
        "avg_handling_working_days": 6.5,
        "overdue": 2,
        "overdue_open": 1,
        "reopened": 0,
        "returned": 0,
    }
    assert rows[SLJ]["name"] == "绛县水利局"
    # 生态环境: received P5 P8; closed P5 (late): 0/1; handling 12; overdue P6 + P5;
    # P6 reopened, P5 returned, in October.
    sthj = rows[STHJ]
    assert (sthj["received"], sthj["closed"], sthj["closed_on_time"], sthj["closed_late"]) == (
        2,
        1,
        0,
        1,
    )
    assert (sthj["on_time_rate"], sthj["avg_handling_working_days"]) == (0.0, 12.0)
    assert (sthj["overdue"], sthj["overdue_open"], sthj["reopened"], sthj["returned"]) == (
        2,
        1,
        1,
        1,
    )
    assert rows[None]["received"] == 1 and rows[None]["closed"] == 0  # P9, not assigned
    # All: 6 received, 3 closed of which 1 on time, handling (5 + 8 + 12) / 3 = 8.33.
    total = found.total.as_dict()
    assert (total["received"], total["closed"], total["closed_on_time"]) == (6, 3, 1)
    assert (total["on_time_rate"], total["avg_handling_working_days"]) == (0.3333, 8.33)
    assert (total["overdue"], total["reopened"], total["returned"]) == (4, 1, 1)
    assert found.at == t("2026-11-01", "00:00")


def test_by_township_the_same_problems_fall_under_their_townships(october):
    admin = User.objects.get(username="admin")
    found = stats.problem_stats(admin, stats.parse_period("2026-10"), "township")
    rows = _by_key(found)
    assert set(rows) == {"140826101", "140826102"}
    assert rows["140826101"]["name"] == "横水镇" and rows["140826102"]["name"] == "陈村镇"
    # 横水镇: P1 P2 P4 P9 received, P6 (reopened, overdue) and P3 (overdue) there too.
    assert (rows["140826101"]["received"], rows["140826101"]["overdue"]) == (4, 3)
    assert (rows["140826102"]["received"], rows["140826102"]["closed"]) == (2, 1)
    assert found.total.as_dict()["received"] == 6


def test_every_grouping_adds_up_to_the_same_totals(october):
    admin = User.objects.get(username="admin")
    period = stats.parse_period("2026-10")
    totals = [stats.problem_stats(admin, period, g).total.as_dict() for g in stats.GROUPS]
    assert all(total == totals[0] for total in totals)


def test_a_quarter_and_a_year_hold_the_month(october):
    admin = User.objects.get(username="admin")
    quarter = stats.problem_stats(admin, stats.parse_period("2026-q4"), "category").total
    year = stats.problem_stats(admin, stats.parse_period("2026"), "category").total
    # P3 and P6 were reported in September: the year counts them (P6 was also closed then).
    assert quarter.received == 6 and year.received == 8
    assert year.closed == 4  # P1 P2 P5 (October) and P8 (November); P6's closure was undone


def test_the_current_month_counts_overdue_as_the_overdue_filter_does(october):
    admin = User.objects.get(username="admin")
    now = timezone.now()
    found = stats.problem_stats(admin, stats.parse_period(f"{now:%Y-%m}"), "department", now=now)
    held_overdue = Problem.objects.visible_to(admin).filter(overdue_q(now)).count()
    assert found.total.overdue_open == held_overdue == 3  # P3, P4 (due 11-05) and P6


def test_nobody_counts_what_they_may_not_see(october):
    outsider = User.objects.get(username="out_office")
    found = stats.problem_stats(outsider, stats.parse_period("2026-10"), "department")
    assert found.rows == [] and found.total.received == 0


@pytest.mark.parametrize(
    ("text", "label", "first", "next_first"),
    [
        ("2026-10", "2026-10", "2026-10-01", "2026-11-01"),
        ("2026-12", "2026-12", "2026-12-01", "2027-01-01"),
        ("2026-Q4", "2026-Q4", "2026-10-01", "2027-01-01"),
        ("2026-q1", "2026-Q1", "2026-01-01", "2026-04-01"),
        ("2026", "2026", "2026-01-01", "2027-01-01"),
    ],
)
def test_periods_are_calendar_months_quarters_and_years(text, label, first, next_first):
    period = stats.parse_period(text)
    assert (period.label, period.first.isoformat(), period.next_first.isoformat()) == (
        label,
        first,
        next_first,
    )
    assert period.start == t(first, "00:00")


@pytest.mark.parametrize("text", ["2026-13", "2026-Q5", "26-10", "october", "2026-10-01"])
def test_a_period_that_cannot_be_read_is_refused(text):
    with pytest.raises(DomainError) as refused:
        stats.parse_period(text)
    assert refused.value.field == "period"


def test_the_api_answers_the_same_numbers_and_is_not_taken_for_a_problem(october, token_for):
    from django.test import Client

    client = Client()
    answer = client.get(
        "/api/v1/problems/stats?period=2026-10&group=department", **token_for("admin")
    )
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert (body["period"], body["kind"], body["group"]) == ("2026-10", "month", "department")
    row = next(r for r in body["rows"] if r["key"] == SLJ)
    assert (row["received"], row["on_time_rate"], row["avg_handling_working_days"]) == (3, 0.5, 6.5)
    assert body["total"]["overdue"] == 4
    bad = client.get("/api/v1/problems/stats?period=2026-13", **token_for("admin"))
    assert bad.status_code == 400 and bad.json()["field"] == "period"
    bad = client.get("/api/v1/problems/stats?group=river", **token_for("admin"))
    assert bad.status_code == 400 and bad.json()["field"] == "group"
    detail = client.get(f"/api/v1/problems/{october[1]}", **token_for("admin"))
    assert detail.status_code == 200 and detail.json()["id"] == october[1]


def test_the_working_day_counter_agrees_with_the_calendar(db):
    from riverchief.core.calendar_service import current_calendar

    calendar = current_calendar()
    counter = stats.WorkdayCounter(calendar)
    days = [dt.date(2025, 12, 20) + dt.timedelta(days=n) for n in range(0, 420, 13)]
    for a in days:
        for b in days:
            assert counter.between(a, b) == calendar.working_days_between(a, b), (a, b)
