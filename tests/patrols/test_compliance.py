"""Frequency compliance counted against a hand count; the export; the reminder sweep."""

from __future__ import annotations

import datetime as dt
import io
import uuid

import pytest
from openpyxl import load_workbook

from riverchief.accounts.models import User
from riverchief.notify.models import Notification
from riverchief.patrols import compliance
from riverchief.patrols.models import FrequencyRule, Patrol
from riverchief.registry.models import Reach

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
LEVELS = {"chief_hengshui": "township", "chief_sushui": "county"}


def _patrol(username: str, day: str, credited: bool = True, by: str | None = None):
    """A stored patrol row credited to `username`, walked `by` an assistant on their behalf
    (the services are tested elsewhere; here only the counting)."""
    user = User.objects.get(username=by or username)
    credited_user = User.objects.get(username=username)
    reach = Reach.objects.get(code="SSH-140826101201")
    started = dt.datetime.fromisoformat(day + "T09:00:00").replace(tzinfo=SHANGHAI)
    return Patrol.objects.create(
        client_id=uuid.uuid4(),
        user=user,
        on_behalf_of=credited_user if by else None,
        credited_user=credited_user,
        reach=reach,
        division=reach.division,
        division_code=reach.division.code,
        level=LEVELS.get(username, "village"),
        role="patroller" if username.startswith("patroller") else "chief",
        kind="delegated" if by else "normal",
        started_at=started,
        ended_at=started + dt.timedelta(minutes=30),
        local_date=dt.date.fromisoformat(day),
        verdict="valid" if credited else "invalid",
        credited=credited,
    )


@pytest.fixture
def may(db):
    # Weeks of May 2026 (Mondays 4, 11, 18, 25); Q2 = April–June.
    for day in ("2026-05-05", "2026-05-12", "2026-05-19", "2026-05-26"):
        _patrol("chief_dongliujia", day)
    _patrol("chief_dongliujia", "2026-05-27", credited=False)  # invalid: not counted
    for day in ("2026-05-05", "2026-05-13"):
        _patrol("patroller_dongliujia", day)
    # Walked by the patroller on the chief's behalf: counts for the chief, not for the patroller.
    _patrol("chief_dongliujia", "2026-05-20", by="patroller_dongliujia")
    _patrol("chief_hengshui", "2026-04-30")  # April: does not count for May
    _patrol("chief_sushui", "2026-06-02")  # in Q2: counts for the quarter


def _people(report) -> dict[str, dict]:
    return {row["username"]: row for row in report["people"]["items"]}


def test_may_is_counted_as_by_hand(may):
    admin = User.objects.get(username="admin")
    report = compliance.report(admin, "2026-05", limit=1000)
    people = _people(report)
    village = people["chief_dongliujia"]
    assert (village["period"], village["valid_patrols"], village["status"]) == ("week", 5, "met")
    assert [w["count"] for w in village["windows"]] == [1, 1, 2, 1]
    patroller = people["patroller_dongliujia"]
    assert [w["count"] for w in patroller["windows"]] == [1, 1, 0, 0]
    assert patroller["status"] == "missed"
    township = people["chief_hengshui"]
    assert (township["period"], township["valid_patrols"], township["status"]) == (
        "month",
        0,
        "missed",
    )
    county = people["chief_sushui"]
    assert (county["period"], county["status"]) == ("quarter", "met")
    assert county["windows"][0]["key"] == "2026-Q2"
    rows = {(r["township_code"], r["level"]): r for r in report["summary"]}
    hengshui_villages = rows[("140826101000", "village")]
    assert (hengshui_villages["met"], hengshui_villages["missed"], hengshui_villages["rate"]) == (
        1,
        1,
        0.5,
    )


def test_drill_down_filters_and_scope(may):
    admin = User.objects.get(username="admin")
    drill = compliance.report(admin, "2026-05", township="140826101", level="village")
    assert set(_people(drill)) == {"chief_dongliujia", "patroller_dongliujia"}
    missed = compliance.report(admin, "2026-05", status="missed", level="village")
    assert "patroller_dongliujia" in _people(missed)
    village_chief = User.objects.get(username="chief_dongliujia")
    mine = compliance.report(village_chief, "2026-05")
    assert set(_people(mine)) == {"chief_dongliujia", "patroller_dongliujia"}
    outsider = compliance.report(User.objects.get(username="out_office"), "2026-05")
    assert outsider["people"]["count"] == 0


def test_months_outside_the_active_months_are_not_required(may):
    FrequencyRule.objects.filter(level="village").update(active_months=list(range(6, 13)))
    report = compliance.report(User.objects.get(username="admin"), "2026-05", limit=1000)
    assert _people(report)["chief_dongliujia"]["status"] == "not_required"


def test_a_bad_period_is_a_clear_error(signed_in):
    response = signed_in("admin").get("/api/v1/patrols/compliance?period=2026-13")
    assert response.status_code == 400 and response.json()["field"] == "period"


def test_the_api_and_the_excel_export(may, signed_in):
    client = signed_in("admin")
    response = client.get("/api/v1/patrols/compliance?period=2026-05&township=140826101")
    assert response.status_code == 200
    assert response.json()["people"]["count"] >= 2
    export = client.get("/api/v1/patrols/compliance/export?period=2026-05")
    assert export.status_code == 200
    book = load_workbook(io.BytesIO(export.content))
    assert book.sheetnames == ["汇总", "明细"]
    rows = list(book["明细"].iter_rows(values_only=True))
    assert rows[0][:4] == ("乡镇", "级别", "角色", "账号")
    by_user = {row[3]: row for row in rows[1:]}
    assert by_user["patroller_dongliujia"][6:] == (2, "未达标")
    assert by_user["chief_dongliujia"][6:] == (5, "已达标")


def test_reminders_reach_those_due_once_a_window(may):
    # 2026-05-30 is in the last days of the week of 25 May: the patroller has not patrolled.
    first = compliance.remind(dt.date(2026, 5, 30))
    assert first >= 1
    patroller = User.objects.get(username="patroller_dongliujia")
    notes = Notification.objects.filter(recipient=patroller, kind="patrol_due")
    assert notes.count() == 1 and "2026-W22" in notes.get().title
    assert not Notification.objects.filter(
        recipient__username="chief_dongliujia", kind="patrol_due", title__contains="W22"
    ).exists()
    assert compliance.remind(dt.date(2026, 5, 30)) == 0
    assert notes.count() == 1


def test_the_reminders_run_in_the_periodic_sweep(may):
    from riverchief.core.sweep import TASKS

    summary = TASKS["patrol_reminders"]()
    assert summary.endswith("patrol reminders sent")
    assert TASKS["patrol_reminders"]() == "0 patrol reminders sent"  # idempotent
