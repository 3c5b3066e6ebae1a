"""Routing a public report (the rule is `portal.routing`): decided at submission and kept on the
report, decided again when the office changes the problem's category or reach before accepting
it, and applied once the office accepts it: the category's department takes the problem, due by
the public answer deadline. The office stays the gatekeeper: nothing is assigned, nor published,
before it accepts.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from riverchief.core import audit
from riverchief.core.errors import DomainError
from riverchief.portal import routing
from riverchief.portal.models import PublicReport
from riverchief.problems import services as problem_services
from riverchief.problems.locate import max_reach_distance_m
from riverchief.problems.models import Problem
from riverchief.problems.states import State

logger = logging.getLogger(__name__)

NOTE = "按类别自动交办：%(department)s / routed by category to %(department)s"
OVERDUE_NOTE = (
    "按类别自动交办：%(department)s（公众诉求答复已超期，限 1 个工作日）/ routed by category "
    "to %(department)s (the public answer is overdue: 1 working day)"
)


def route_of(problem: Problem) -> routing.Route:
    """The route of the problem as it stands: its reach (one the office placed it on by hand
    counts as in range) and its category's default department."""
    distance = None
    if problem.reach_id is not None:
        distance = problem.reach_distance_m if problem.reach_distance_m is not None else 0.0
    department = problem.category.default_department
    rule_department = None
    if department is not None:
        rule_department = routing.Department(department.pk, department.division.code)
    return routing.decide(distance, max_reach_distance_m(), rule_department, problem.division.code)


def reroute(problem_id: int) -> None:
    """The office changed the category or the reach of a report it has not accepted yet."""
    with transaction.atomic():
        report = (
            # OF self: PostgreSQL refuses to lock the nullable side of the department's join.
            PublicReport.objects.select_for_update(of=("self",))
            .filter(problem_id=problem_id)
            .select_related("routed_department")
            .first()
        )
        if report is None:
            return
        problem = problem_services.load(None, problem_id)
        if problem.state != State.REPORTED:
            return
        route = route_of(problem)
        if (route.reach_in_range, route.department_id) == (
            report.reach_in_range,
            report.routed_department_id,
        ):
            return
        before = _snapshot(report)
        report.reach_in_range = route.reach_in_range
        report.routed_department_id = route.department_id
        report.save(update_fields=["reach_in_range", "routed_department"])
        report.refresh_from_db(fields=["routed_department"])
        audit.record(
            None,
            "update",
            report,
            before=before,
            after=_snapshot(report),
            division_code=problem.division.code,
        )


def _snapshot(report: PublicReport) -> dict:
    department = report.routed_department
    return {
        "route": report.route_target,
        "routed_department": department.code if department is not None else None,
    }


def assign_routed(problem_id: int) -> Problem | None:
    """After the office accepts: assign the problem to its routed department, due by the public
    answer deadline (1 working day when that has passed already). Does nothing when the report
    has no department, or when the problem is no longer 已受理 (assigned by hand in between, or
    by an earlier run); the version check makes a concurrent manual assign win."""
    report = (
        PublicReport.objects.select_related("routed_department", "problem")
        .filter(problem_id=problem_id)
        .first()
    )
    if report is None or report.routed_department is None:
        return None
    if report.problem.state != State.ACCEPTED:
        return None
    department = report.routed_department
    fields: dict = {"department_code": department.code}
    if report.answer_due > timezone.now():
        fields.update(deadline=report.answer_due, note=NOTE % {"department": department.name})
    else:
        fields.update(deadline_days=1, note=OVERDUE_NOTE % {"department": department.name})
    try:
        return problem_services.move(
            None, problem_id, "assign", expected_version=report.problem.version, **fields
        )
    except DomainError as error:  # moved by a person meanwhile, or the department no longer fits
        logger.info("routing of public report %s skipped: %s", report.pk, error)
        return None
