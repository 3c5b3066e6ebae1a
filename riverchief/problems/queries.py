"""Reads of problems, always through the viewer's scope, shaped for lists, to-do and detail."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from riverchief.core import divcodes
from riverchief.core.scoping import scope_of
from riverchief.problems.models import Attachment, Category, Problem, ProblemEvent
from riverchief.problems.states import CLOCK_STATES, State

LIST_RELATED = (
    "category",
    "division",
    "reach",
    "assignee_department",
    "assignee_user",
    "reporter",
)
# Outlines of villages and reach lines: kilobytes per row that no list shows.
LIST_DEFERRED = ("division__geometry", "reach__geometry")


def problems_visible_to(viewer) -> QuerySet[Problem]:
    return _listed(Problem.objects.visible_to(viewer))


def _listed(rows: QuerySet[Problem]) -> QuerySet[Problem]:
    return rows.select_related(*LIST_RELATED).defer(*LIST_DEFERRED)


def overdue_q(now: dt.datetime | None = None, among=None) -> Q:
    """Problems held past their deadline (the escalation sweep and statistics use this);
    `among` (states) narrows it to those of them, in one condition on the state."""
    held = [state for state in CLOCK_STATES if not among or state in among]
    return Q(state__in=held, deadline__lt=now or timezone.now())


@dataclass
class Filters:
    state: list[str] | None = None
    category: str = ""
    group: str = ""
    severity: str = ""
    source: str = ""
    division: str = ""  # a division code, short or full: its whole subtree
    reach: str = ""
    department: str = ""
    overdue: bool | None = None
    out_of_area: bool | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    text: str = ""


def search(rows: QuerySet[Problem], f: Filters) -> QuerySet[Problem]:
    if f.overdue:
        # One condition on the state, not the open states and then the clock's: PostgreSQL
        # multiplied the two conditions' shares, expected 30 times too few rows, and read all of
        # a province's overdue problems to find one county's (11 ms instead of 1).
        rows = rows.filter(overdue_q(among=f.state))
    elif f.state:
        rows = rows.filter(state__in=f.state)
    if f.category:
        rows = rows.filter(category__code=f.category)
    if f.group:
        rows = rows.filter(category__group=f.group)
    if f.severity:
        rows = rows.filter(severity=f.severity)
    if f.source:
        rows = rows.filter(source=f.source)
    if f.division:
        try:
            low, high = divcodes.subtree_bounds(divcodes.normalize(f.division))
        except divcodes.InvalidCode:
            return rows.none()
        rows = rows.filter(division__code__gte=low, division__code__lte=high)
    if f.reach:
        rows = rows.filter(reach__code=f.reach)
    if f.department:
        rows = rows.filter(assignee_department__code=f.department)
    if f.overdue is False:
        rows = rows.exclude(overdue_q())
    if f.out_of_area is not None:
        rows = rows.filter(out_of_area=f.out_of_area)
    if f.since:
        rows = rows.filter(created_at__gte=_start_of(f.since))
    if f.until:
        rows = rows.filter(created_at__lt=_start_of(f.until + dt.timedelta(days=1)))
    if f.text:
        words = f.text.strip()
        rows = rows.filter(
            Q(number__icontains=words)
            | Q(description__icontains=words)
            | Q(address__icontains=words)
        )
    return rows


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def my_todo(viewer) -> QuerySet[Problem]:
    """What the viewer must act on now.

    Office: reports to accept, accepted problems to assign, rectifications to verify, extension
    requests, in its scope.
    Department officer: assigned or being rectified by the department. Chief: what is assigned
    to them; problems awaiting verification below them; reports and accepted problems below them
    that they may assign. Everyone else: nothing.
    """
    scope = scope_of(viewer)
    rows = problems_visible_to(viewer)
    held = Q(state__in=CLOCK_STATES)
    if scope.everything or scope.role == "office":
        waiting = [State.REPORTED, State.ACCEPTED, State.PENDING_VERIFICATION]
        # The first IN names every state the rows can be in: an OR alone kept SQLite off the
        # (division, state) index, and a province office's to-do walked every problem (3 s).
        return rows.filter(
            Q(state__in=[*waiting, *CLOCK_STATES]),
            Q(state__in=waiting) | Q(extension_requested_until__isnull=False),
        )
    if scope.role == "department" and scope.department_id:
        return rows.filter(held, assignee_department_id=scope.department_id)
    if scope.role == "chief":
        mine = held & Q(assignee_user_id=viewer.pk)
        below = _strictly_below(scope.division_code)
        verify = Q(state=State.PENDING_VERIFICATION) & below & ~Q(submitted_by_id=viewer.pk)
        verify &= ~Q(assignee_user_id=viewer.pk)
        dispatch = Q(state=State.ACCEPTED) & below
        return rows.filter(mine | verify | dispatch)
    return rows.none()


def _strictly_below(code: str | None) -> Q:
    if not code:
        return Q(pk__in=[])
    low, high = divcodes.subtree_bounds(code)
    return Q(division__code__gte=low, division__code__lte=high) & ~Q(division__code=code)


def detail(viewer, problem_id, *, reported_by_viewer: bool = False) -> Problem | None:
    """One visible problem by id or number, with its timeline and attachments (three queries).

    `reported_by_viewer`: the viewer has just reported it, and a reporter always sees what they
    reported (`ProblemQuerySet.visible_to`): the scope's queries are skipped."""
    rows = (
        (_listed(Problem.objects.all()) if reported_by_viewer else problems_visible_to(viewer))
        .select_related("duplicate_of", "submitted_by", "category__default_department")
        .prefetch_related(
            Prefetch(
                "events",
                queryset=ProblemEvent.objects.select_related("actor").order_by("at", "id"),
            ),
            Prefetch("attachments", queryset=Attachment.objects.order_by("uploaded_at", "id")),
            "assignments__department",
            "assignments__user",
        )
    )
    ref = str(problem_id).strip()
    if ref.isdigit():
        return rows.filter(pk=int(ref)).first()
    return rows.filter(number=ref).first()


def attachment(viewer, problem_id, attachment_id: int) -> Attachment | None:
    problem = Problem.objects.visible_to(viewer).filter(pk=problem_id).values("pk").first()
    if problem is None:
        return None
    return Attachment.objects.filter(problem_id=problem["pk"], pk=attachment_id).first()


def categories(viewer, *, include_inactive: bool = False) -> QuerySet[Category]:
    rows = Category.objects.visible_to(viewer).select_related("default_department")
    return rows if include_inactive else rows.filter(active=True)
