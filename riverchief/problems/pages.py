"""What the problem pages show, shaped from scoped reads: filters, options, to-do groups,
deadline badges, the office's widgets (the detail page's photos and timeline: pages_detail).

Reads only; every change goes through `services`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Max, QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from riverchief.core import divcodes
from riverchief.core.kept import kept as core_kept
from riverchief.core.scoping import scope_of
from riverchief.problems import inputs, queries, states
from riverchief.problems.models import Category, Problem, Severity, Source
from riverchief.problems.states import CLOCK_STATES, OPEN_STATES, State
from riverchief.registry.models import Division

MAX_OPTIONS = 2000
DUE_SOON = dt.timedelta(days=2)
# Escalation levels (escalation_rules): 1 yellow card, 2 red card, 3 public notice.
RED = 2
LEVEL_NAMES = {2: _("red card (挂牌督办)"), 3: _("public notice (通报)")}
OPEN = "open"  # the state filter's "every open state"


# --- who may use which page -------------------------------------------------------------------


def is_office(user) -> bool:
    scope = scope_of(user)
    return scope.everything or scope.role == "office"


def may_see_dashboard(user) -> bool:
    scope = scope_of(user)
    return scope.everything or scope.role in ("office", "leader")


def may_report(user) -> bool:
    from riverchief.problems.services import REPORTING_ROLES

    scope = scope_of(user)
    return scope.everything or scope.role in REPORTING_ROLES


# --- list filters -----------------------------------------------------------------------------

FILTER_NAMES = (
    "state",
    "category",
    "severity",
    "source",
    "division",
    "reach",
    "department",
    "overdue",
    "since",
    "until",
    "q",
)


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def read_filters(params: QueryDict) -> tuple[dict[str, str], queries.Filters]:
    """The list's query string as the form shows it and as `queries.search` takes it."""
    f = {name: params.get(name, "").strip() for name in FILTER_NAMES}
    state = f["state"]
    if state == OPEN:
        chosen: list[str] | None = sorted(OPEN_STATES)
    elif state in State.values:
        chosen = [state]
    else:
        chosen, f["state"] = None, ""
    overdue = {"yes": True, "no": False}.get(f["overdue"])
    filters = queries.Filters(
        state=chosen,
        category=f["category"],
        severity=f["severity"],
        source=f["source"],
        division=f["division"],
        reach=f["reach"],
        department=f["department"],
        overdue=overdue,
        since=_date(f["since"]),
        until=_date(f["until"]),
        text=f["q"],
    )
    return f, filters


def filtered(user, params: QueryDict) -> tuple[dict[str, str], QuerySet[Problem]]:
    f, filters = read_filters(params)
    return f, queries.search(queries.problems_visible_to(user), filters)


# --- options for selects ----------------------------------------------------------------------


def category_groups(user) -> list[tuple[str, list[Category]]]:
    """Active categories grouped as the select shows them (optgroups in table order)."""
    groups: dict[str, list[Category]] = {}
    for row in queries.categories(user):
        groups.setdefault(row.group, []).append(row)
    return list(groups.items())


def township_options(user) -> list[tuple[str, str]]:
    """The areas the list filters by: the two levels below the viewer's, down to townships (a
    county's townships; a province's cities and counties, not its 1,300 townships)."""
    from riverchief.registry import queries as registry_queries

    below = [level for level in divcodes.Level if level > _own_level(user)][:2]
    levels = [level for level in below if level <= divcodes.Level.TOWNSHIP]
    levels = levels or [divcodes.Level.TOWNSHIP]
    rows = registry_queries.divisions_visible_to(user).filter(level__in=levels).order_by("code")
    return [(divcodes.short(code), name) for code, name in rows.values_list("code", "name")[:500]]


def department_options(user, division_code: str | None = None) -> list[tuple[str, str]]:
    """Departments the user sees; with a division, only those serving it (its own or above)."""
    from riverchief.registry import queries as registry_queries

    rows = registry_queries.departments_visible_to(user)
    if division_code:
        rows = rows.filter(division__code__in=[*divcodes.ancestors(division_code), division_code])
    return list(rows.values_list("code", "name")[:MAX_OPTIONS])


def reach_options(user) -> list[tuple[str, str]]:
    from riverchief.registry import queries as registry_queries

    rows = registry_queries.reaches_visible_to(user).order_by("code")
    return list(rows.values_list("code", "name")[:MAX_OPTIONS])


def chief_options(user, problem: Problem) -> list[tuple[str, str]]:
    """Chiefs a problem may be assigned to by this user: their division holds the problem's,
    and lies inside the user's scope (strictly below a chief's own division)."""
    from riverchief.accounts.models import User

    code = problem.division.code
    scope = scope_of(user)
    holders = [*divcodes.ancestors(code), code]
    rows = (
        User.objects.filter(role="chief", is_active=True, division__code__in=holders)
        .select_related("division")
        .order_by("division__code", "username")
    )
    return [
        (chief.username, f"{chief.division.name} · {chief}")
        for chief in rows
        if inputs.chief_may_take(scope, chief.division.code, code)
    ]


def choices(enum) -> list[tuple[str, str]]:
    return [(value, str(label)) for value, label in enum.choices]


def filter_options(user) -> dict[str, Any]:
    return {
        "states": choices(State),
        "severities": choices(Severity),
        "sources": choices(Source),
        "category_groups": category_groups(user),
        "townships": township_options(user),
        "departments": department_options(user),
        "reaches": reach_options(user),
    }


# --- badges -----------------------------------------------------------------------------------

STATE_COLOURS = {
    State.REPORTED: "secondary",
    State.ACCEPTED: "info",
    State.REJECTED: "dark",
    State.DUPLICATE: "dark",
    State.ASSIGNED: "primary",
    State.IN_PROGRESS: "warning",
    State.PENDING_VERIFICATION: "info",
    State.CLOSED: "success",
}


@dataclass
class Badge:
    css: str
    text: str


def deadline_badge(problem: Problem, now: dt.datetime | None = None) -> Badge | None:
    """Overdue (yellow, red from escalation level 2 on) or due soon, while the clock runs."""
    if problem.state not in CLOCK_STATES or problem.deadline is None:
        return None
    now = now or timezone.now()
    if problem.deadline < now:
        days = (now - problem.deadline).days
        css = "danger" if problem.escalation_level >= RED else "warning"
        if days < 1:
            text = str(_("Overdue"))
        else:
            text = ngettext("Overdue by %(n)d day", "Overdue by %(n)d days", days) % {"n": days}
        if problem.escalation_level in LEVEL_NAMES:
            text = f"{text} · {LEVEL_NAMES[problem.escalation_level]}"
        return Badge(css, text)
    if problem.deadline - now <= DUE_SOON:
        return Badge("info", str(_("Due soon")))
    return None


# --- to-do ------------------------------------------------------------------------------------

# The action a to-do row is grouped under: the first of these the user may take.
TODO_GROUPS = [
    ("accept", _("Reports to accept")),
    ("assign", _("Problems to assign")),
    ("approve_extension", _("Extension requests to decide")),
    ("start", _("Rectification to start")),
    ("submit", _("Rectification to submit")),
    ("close", _("Rectification to verify")),
]
MAX_TODO = 200  # the most urgent rows grouped; the list page holds the rest
TODO_SHOWN = 20  # rows per group on the page until the user asks for the whole group


@dataclass
class TodoGroup:
    action: str
    heading: object
    ids: list[int] = field(default_factory=list)  # every row of the group, most urgent first
    shown: list[Problem] = field(default_factory=list)  # the rows the page shows, loaded
    expanded: bool = False

    @property
    def hidden(self) -> int:
        return len(self.ids) - len(self.shown)


def todo_count(user) -> int:
    """The nav badge's number, on every page: kept like the dashboard's figures (a province
    office counts tens of thousands of rows), and once per request on the request's user."""
    cached = getattr(user, "_riverchief_todo_count", None)
    if cached is None:
        cached = kept(user, "todo-count", lambda: queries.my_todo(user).count())
        user._riverchief_todo_count = cached
    return cached


def todo_groups(user, expand: str = "") -> list[TodoGroup]:
    """The to-do rows grouped by the action each awaits, most urgent first; each group shows
    its first TODO_SHOWN rows unless it is the one `expand` names ("other" for the last)."""
    candidates, places = _todo_candidates(user)
    groups = {action: TodoGroup(action, heading) for action, heading in TODO_GROUPS}
    other = TodoGroup("", _("Other"))
    every = [*groups.values(), other]
    for group in every:
        group.expanded = expand == (group.action or "other")
    actor = states.Actor.of(user)
    allowed_of: dict[int, list[str]] = {}
    for row in candidates:
        known = states.Facts.of_values(row, places[row["division_id"]].code)
        allowed = allowed_of[row["pk"]] = states.allowed(actor, known)
        target = next((groups[a] for a, _h in TODO_GROUPS if a in allowed), other)
        target.ids.append(row["pk"])
    # Models only for the rows the page shows, not all 200: a third of what was left.
    shown = {g.action: g.ids if g.expanded else g.ids[:TODO_SHOWN] for g in every}
    loaded = Problem.objects.select_related("category", "reach").defer("reach__geometry")
    rows = loaded.order_by().in_bulk([pk for pks in shown.values() for pk in pks])
    now = timezone.now()
    for group in every:
        for pk in shown[group.action]:
            row = rows.get(pk)
            if row is None:
                continue  # deleted since the first query
            row.division = places[row.division_id]
            row.badge = deadline_badge(row, now)
            row.allowed_labels = [
                states.label(a) for a in allowed_of[pk] if a not in ("edit", "escalate")
            ]
            group.shown.append(row)
    return [g for g in every if g.ids]


def _todo_candidates(user) -> tuple[list[dict[str, Any]], dict[int, Division]]:
    """The MAX_TODO most urgent rows of the to-do, as the columns the rules read, and their
    divisions by id.

    The ids come first, sorted as bare keys (an office's from the state index alone, on
    SQLite): sorting a province office's 16,000 candidates joined to six tables took twice
    as long. The divisions come by id: joined, PostgreSQL hashed all 22,000 of a province."""
    urgent = queries.my_todo(user).order_by("deadline", "created_at", "id")
    ids = list(urgent.values_list("pk", flat=True)[:MAX_TODO])
    columns = Problem.objects.filter(pk__in=ids).values("pk", "division_id", *states.Facts.COLUMNS)
    by_id = {row["pk"]: row for row in columns.order_by()}
    candidates = [by_id[pk] for pk in ids if pk in by_id]
    places = Division.objects.defer("geometry").in_bulk({row["division_id"] for row in candidates})
    return candidates, places


# --- the office's widgets ---------------------------------------------------------------------


# Figures are kept this long at most; any problem's move makes new ones at once.
KEPT_S = 60
WATCHED = ("problems.ProblemEvent",)


def dashboard(user) -> dict[str, Any]:
    """Open problems by state, overdue ones by department, open ones by township.

    A province office's figures aggregate tens of thousands of open problems; leaders reload
    the page far more often than problems move, so the figures are `kept`.
    """
    return kept(user, "dashboard", lambda: _dashboard_figures(user))


def kept(user, name: str, compute: Callable[[], Any]) -> Any:
    """`compute()` for this viewer, kept until the next move (every move writes a timeline
    entry) or the next minute (a deadline passing moves nothing): `core.kept`."""
    scope = scope_of(user)
    viewer = f"{user.pk}:{scope.role}:{scope.division_code}:{scope.department_id}"
    return core_kept(f"problems:{name}:{viewer}", compute, WATCHED, KEPT_S)


def _dashboard_figures(user) -> dict[str, Any]:
    # Every figure counts open problems only: a few percent of a province's millions, found
    # through the (division, state) index.
    rows = queries.problems_visible_to(user).order_by().filter(state__in=OPEN_STATES)
    counts = dict(rows.values_list("state").annotate(n=Count("id")))
    by_state = [
        (value, label, counts.get(value, 0))
        for value, label in State.choices
        if value in OPEN_STATES
    ]
    overdue = list(
        rows.filter(queries.overdue_q())
        .values("assignee_department__code", "assignee_department__name")
        .annotate(n=Count("id"), level=Max("escalation_level"))
        .order_by("-n", "assignee_department__code")
    )
    level = _area_level(user)
    by_area: dict[str, int] = {}
    for code, n in rows.values_list("division__code").annotate(n=Count("id")):
        key = _area_of(code, level)
        by_area[key] = by_area.get(key, 0) + n
    from riverchief.registry.models import Division

    names = dict(Division.objects.filter(code__in=by_area).values_list("code", "name"))
    townships = sorted(
        ((divcodes.short(code), names.get(code, code), n) for code, n in by_area.items()),
        key=lambda row: (-row[2], row[0]),
    )
    return {
        "by_state": by_state,
        "open_total": sum(n for _v, _l, n in by_state),
        "overdue": overdue,
        "overdue_total": sum(row["n"] for row in overdue),
        "townships": townships,
        "area_heading": AREA_HEADINGS[level],
    }


AREA_HEADINGS = {
    divcodes.Level.CITY: _("Open problems by city"),
    divcodes.Level.COUNTY: _("Open problems by county"),
    divcodes.Level.TOWNSHIP: _("Open problems by township"),
    divcodes.Level.VILLAGE: _("Open problems by village"),
}


def _area_level(user) -> divcodes.Level:
    """The level one below the viewer's own: a province sees its cities, a county its
    townships, a township its villages (a county office never gets 1,300 township rows)."""
    below = [level for level in divcodes.Level if level > _own_level(user)]
    return below[0] if below else divcodes.Level.VILLAGE


def _own_level(user) -> divcodes.Level:
    code = scope_of(user).division_code
    return divcodes.level_of(code) if code else divcodes.Level.PROVINCE


def _area_of(code: str, level: divcodes.Level) -> str:
    if divcodes.level_of(code) <= level:
        return code
    return code[:level].ljust(divcodes.LENGTH, "0")
