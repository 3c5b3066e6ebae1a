"""The public answer deadline (10 working days ordinary, 20 major; RIVERCHIEF_PORTAL_ANSWER_DAYS),
escalated by the problems' own rule and machinery, not a copy of them.

For each public report whose problem is still open, `escalation_rules.decide` (the same pure
rule, the same settings, the office's calendar) gives the level the answer deadline calls for.
The level is kept on the report (the office's list of public reports shows it); when the problem
is held by its handler, a lower problem level is raised through `move(None, id, "escalate")`, so
the red card, the 通报 list and the notifications are those of every other overdue problem.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from riverchief.core import leases
from riverchief.core.calendar_service import current_calendar
from riverchief.core.errors import DomainError
from riverchief.portal.models import PublicReport
from riverchief.problems import services as problem_services
from riverchief.problems.escalation import rules_from_settings
from riverchief.problems.escalation_rules import decide, level_name
from riverchief.problems.states import CLOCK_STATES, OPEN_STATES

logger = logging.getLogger(__name__)

LEASE = "portal-answers"
NOTE = "公众诉求答复超期（%(level)s） / the public answer is overdue (%(level)s)"


def run_answer_sweep(now=None) -> dict[str, int]:
    now = now or timezone.now()
    done = {"raised": 0, "escalated": 0, "skipped": 0}
    with leases.held(LEASE, timedelta(minutes=10)) as lease:
        if lease is None:
            done["skipped"] = 1
            return done
        calendar, rules = current_calendar(), rules_from_settings()
        ids = list(
            PublicReport.objects.filter(
                answer_due__lt=now, answer_level__lt=3, problem__state__in=OPEN_STATES
            ).values_list("pk", flat=True)
        )
        for pk in ids:
            try:
                outcome = _one(pk, now, calendar, rules)
            except DomainError as error:  # moved by a person at this very moment
                logger.info("public answer escalation of report %s skipped: %s", pk, error)
                continue
            done["raised"] += outcome[0]
            done["escalated"] += outcome[1]
    return done


def _one(pk: int, now, calendar, rules) -> tuple[int, int]:
    with transaction.atomic():
        report = PublicReport.objects.select_for_update().select_related("problem").get(pk=pk)
        problem = report.problem
        decision = decide(report.answer_due, now, calendar, report.answer_level, rules)
        raised = escalated = 0
        if decision.level > report.answer_level:
            report.answer_level = decision.level
            report.save(update_fields=["answer_level"])
            raised = 1
        if problem.state in CLOCK_STATES and problem.escalation_level < report.answer_level:
            note = NOTE % {"level": level_name(report.answer_level)}
            problem_services.move(
                None, problem.pk, "escalate", level=report.answer_level, note=note
            )
            escalated = 1
    return raised, escalated


def missing_copies() -> int:
    """Public photo copies a lost after-commit hook (a crash) left unmade: made now."""
    from riverchief.portal.services import make_public_copies
    from riverchief.problems.models import Attachment

    problem_ids = set(
        Attachment.objects.filter(
            Q(stage="before") | Q(stage="after", problem__state="closed"),
            kind="image",
            public_copy__isnull=True,
            problem__accepted_at__isnull=False,
            problem__public_report__isnull=False,
        ).values_list("problem_id", flat=True)[:500]
    )
    return sum(make_public_copies(problem_id) for problem_id in problem_ids)


def missing_routes() -> int:
    """Accepted reports a lost after-commit hook (a crash) left with the office: routed now."""
    from riverchief.portal.dispatch import assign_routed
    from riverchief.problems.states import State

    problem_ids = list(
        PublicReport.objects.filter(
            routed_department__isnull=False, problem__state=State.ACCEPTED
        ).values_list("problem_id", flat=True)[:500]
    )
    return sum(assign_routed(problem_id) is not None for problem_id in problem_ids)


def sweep_task() -> str:
    made = missing_copies()
    routed = missing_routes()
    done = run_answer_sweep()
    if done["skipped"]:
        return (
            f"{made} photo copies made, {routed} reports routed; answers skipped: another "
            "process is running it"
        )
    return (
        f"public answers: {done['raised']} overdue levels raised, {done['escalated']} "
        f"escalated; {made} photo copies made; {routed} reports routed"
    )
