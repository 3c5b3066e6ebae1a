"""The problem workflow as data: states, actions, who may take each one, what each one needs.

Pure: no database access. Predicates take two plain snapshots, `Actor` (who acts) and `Facts`
(the problem as it stands), so pages, the API, the services and the tests all ask one table.
`services.move()` is the only code that changes a problem's state, and it asks this table first.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from django.db import models
from django.utils.translation import pgettext_lazy

from riverchief.core.divcodes import subtree_bounds


class State(models.TextChoices):
    REPORTED = "reported", pgettext_lazy("problem state", "Reported")  # 待受理
    ACCEPTED = "accepted", pgettext_lazy("problem state", "Accepted")  # 已受理
    REJECTED = "rejected", pgettext_lazy("problem state", "Not accepted")  # 不予受理
    DUPLICATE = "duplicate", pgettext_lazy("problem state", "Duplicate")  # 重复
    ASSIGNED = "assigned", pgettext_lazy("problem state", "Assigned")  # 已交办
    IN_PROGRESS = "in_progress", pgettext_lazy("problem state", "Being rectified")  # 整改中
    PENDING_VERIFICATION = (
        "pending_verification",
        pgettext_lazy("problem state", "Awaiting verification"),  # 待核查
    )
    CLOSED = "closed", pgettext_lazy("problem state", "Closed")  # 已销号


# Where nothing more happens (except a reopen after a public 不满意 rating).
FINAL_STATES = frozenset({State.REJECTED, State.DUPLICATE, State.CLOSED})
OPEN_STATES = frozenset(State.values) - FINAL_STATES
# While the handler holds the problem its deadline runs; overdue and escalation look only here.
CLOCK_STATES = frozenset({State.ASSIGNED, State.IN_PROGRESS})
MAX_REOPENS = 1


@dataclass(frozen=True)
class Actor:
    """Who acts, as plain facts. `system` is the platform itself (sweeps, the public portal)."""

    user_id: int | None = None
    role: str = ""
    everything: bool = False
    division_code: str | None = None
    department_id: int | None = None
    system: bool = False

    @classmethod
    def of(cls, user) -> Actor:
        if user is None:
            return SYSTEM
        from riverchief.core.scoping import scope_of

        scope = scope_of(user)
        if not scope.authenticated:
            return cls()
        return cls(
            user_id=user.pk,
            role=scope.role,
            everything=scope.everything,
            division_code=scope.division_code,
            department_id=scope.department_id,
        )


SYSTEM = Actor(system=True)


@dataclass(frozen=True)
class Facts:
    """The problem as the rules need it."""

    state: str
    division_code: str
    reporter_id: int | None = None
    assignee_department_id: int | None = None
    assignee_user_id: int | None = None
    submitted_by_id: int | None = None
    extension_pending: bool = False
    dissatisfied: bool = False
    reopen_count: int = 0

    # The Problem columns `of` reads: a caller with many rows fetches these as values.
    COLUMNS: ClassVar[tuple[str, ...]] = (
        "state",
        "reporter_id",
        "assignee_department_id",
        "assignee_user_id",
        "submitted_by_id",
        "extension_requested_until",
        "dissatisfied",
        "reopen_count",
    )

    @classmethod
    def of_values(cls, values: Mapping[str, Any], division_code: str) -> Facts:
        """From a row of `COLUMNS` fetched as values, and the code of its division."""
        return cls(
            state=values["state"],
            division_code=division_code,
            reporter_id=values["reporter_id"],
            assignee_department_id=values["assignee_department_id"],
            assignee_user_id=values["assignee_user_id"],
            submitted_by_id=values["submitted_by_id"],
            extension_pending=values["extension_requested_until"] is not None,
            dissatisfied=values["dissatisfied"],
            reopen_count=values["reopen_count"],
        )

    @classmethod
    def of(cls, problem) -> Facts:
        """From a Problem row (with its division loaded)."""
        return cls.of_values(
            {name: getattr(problem, name) for name in cls.COLUMNS}, problem.division.code
        )


# --- who ------------------------------------------------------------------------------------

Who = Callable[[Actor, Facts], bool]


def _covers(root: str | None, code: str) -> bool:
    if not root:
        return False
    low, high = subtree_bounds(root)
    return low <= code <= high


def office(a: Actor, p: Facts) -> bool:
    """The river chief office (河长办) whose scope holds the problem; system administrators."""
    return a.everything or (a.role == "office" and _covers(a.division_code, p.division_code))


def chief_above(a: Actor, p: Facts) -> bool:
    """A chief whose division strictly contains the problem's division."""
    return (
        a.role == "chief"
        and a.division_code != p.division_code
        and _covers(a.division_code, p.division_code)
    )


def assignee(a: Actor, p: Facts) -> bool:
    """An officer of the department the problem is assigned to, or the chief it is assigned to."""
    by_department = (
        a.role == "department"
        and a.department_id is not None
        and a.department_id == p.assignee_department_id
    )
    return by_department or (a.user_id is not None and a.user_id == p.assignee_user_id)


def handler(a: Actor, p: Facts) -> bool:
    """Whoever rectified: the submitter, the assigned chief, a member of the assigned department."""
    if a.user_id is not None and a.user_id in (p.submitted_by_id, p.assignee_user_id):
        return True
    return a.department_id is not None and a.department_id == p.assignee_department_id


def verifier(a: Actor, p: Facts) -> bool:
    """Only the office or a chief above may verify and close, and never the one who handled it."""
    return (office(a, p) or chief_above(a, p)) and not handler(a, p)


def dispatcher(a: Actor, p: Facts) -> bool:
    return office(a, p) or chief_above(a, p)


def dispatcher_or_system(a: Actor, p: Facts) -> bool:
    """A dispatcher, or the platform itself (the public portal assigns a report the office
    accepted to its category's department)."""
    return a.system or dispatcher(a, p)


def reporter_or_system(a: Actor, p: Facts) -> bool:
    return a.system or (a.user_id is not None and a.user_id == p.reporter_id)


def system(a: Actor, p: Facts) -> bool:
    return a.system


def office_or_system(a: Actor, p: Facts) -> bool:
    """The office, or the platform itself (the public portal reopens after a 不满意 rating)."""
    return a.system or office(a, p)


# --- guards on the problem besides its state -------------------------------------------------


def always(p: Facts) -> bool:
    return True


def extension_pending(p: Facts) -> bool:
    return p.extension_pending


def no_extension_pending(p: Facts) -> bool:
    return not p.extension_pending


def may_reopen(p: Facts) -> bool:
    return p.dissatisfied and p.reopen_count < MAX_REOPENS


# --- the table ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Transition:
    """One action: from which states, to which (None: the state stays), by whom, needing what.

    `requires` names inputs `move()` validates: reason, assignee, deadline (given or the
    category's default), evidence (a description and an after-photo), duplicate_of, until
    (a new deadline), satisfied, level.
    """

    action: str
    label: object
    sources: frozenset[str]
    target: str | None
    who: Who
    requires: frozenset[str] = frozenset()
    guard: Callable[[Facts], bool] = always


def _t(action, label, sources, target, who, requires=(), guard=always) -> Transition:
    return Transition(action, label, frozenset(sources), target, who, frozenset(requires), guard)


S = State
_HELD = (S.ASSIGNED, S.IN_PROGRESS)
_EDITABLE = (S.REPORTED, S.ACCEPTED, S.ASSIGNED, S.IN_PROGRESS, S.PENDING_VERIFICATION)

TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        _t("accept", pgettext_lazy("problem action", "Accept"), [S.REPORTED], S.ACCEPTED, office),
        _t(
            "reject",
            pgettext_lazy("problem action", "Do not accept"),
            [S.REPORTED],
            S.REJECTED,
            office,
            ["reason"],
        ),
        _t(
            "mark_duplicate",
            pgettext_lazy("problem action", "Mark as duplicate"),
            [S.REPORTED],
            S.DUPLICATE,
            office,
            ["duplicate_of"],
        ),
        _t(
            "assign",
            pgettext_lazy("problem action", "Assign"),
            [S.ACCEPTED],
            S.ASSIGNED,
            dispatcher_or_system,
            ["assignee", "deadline"],
        ),
        _t(
            "start",
            pgettext_lazy("problem action", "Start rectification"),
            [S.ASSIGNED],
            S.IN_PROGRESS,
            assignee,
        ),
        _t(
            "submit",
            pgettext_lazy("problem action", "Submit for verification"),
            [S.IN_PROGRESS],
            S.PENDING_VERIFICATION,
            assignee,
            ["evidence"],
        ),
        _t(
            "close",
            pgettext_lazy("problem action", "Verify and close"),
            [S.PENDING_VERIFICATION],
            S.CLOSED,
            verifier,
        ),
        _t(
            "return",
            pgettext_lazy("problem action", "Return for rectification"),
            [S.PENDING_VERIFICATION],
            S.IN_PROGRESS,
            verifier,
            ["reason"],
        ),
        _t(
            "request_extension",
            pgettext_lazy("problem action", "Request an extension"),
            _HELD,
            None,
            assignee,
            ["reason", "until"],
            no_extension_pending,
        ),
        _t(
            "approve_extension",
            pgettext_lazy("problem action", "Approve the extension"),
            _HELD,
            None,
            office,
            guard=extension_pending,
        ),
        _t(
            "refuse_extension",
            pgettext_lazy("problem action", "Refuse the extension"),
            _HELD,
            None,
            office,
            ["reason"],
            extension_pending,
        ),
        _t(
            "transfer",
            pgettext_lazy("problem action", "Transfer"),
            _HELD,
            S.ASSIGNED,
            dispatcher,
            ["assignee"],
        ),
        _t(
            "reopen",
            pgettext_lazy("problem action", "Reopen"),
            [S.CLOSED],
            S.ASSIGNED,
            office_or_system,
            ["reason", "deadline"],
            may_reopen,
        ),
        _t(
            "rate",
            pgettext_lazy("problem action", "Rate the handling"),
            [S.CLOSED],
            None,
            reporter_or_system,
            ["satisfied"],
        ),
        _t(
            "escalate",
            pgettext_lazy("problem action", "Escalate"),
            _HELD,
            None,
            system,
            ["level"],
        ),
        # A deadline reminder (the escalation sweep, once per window): an event, no state change.
        _t(
            "remind",
            pgettext_lazy("problem action", "Deadline reminder"),
            _HELD,
            None,
            system,
        ),
        _t(
            "edit",
            pgettext_lazy("problem action", "Edit the details"),
            _EDITABLE,
            None,
            office,
        ),
    ]
}

# The report itself is an event too (the first of every timeline), though not a move.
REPORT = "report"
REPORT_LABEL = pgettext_lazy("problem action", "Report")


def label(action: str) -> str:
    if action == REPORT:
        return str(REPORT_LABEL)
    transition = TRANSITIONS.get(action)
    return str(transition.label) if transition else action


def possible_from(facts: Facts) -> list[str]:
    """Actions the problem's state (and guards) allow, whoever asks."""
    return [t.action for t in TRANSITIONS.values() if facts.state in t.sources and t.guard(facts)]


def allowed(actor: Actor, facts: Facts) -> list[str]:
    """Actions this actor may take now, in table order."""
    return [a for a in possible_from(facts) if TRANSITIONS[a].who(actor, facts)]


def allowed_actions(user, problem) -> list[str]:
    """The one answer to "what may this user do with this problem now?" (API and pages)."""
    return allowed(Actor.of(user), Facts.of(problem))
