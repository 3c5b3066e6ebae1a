"""Who hears of each problem event, and which configured channels carry it.

The rules (by the event's action):
  report                 the river chief office of the problem's county (else the nearest above)
  accept (public report) the chiefs of the problem's reach (a public report is theirs once the
                         office has let it through)
  assign, transfer       the assignee: the assigned chief, or the officers of the department
  reopen                 the assignee
  submit                 the office (it verifies)
  return                 the assignee
  close, reject,         the reporter
  mark_duplicate
  escalate               the assignee and the office; at red (level 2 and above) also the chief
                         one level up: the 河长/湖长 with an account of the same water body in
                         the nearest division above, else the chief accounts of that division
  request_extension      the office
  approve_extension,     the assignee
  refuse_extension
  rate (not satisfied)   the office
  remind                 the assignee (a deadline reminder)
The person who took the action is never told of it, inactive accounts are skipped, and nobody is
told of a problem they may not see (`Problem.objects.visible_to`).
"""

from __future__ import annotations

from django.db.models import Q

from riverchief.accounts.models import User
from riverchief.core import divcodes
from riverchief.core.scoping import scope_of
from riverchief.problems.models import Problem, ProblemAssignment, ProblemEvent
from riverchief.registry.models import ChiefAssignment

RED = 2  # the escalation level from which the chief above is told
CHIEF_ROLES = ("河长", "湖长", "河段长")
PUBLIC_SOURCES = ("public", "volunteer")  # reports from the public site

RULES: dict[str, tuple[str, ...]] = {
    "report": ("office",),
    "assign": ("assignee",),
    "transfer": ("assignee",),
    "reopen": ("assignee",),
    "submit": ("office",),
    "return": ("assignee",),
    "close": ("reporter",),
    "reject": ("reporter",),
    "mark_duplicate": ("reporter",),
    "escalate": ("assignee", "office"),
    "request_extension": ("office",),
    "approve_extension": ("assignee",),
    "refuse_extension": ("assignee",),
    "rate": ("office",),
    "remind": ("assignee",),
}


OUTLINES = ("user__division__geometry", "user__department__division__geometry")


def _users():
    # The divisions' outlines (a county's runs to thousands of points) say nothing here.
    return (
        User.objects.filter(is_active=True)
        .select_related("division", "department__division")
        .defer("division__geometry", "department__division__geometry")
    )


def office_of(problem: Problem) -> list[User]:
    """Office admins of the problem's county; where it has none, of the nearest division above."""
    code = problem.division.code
    chain = [code, *reversed(divcodes.ancestors(code))]  # nearest first
    chain = [c for c in chain if divcodes.level_of(c) <= divcodes.Level.COUNTY]
    found: dict[str, list[User]] = {}
    for user in _users().filter(role="office", division__code__in=chain):
        found.setdefault(user.division.code, []).append(user)
    return next((found[c] for c in chain if c in found), [])


def assignee_of(problem: Problem) -> list[User]:
    """The assigned chief and the officers of the assigned department."""
    condition = Q(pk__in=[])
    if problem.assignee_user_id:
        condition |= Q(pk=problem.assignee_user_id)
    if problem.assignee_department_id:
        condition |= Q(role="department", department_id=problem.assignee_department_id)
    return list(_users().filter(condition))


def reporter_of(problem: Problem) -> list[User]:
    return list(_users().filter(pk=problem.reporter_id)) if problem.reporter_id else []


def chiefs_above(problem: Problem) -> list[User]:
    """The chief one level up: of the same water body if the registry names one with an
    account, else the chief accounts of the nearest division above that has any."""
    above = list(reversed(divcodes.ancestors(problem.division.code)))  # the parent first
    if not above:
        return []
    if problem.reach_id:
        water_body = problem.reach.water_body_id
        rows = (
            ChiefAssignment.objects.filter(
                end_date__isnull=True,
                role__in=CHIEF_ROLES,
                user__isnull=False,
                user__is_active=True,
                division__code__in=above,
            )
            .filter(Q(reach__water_body_id=water_body) | Q(water_body_id=water_body))
            .select_related("division", "user__division", "user__department__division")
            .defer(*OUTLINES, "division__geometry")
        )
        by_division: dict[str, list[User]] = {}
        for row in rows:
            by_division.setdefault(row.division.code, []).append(row.user)
        for code in above:
            if code in by_division:
                return by_division[code]
    found: dict[str, list[User]] = {}
    for user in _users().filter(role="chief", division__code__in=above):
        found.setdefault(user.division.code, []).append(user)
    return next((found[c] for c in above if c in found), [])


def reach_chiefs_of(problem: Problem) -> list[User]:
    """The chiefs with an account now holding the problem's reach."""
    if not problem.reach_id:
        return []
    rows = (
        ChiefAssignment.objects.filter(
            reach_id=problem.reach_id,
            end_date__isnull=True,
            role__in=CHIEF_ROLES,
            user__isnull=False,
            user__is_active=True,
        )
        .select_related("user__division", "user__department__division")
        .defer(*OUTLINES)
    )
    return list({row.user.pk: row.user for row in rows.order_by("pk")}.values())


GROUPS = {"office": office_of, "assignee": assignee_of, "reporter": reporter_of}


class Lookups:
    """The answers the events of one batch share. At midnight the escalation sweep hands over
    thousands of events at once; most of them share an office, a department, a chief above, so
    each answer is looked up once per batch, and who may see which problem is asked once per
    person for the whole batch instead of once per person and problem."""

    def __init__(self, problems=()):
        self.problem_ids = sorted({problem.pk for problem in problems})
        self._memo: dict[tuple, list[User]] = {}
        self._visible: dict[int, set[int]] = {}
        self._held: dict[int, set[int]] | None = None
        self._channels: list | None = None
        self._chains: dict[tuple, set[str]] = {}

    def group(self, name: str, problem: Problem) -> list[User]:
        if name == "office":
            # The same office for every division of a county (`office_of` looks at the county
            # and above): a batch of reports from many villages asks once.
            key: tuple = ("office", divcodes.county_code(problem.division.code))
        elif name == "assignee":
            key = ("assignee", problem.assignee_user_id, problem.assignee_department_id)
        else:
            key = ("reporter", problem.reporter_id)
        if key not in self._memo:
            self._memo[key] = GROUPS[name](problem)
        return self._memo[key]

    def reach_chiefs(self, problem: Problem) -> list[User]:
        key = ("reach", problem.reach_id)
        if key not in self._memo:
            self._memo[key] = reach_chiefs_of(problem)
        return self._memo[key]

    def chiefs_above(self, problem: Problem) -> list[User]:
        water_body = problem.reach.water_body_id if problem.reach_id else None
        key = ("above", problem.division.code, water_body)
        if key not in self._memo:
            self._memo[key] = chiefs_above(problem)
        return self._memo[key]

    def may_see(self, user: User, problem: Problem) -> bool:
        if Problem.in_view_scope(scope_of(user), problem.division.code):
            return True  # the office and the chiefs of the problem's divisions: no query
        if problem.pk not in self.problem_ids:
            return may_see(user, problem)
        if user.pk not in self._visible:
            rows = Problem.objects.visible_to(user).filter(pk__in=self.problem_ids)
            self._visible[user.pk] = set(rows.values_list("pk", flat=True))
        return problem.pk in self._visible[user.pk]

    def departments_of(self, problem: Problem) -> set[int]:
        if problem.pk not in self.problem_ids:
            return departments_of(problem)
        if self._held is None:
            self._held = {}
            rows = ProblemAssignment.objects.filter(
                problem_id__in=self.problem_ids, department__isnull=False
            ).values_list("problem_id", "department_id")
            for problem_id, department_id in rows:
                self._held.setdefault(problem_id, set()).add(department_id)
        held = set(self._held.get(problem.pk, ()))
        if problem.assignee_department_id:
            held.add(problem.assignee_department_id)
        return held

    def chain(self, code: str) -> set[str]:
        """The division and every division above it."""
        key = ("chain", code)
        if key not in self._chains:
            self._chains[key] = {code, *divcodes.ancestors(code)}
        return self._chains[key]

    def active_channels(self) -> list:
        from riverchief.notify.models import Channel

        if self._channels is None:
            rows = Channel.objects.filter(active=True).select_related("division")
            rows = rows.defer("division__geometry")  # only its code is asked
            self._channels = list(rows.order_by("id"))
        return self._channels


def for_event(problem: Problem, event: ProblemEvent, lookups: Lookups | None = None) -> list[User]:
    """The users whose inbox gets this event, in a stable order."""
    lookups = lookups or Lookups([problem])
    groups = RULES.get(event.action, ())
    if event.action == "rate" and (event.data or {}).get("satisfied", True):
        groups = ()
    people: dict[int, User] = {}
    for group in groups:
        for user in lookups.group(group, problem):
            people.setdefault(user.pk, user)
    if event.action == "escalate" and int((event.data or {}).get("to") or 0) >= RED:
        for user in lookups.chiefs_above(problem):
            people.setdefault(user.pk, user)
    if event.action == "accept" and problem.source in PUBLIC_SOURCES:
        for user in lookups.reach_chiefs(problem):
            people.setdefault(user.pk, user)
    people.pop(event.actor_id, None)  # type: ignore[arg-type]
    return [user for _pk, user in sorted(people.items()) if lookups.may_see(user, problem)]


def may_see(user: User, problem: Problem) -> bool:
    return Problem.objects.visible_to(user).filter(pk=problem.pk).exists()


def departments_of(problem: Problem) -> set[int]:
    """Departments that hold or held the problem: a department channel hears of these."""
    held = set(
        ProblemAssignment.objects.filter(problem=problem, department__isnull=False).values_list(
            "department_id", flat=True
        )
    )
    if problem.assignee_department_id:
        held.add(problem.assignee_department_id)
    return held


def channels_for(problem: Problem, action: str, lookups: Lookups | None = None):
    """Active channels whose division holds the problem's division and whose department (if
    any) holds or held it, and which want this kind of event."""
    lookups = lookups or Lookups([problem])
    channels = lookups.active_channels()
    if not channels:
        return []
    chain = lookups.chain(problem.division.code)
    held = None
    found = []
    for channel in channels:
        if channel.division_id is not None and channel.division.code not in chain:
            continue
        if channel.department_id is not None:
            held = lookups.departments_of(problem) if held is None else held
            if channel.department_id not in held:
                continue
        if channel.wants(action):
            found.append(channel)
    return found
