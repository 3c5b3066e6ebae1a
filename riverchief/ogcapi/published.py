"""Which problems the open data shows: public reports the portal has published, nothing else."""

from __future__ import annotations

from django.db.models import QuerySet

from riverchief.portal.models import PublicReport
from riverchief.portal.queries import published
from riverchief.problems.models import Problem
from riverchief.problems.states import State

# States a published problem can be in (the portal publishes a report once the office accepted
# it; a refused or duplicate one never is, and the state filter keeps it so if that changes).
PUBLIC_STATES: tuple[str, ...] = (
    State.ACCEPTED,
    State.ASSIGNED,
    State.IN_PROGRESS,
    State.PENDING_VERIFICATION,
    State.CLOSED,
)


def problems() -> QuerySet:
    """Problems whose public report the portal has published, newest first (a unique order, so
    pages never overlap). The portal's own rule decides, as a subquery: nothing is loaded."""
    reports = PublicReport.objects.filter(published()).values("problem_id")
    return Problem.objects.filter(pk__in=reports, state__in=PUBLIC_STATES).order_by(
        "-created_at", "-id"
    )
