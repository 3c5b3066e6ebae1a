"""Alarms from automatic values: one per ongoing condition, cleared when values return, opening a
problem for 生态环境分局 and telling the reach's chief; silent stations; the office's view."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from riverchief.monitoring import alarms, automatic
from riverchief.monitoring.models import Alarm, AutoValue, Threshold
from riverchief.notify.models import Notification
from riverchief.problems.models import Problem
from riverchief.registry.models import ChiefAssignment, Facility

SECTION = "SEC-SSH-DLJ"  # target IV, river: NH3N limit for IV is 1.5 mg/L
T0 = datetime(2030, 3, 1, 8, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def hours(n: float) -> datetime:
    return T0 + timedelta(hours=n)


def _alarms(**filters):
    return Alarm.objects.filter(section__code=SECTION, **filters)


def test_values_worse_than_the_target_raise_one_alarm_that_clears_itself(db):
    automatic.record_automatic_values(SECTION, [(hours(0), "NH3N", 1.2)])
    assert not _alarms().exists()  # 1.2 is class IV: meets the target
    automatic.record_automatic_values(SECTION, [(hours(1), "NH3N", 1.8)])  # V
    automatic.record_automatic_values(SECTION, [(hours(2), "NH3N", 2.6), (hours(3), "NH3N", 1.6)])
    alarm = _alarms().get()
    assert (alarm.kind, alarm.parameter, alarm.is_open) == ("class", "NH3N", True)
    assert (alarm.first_value, alarm.worst_value, alarm.last_value) == (1.8, 2.6, 1.6)
    assert alarm.values_count == 3 and alarm.limit == 1.5
    assert alarm.opened_at == hours(1)
    automatic.record_automatic_values(SECTION, [(hours(4), "NH3N", 1.1)])
    alarm.refresh_from_db()
    assert alarm.cleared_at == hours(4)
    # A new excursion is a new alarm; the old one stays in the history.
    automatic.record_automatic_values(SECTION, [(hours(5), "NH3N", 3.0)])
    assert _alarms().count() == 2 and _alarms(cleared_at__isnull=True).count() == 1


def test_an_alarm_opens_one_problem_routed_to_the_environment_bureau_and_the_chief(db):
    chief = ChiefAssignment.objects.filter(
        reach__code="SSH-140826101201", end_date__isnull=True, user__isnull=False
    ).first()
    automatic.record_automatic_values(SECTION, [(hours(1), "TP", 0.45)])  # 劣V
    automatic.record_automatic_values(SECTION, [(hours(2), "TP", 0.5)])
    alarm = _alarms().get()
    problem = Problem.objects.get(pk=alarm.problem_id)
    assert problem.source == "monitoring"
    assert problem.category.code == "water_quality_alarm"
    assert problem.category.default_department.code == "140826-STHJ"
    assert problem.reach.code == "SSH-140826101201"
    assert "总磷" in problem.description
    assert Problem.objects.filter(source="monitoring").count() == 1  # one per condition
    if chief is not None:
        assert Notification.objects.filter(recipient=chief.user, problem=problem).exists()


def test_the_office_opens_a_problem_that_is_assigned_to_the_bureau(db, signed_in):
    automatic.record_automatic_values(SECTION, [(hours(1), "DO", 1.0)])  # DO below V
    alarm = _alarms().get()
    Alarm.objects.filter(pk=alarm.pk).update(problem=None)
    answer = signed_in("admin").post(f"/api/v1/alarms/{alarm.pk}/problem")
    assert answer.status_code == 201, answer.json()
    problem = Problem.objects.get(pk=answer.json()["problem_id"])
    assert problem.state == "assigned"
    assert problem.assignee_department.code == "140826-STHJ"
    again = signed_in("admin").post(f"/api/v1/alarms/{alarm.pk}/problem")
    assert again.status_code == 200 and again.json()["problem_id"] == problem.pk
    assert signed_in("chief_hengshui").post(f"/api/v1/alarms/{alarm.pk}/problem").status_code == 403
    assert signed_in("out_office").post(f"/api/v1/alarms/{alarm.pk}/problem").status_code == 404


def test_a_configured_threshold_raises_its_own_alarm(db):
    section = Facility.objects.get(code=SECTION)
    Threshold.objects.create(section=section, parameter="COD", upper=25)
    Threshold.objects.create(section=None, parameter="pH", lower=6.5, upper=8.5)
    automatic.record_automatic_values(
        SECTION,
        [(hours(1), "COD", 27), (hours(1), "pH", 8.8)],  # COD 27 is IV: only threshold
    )
    kinds = sorted(_alarms().values_list("kind", "parameter"))
    assert kinds == [("threshold", "COD"), ("threshold", "pH")]
    automatic.record_automatic_values(SECTION, [(hours(2), "COD", 20), (hours(2), "pH", 9.5)])
    still_open = sorted(_alarms(cleared_at__isnull=True).values_list("kind", "parameter"))
    assert still_open == [("class", "pH"), ("threshold", "pH")]


def test_late_values_do_not_reopen_and_duplicates_are_stored_once(db):
    automatic.record_automatic_values(SECTION, [(hours(2), "NH3N", 0.5)])
    automatic.record_automatic_values(SECTION, [(hours(1), "NH3N", 3.0)])  # older than the last
    assert not _alarms().exists()
    automatic.record_automatic_values(SECTION, [(hours(2), "NH3N", 0.6)])
    assert AutoValue.objects.filter(section__code=SECTION, observed_at=hours(2)).get().value == 0.6


def test_a_resent_batch_replaces_values_in_place_whatever_the_zone_of_its_times(db):
    batch = [(hours(1), "TP", 0.1), (hours(2), "TP", 0.12), (hours(2), "TP", 0.13)]
    automatic.record_automatic_values(SECTION, batch, source="sta")
    stored = AutoValue.objects.filter(section__code=SECTION).order_by("observed_at")
    assert [(v.observed_at, v.value) for v in stored] == [(hours(1), 0.1), (hours(2), 0.13)]
    # The same instants written in UTC, from another source: the same two rows, new values.
    utc = [(hours(1).astimezone(ZoneInfo("UTC")), "TP", 0.11), (hours(2), "TP", 0.14)]
    automatic.record_automatic_values(SECTION, utc, source="import")
    assert [(v.observed_at, v.value, v.source) for v in stored.all()] == [
        (hours(1), 0.11, "import"),
        (hours(2), 0.14, "import"),
    ]
    assert not _alarms().exists()


def test_unknown_sections_items_and_impossible_values_are_ignored(db):
    automatic.record_automatic_values("NO-SUCH", [(hours(1), "NH3N", 3.0)])
    automatic.record_automatic_values(
        SECTION, [(hours(1), "XX", 3.0), (hours(1), "pH", 15.0), (hours(1), "TP", -1)]
    )
    assert not AutoValue.objects.filter(section__code=SECTION).exists()
    naive = datetime(2030, 3, 1, 9, 0)  # no zone: Beijing time
    automatic.record_automatic_values(SECTION, [(naive, "TP", 0.1)])
    assert AutoValue.objects.get(section__code=SECTION).observed_at == hours(1)


def test_a_silent_station_raises_one_alarm_and_clears_when_heard(db):
    automatic.record_automatic_values(SECTION, [(hours(0), "TP", 0.1)])
    later = hours(7)
    assert alarms.sweep_silence(later) == {"opened": 1, "cleared": 0}
    assert alarms.sweep_silence(later + timedelta(hours=1)) == {"opened": 0, "cleared": 0}
    alarm = _alarms(kind="silence").get()
    assert alarm.is_open and alarm.last_at == hours(0)
    automatic.record_automatic_values(SECTION, [(hours(8), "TP", 0.1)])
    alarm.refresh_from_db()
    assert alarm.cleared_at == hours(8)
    assert not Problem.objects.filter(source="monitoring").exists()  # silence opens none


def test_the_sweep_task_is_registered(db):
    from riverchief.core.sweep import TASKS

    assert "station_silence" in TASKS
    assert "silent stations" in TASKS["station_silence"]()


def test_latest_class_is_the_newest_of_lab_and_automatic(db):
    lab = automatic.latest_class(SECTION)
    assert lab in ("I", "II", "III", "IV", "V", "劣V")  # the demo's last monthly sample
    now = datetime.now(ZoneInfo("Asia/Shanghai"))
    automatic.record_automatic_values(
        SECTION, [(now, "TP", 0.45), (now, "NH3N", 0.4), (now, "DO", 8.0)]
    )
    assert automatic.latest_class(SECTION) == "劣V"
    assert automatic.latest_class("NO-SUCH") is None


@pytest.mark.parametrize("username,status", [("admin", 200), ("chief_hengshui", 200)])
def test_the_alarm_list_answers_in_scope(db, signed_in, username, status):
    automatic.record_automatic_values(SECTION, [(hours(1), "TP", 0.45)])
    answer = signed_in(username).get("/api/v1/alarms?open=true")
    assert answer.status_code == status
    assert [row["parameter"] for row in answer.json()["items"]] == ["TP"]
    assert signed_in("out_office").get("/api/v1/alarms").json()["count"] == 0


def test_thresholds_are_set_through_the_api_with_clear_errors(db, signed_in):
    client = signed_in("admin")

    def post(body):
        import json

        return client.post(
            "/api/v1/alarm-thresholds", data=json.dumps(body), content_type="application/json"
        )

    answer = post({"section_code": SECTION, "parameter": "COD", "upper": 25})
    assert answer.status_code == 200 and answer.json()["upper"] == 25
    assert post({"section_code": SECTION, "parameter": "COD", "upper": 30}).json()["upper"] == 30
    assert Threshold.objects.filter(section__code=SECTION, parameter="COD").count() == 1
    assert post({"section_code": SECTION, "parameter": "XX", "upper": 1}).json()["field"] == (
        "parameter"
    )
    bad = post({"section_code": SECTION, "parameter": "pH", "lower": 9, "upper": 6})
    assert bad.status_code == 400 and bad.json()["field"] == "lower"
    everywhere = post({"parameter": "pH", "lower": 6.5})
    assert everywhere.status_code == 400 and everywhere.json()["field"] == "section_code"
    automatic.record_automatic_values(SECTION, [(hours(1), "COD", 31)])
    assert _alarms(kind="threshold", parameter="COD").exists()
