"""Routing a public report: near a reach, to its chiefs and its category's department once the
office accepts it, due by the public answer deadline; otherwise to the office. Nothing is
assigned or published before the office accepts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from riverchief.accounts.models import User
from riverchief.core import audit
from riverchief.core.calendar_service import current_calendar, set_day
from riverchief.core.workdays import local_date
from riverchief.portal import dispatch, routing, services
from riverchief.portal.hooks import on_problem_event
from riverchief.problems import deadlines, queries
from riverchief.problems import services as problem_services
from riverchief.problems.models import Problem, ProblemAssignment
from tests.portal.conftest import ON_REACH, report_data

pytestmark = pytest.mark.django_db

WATER = "140826-SLJ"  # 绛县水利局: 河边垃圾 (乱堆) is its category
NEAR = (ON_REACH[0] - 0.002, ON_REACH[1] + 0.002)  # ~280 m off the reach, away from others


@pytest.fixture
def admin():
    return User.objects.get(username="admin")


@pytest.fixture
def accept(admin, django_capture_on_commit_callbacks):
    """The office accepts; the after-commit hooks run as in production."""

    def run(report):
        with django_capture_on_commit_callbacks(execute=True):
            problem_services.move(admin, report.problem_id, "accept")
        return Problem.objects.select_related("assignee_department").get(pk=report.problem_id)

    return run


def _working_days_after(start: dt.date, n: int) -> dt.date:
    """The n-th working day after `start`, counted here one day at a time."""
    calendar, day = current_calendar(), start
    while n:
        day += dt.timedelta(days=1)
        n -= calendar.is_working_day(day)
    return day


# --- the rule ------------------------------------------------------------------------------


def test_the_rule_routes_by_reach_distance_and_category():
    water = routing.Department(7, "140826000000")
    village = "140826101201"
    assert routing.decide(120.0, 500, water, village) == routing.Route(True, 7)
    assert routing.decide(120.0, 500, water, village).target == routing.DEPARTMENT
    assert routing.decide(500.0, 500, water, village).department_id == 7  # the edge is in
    # Far from every reach: no reach's chiefs, but the category's department all the same.
    assert routing.decide(500.1, 500, water, village) == routing.Route(False, 7)
    assert routing.decide(None, 500, water, village).target == routing.DEPARTMENT
    assert routing.decide(None, 500, None, village).target == routing.OFFICE
    assert routing.decide(30.0, 500, None, village).target == routing.REACH
    # A department of another county does not serve the problem: the office decides.
    other = routing.Department(8, "140827000000")
    assert routing.decide(30.0, 500, other, village) == routing.Route(True)


# --- near a reach, with a department ------------------------------------------------------


def test_a_report_near_a_reach_goes_to_its_department_once_accepted(reach, admin, accept):
    # An office holiday on the next working day: the deadline must step over it.
    today = local_date(dt.datetime.now(dt.UTC))
    holiday = current_calendar().add_working_days(today, 1)
    set_day(None, holiday, "holiday", "测试假日")
    dept = User.objects.get(username="dept_water")

    report = services.submit_report(**report_data())
    assert report.reach_in_range and report.routed_department.code == WATER
    assert report.route_target == routing.DEPARTMENT
    problem = report.problem
    assert problem.state == "reported" and problem.assignee_department is None
    assert not queries.my_todo(dept).filter(pk=problem.pk).exists()  # nothing before acceptance

    moved = accept(report)
    report.refresh_from_db()
    assert moved.state == "assigned" and moved.assignee_department.code == WATER
    assert moved.deadline == report.answer_due
    due = local_date(moved.deadline)
    assert due == _working_days_after(local_date(report.created_at), 10)
    assert due == deadlines.due_date(report.created_at, 10)
    assert holiday < due and not current_calendar().is_working_day(holiday)
    # The department's officer has it in 我的待办; the timeline and the audit log show who.
    assert queries.my_todo(dept).filter(pk=problem.pk).exists()
    event = moved.events.get(action="assign")
    assert event.actor is None and "按类别自动交办" in event.note
    assert event.data["department"] == WATER
    entry = audit.AuditEntry.objects.get(
        object_type="problems.problem", object_id=str(problem.pk), action="assign"
    )
    assert entry.actor_name == "system" and entry.after["state"] == "assigned"
    assert ProblemAssignment.objects.get(problem=problem).department.code == WATER

    # Idempotent: the hook again, or the sweep's catch-up, changes nothing.
    accepted = moved.events.get(action="accept")
    on_problem_event(problem.pk, accepted.pk)
    assert dispatch.assign_routed(problem.pk) is None
    assert Problem.objects.get(pk=problem.pk).version == moved.version
    assert moved.events.filter(action="assign").count() == 1


def test_the_office_sees_the_route_before_accepting(reach, admin):
    services.submit_report(**report_data())
    services.submit_report(**report_data(category_code="other", device_id="d2", ip="10.1.1.2"))
    far = report_data(lon=111.62, lat=35.45, category_code="other", device_id="d3", ip="10.1.1.3")
    services.submit_report(**far)
    client = Client()
    client.force_login(admin)
    page = client.get("/p/office/reports").content.decode()
    assert "将交办至 绛县水利局" in page
    assert "公众测试河东刘家段 的河长；由河长办交办" in page
    assert "河长办（路由距离内无河段）" in page


def test_the_reach_chiefs_are_told_when_the_office_accepts(reach, accept):
    from riverchief.notify.models import Notification
    from riverchief.registry.services.assignments import assign_person

    chief = User.objects.get(username="chief_dongliujia")
    assign_person(
        None,
        {"role": "河长", "level": "village", "username": chief.username, "reach_code": "PT-REACH"},
    )
    report = services.submit_report(**report_data())
    accept(report)
    told = Notification.objects.filter(recipient=chief, problem_id=report.problem_id)
    assert list(told.values_list("kind", flat=True)) == ["accept"]


# --- the office keeps it ------------------------------------------------------------------


def test_a_report_beyond_the_distance_has_no_reach_but_still_goes_to_its_department(
    reach, admin, accept, settings
):
    settings.RIVERCHIEF_REACH_DISTANCE_M = 100
    report = services.submit_report(**report_data(lon=NEAR[0], lat=NEAR[1]))
    assert report.problem.reach is None and report.problem.reach_distance_m is None
    assert not report.reach_in_range and report.routed_department.code == WATER
    moved = accept(report)
    assert moved.state == "assigned" and moved.assignee_department.code == WATER


def test_a_report_beyond_the_distance_without_a_department_stays_with_the_office(
    reach, admin, accept, settings
):
    settings.RIVERCHIEF_REACH_DISTANCE_M = 100
    report = services.submit_report(**report_data(lon=NEAR[0], lat=NEAR[1], category_code="other"))
    assert report.problem.reach is None
    assert not report.reach_in_range and report.routed_department is None
    assert report.route_target == routing.OFFICE
    moved = accept(report)
    assert moved.state == "accepted" and moved.assignee_department is None
    assert queries.my_todo(admin).filter(pk=moved.pk).exists()  # the office assigns it


def test_a_category_without_a_department_stays_accepted_for_the_office(reach, admin, accept):
    report = services.submit_report(**report_data(category_code="other"))
    assert report.reach_in_range and report.routed_department is None
    assert report.problem.reach.code == "PT-REACH"
    moved = accept(report)
    assert moved.state == "accepted"
    assert not moved.events.filter(action="assign").exists()
    assert queries.my_todo(admin).filter(pk=moved.pk).exists()


def test_a_manual_assign_before_the_hook_is_left_alone(reach, admin):
    report = services.submit_report(**report_data())
    accepted = problem_services.move(admin, report.problem_id, "accept")  # hook not run yet
    manual = problem_services.move(
        admin, report.problem_id, "assign", department_code="140826-STHJ", deadline_days=3
    )
    on_problem_event(report.problem_id, accepted.events.get(action="accept").pk)
    after = Problem.objects.select_related("assignee_department").get(pk=report.problem_id)
    assert after.version == manual.version and after.deadline == manual.deadline
    assert after.assignee_department.code == "140826-STHJ"
    assert after.events.filter(action="assign").count() == 1


def test_the_route_follows_the_offices_edits_before_acceptance(
    reach, admin, accept, django_capture_on_commit_callbacks
):
    report = services.submit_report(**report_data())
    with django_capture_on_commit_callbacks(execute=True):
        problem_services.move(admin, report.problem_id, "edit", category="other")
    report.refresh_from_db()
    assert report.routed_department is None and report.reach_in_range
    entry = audit.AuditEntry.objects.get(
        object_type="portal.publicreport", object_id=str(report.pk), action="update"
    )
    assert entry.before == {"route": "department", "routed_department": WATER}
    assert entry.after == {"route": "reach", "routed_department": None}
    assert accept(report).state == "accepted"


def test_an_answer_already_overdue_gets_one_working_day(reach, accept):
    report = services.submit_report(**report_data())
    past = report.created_at - dt.timedelta(days=1)
    type(report).objects.filter(pk=report.pk).update(answer_due=past)
    moved = accept(report)
    assert moved.state == "assigned" and moved.deadline_days == 1
    assert "已超期" in moved.events.get(action="assign").note


# --- publication --------------------------------------------------------------------------


def test_before_acceptance_the_report_is_nowhere_public(reach, accept):
    report = services.submit_report(**report_data(description="尚未受理的公众举报"))
    number = report.problem.number
    client = Client()

    def shown() -> dict[str, bool]:
        reach_page = client.get("/p/reaches/PT-REACH").content.decode()
        return {
            "reach page": "尚未受理的公众举报" in reach_page,
            "map": report.tracking_code in client.get("/p/map.geojson").content.decode(),
            "open311 list": number in client.get("/open311/v2/requests.json").content.decode(),
            "open311 one": client.get(f"/open311/v2/requests/{number}.json").status_code == 200,
        }

    assert not any(shown().values()), shown()
    accept(report)
    assert all(shown().values()), shown()
