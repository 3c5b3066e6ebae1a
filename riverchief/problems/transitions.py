"""`move()`: the one guarded function that changes a problem's state.

It loads the problem through the actor's scope (404), asks the transition table whether the
action is possible now (409 with the allowed actions) and whether this actor may take it (403),
validates the inputs (400, 413), then writes with `UPDATE … WHERE id = … AND version = …` so that
of two people acting at once one wins and the other gets 409 with the current state. The event,
the files, the assignment history and the audit entry are written in the same transaction, and
the hooks in `signals` run after it commits.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from riverchief.core import audit
from riverchief.core.errors import Conflict, DomainError, Forbidden, NotFound
from riverchief.problems import signals, states, timeline
from riverchief.problems.actions import APPLY
from riverchief.problems.models import Problem, ProblemAssignment, Stage

# Images sent with these moves show the site after the work; with the others, as reported.
AFTER_ACTIONS = {"submit", "close", "return", "reopen", "rate"}
RELATED = ("division", "category", "category__default_department", "assignee_department")
AUDITED = [
    "state",
    "category",
    "severity",
    "source",
    "description",
    "address",
    "reach",
    "division",
    "assignee_department",
    "assignee_user",
    "deadline",
    "deadline_days",
    "escalation_level",
    "duplicate_of",
    "reopen_count",
    "return_count",
    "dissatisfied",
    "extension_requested_until",
    "extension_reason",
    "submitted_by",
    "version",
]


class ProblemConflict(Conflict):
    """409 carrying where the problem stands now, so the client can refresh and retry."""

    def __init__(self, message, problem: Problem, allowed: list[str], params=None):
        super().__init__(message, field="action", params=params)
        self.extra = {
            "state": problem.state,
            "version": problem.version,
            "allowed_actions": allowed,
        }

    def as_dict(self) -> dict[str, Any]:
        return {**super().as_dict(), **self.extra}


def load(actor, problem_id) -> Problem:
    """The problem if the actor may see it (None: the platform itself), else 404."""
    rows = Problem.objects.all() if actor is None else Problem.objects.visible_to(actor)
    rows = rows.select_related(*RELATED).defer("division__geometry")
    ref = str(problem_id).strip()
    problem = rows.filter(pk=int(ref)).first() if ref.isdigit() else rows.filter(number=ref).first()
    if problem is None:
        raise NotFound(_("No such problem, or it lies outside your scope."))
    return problem


def move(
    actor, problem_id, action: str, expected_version: int | None = None, *, files=(), **fields
) -> Problem:
    """Take `action` on the problem as `actor` (None: the platform); returns the moved problem."""
    transition = states.TRANSITIONS.get(action)
    if transition is None:
        raise DomainError(
            _("Unknown action. Known actions: %(actions)s."),
            field="action",
            params={"actions": ", ".join(states.TRANSITIONS)},
            code="unknown_action",
        )
    if actor is not None and not getattr(actor, "is_authenticated", False):
        raise NotFound(_("No such problem, or it lies outside your scope."))
    checked = timeline.check_uploads(files)
    with timeline.files_removed_on_failure() as stored, transaction.atomic():
        problem = load(actor, problem_id)
        who, facts = states.Actor.of(actor), states.Facts.of(problem)
        if expected_version is not None and int(expected_version) != problem.version:
            raise _stale(problem, who)
        if action not in states.possible_from(facts):
            raise ProblemConflict(
                _("%(action)s is not possible while the problem is %(state)s."),
                problem,
                states.allowed(who, facts),
                params={"action": states.label(action), "state": problem.get_state_display()},
            )
        if not transition.who(who, facts):
            raise Forbidden(
                _("You may not %(action)s this problem."), params={"action": states.label(action)}
            )
        now = timezone.now()
        changes, note, data = APPLY[action](actor, problem, fields, checked, now)
        if transition.target is not None:
            changes["state"] = transition.target
        before = audit.snapshot(problem, AUDITED)
        changes.update(version=problem.version + 1, updated_at=now)
        updated = Problem.objects.filter(pk=problem.pk, version=problem.version).update(**changes)
        if updated != 1:
            raise _stale(load(actor, problem.pk), who)
        _keep_assignment_history(actor, problem, action, changes, now)
        event = timeline.write_event(
            problem,
            actor,
            action,
            from_state=problem.state,
            to_state=changes.get("state", problem.state),
            note=note,
            data=data,
            at=now,
        )
        stage = Stage.AFTER if action in AFTER_ACTIONS else Stage.BEFORE
        timeline.store(problem, event, checked, stage, actor, stored)
        moved = load(None, problem.pk)
        old, new = audit.changed(before, audit.snapshot(moved, AUDITED))
        audit.record(
            actor,
            action,
            moved,
            before=old,
            after=new,
            message=note[:500],
            division_code=moved.division.code,
        )
        signals.queue(moved.pk, event.pk)
    return moved


def _stale(problem: Problem, who: states.Actor) -> ProblemConflict:
    return ProblemConflict(
        _("Someone changed this problem first: it is now %(state)s (version %(version)d)."),
        problem,
        states.allowed(who, states.Facts.of(problem)),
        params={"state": problem.get_state_display(), "version": problem.version},
    )


def _keep_assignment_history(actor, problem: Problem, action: str, changes, now) -> None:
    if action in ("assign", "transfer", "reopen"):
        ProblemAssignment.objects.filter(problem=problem, end__isnull=True).update(end=now)
        ProblemAssignment.objects.create(
            problem=problem,
            department=changes.get("assignee_department", problem.assignee_department),
            user=changes.get("assignee_user", problem.assignee_user),
            assigned_by=timeline.authenticated(actor),
            start=now,
            deadline=changes.get("deadline", problem.deadline),
        )
    elif "deadline" in changes:
        open_rows = ProblemAssignment.objects.filter(problem=problem, end__isnull=True)
        open_rows.update(deadline=changes["deadline"])
