"""What the patrol pages show, shaped from scoped reads: the phone app's lists and labels, the
patrol list's filters and options (the detail page: pages_detail.py).

Reads only; every change goes through `services`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from riverchief.core.scoping import scope_of
from riverchief.patrols import access, queries
from riverchief.patrols.models import Kind, Patrol, Verdict

# The checklist of river-chief-system.md §3.3: (code the API takes, label, what to look at).
CHECKLIST = [
    (
        "water",
        _("Water (colour, smell)"),
        _("Odour, abnormal colour (black, yellow, white), floating scum"),
    ),
    ("surface", _("Water surface"), _("Floating rubbish, oil, dead animals")),
    (
        "channel",
        _("In the channel"),
        _("Net pens, sludge, sunken boats, dumped spoil or slag, solid or hazardous waste"),
    ),
    (
        "bank",
        _("River bank"),
        _("Domestic, industrial, construction or farm waste; piles of material"),
    ),
    (
        "outfall",
        _("Outfalls"),
        _("Sewage discharge, dry-weather flow, odd colour or smell, new unregistered outlet"),
    ),
    ("signboard", _("Signboard"), _("Missing, outdated, non-standard, tilted, broken or faded")),
    (
        "structure",
        _("Water structures"),
        _("Illegal occupation or building, abnormal operation, the four disorders (四乱)"),
    ),
    ("other", _("Other"), _("Illegal fishing or sand mining; whether earlier problems were fixed")),
]

VERDICT_LABELS = {"valid": _("valid"), "doubtful": _("doubtful"), "invalid": _("invalid")}
VERDICT_COLOURS = {"valid": "success", "doubtful": "warning", "invalid": "danger"}

# Kinds the phone records with its own GPS; 视同巡河, drone and track files come in another way.
APP_KINDS = [("normal", _("Patrol")), ("delegated", _("On a chief's behalf (河长助理)"))]


def checklist_items() -> list[list[str]]:
    return [[code, str(label), str(hint)] for code, label, hint in CHECKLIST]


def checklist_label(code: str) -> str:
    for item, label, _hint in CHECKLIST:
        if item == code:
            return str(label)
    return code


def verdict_labels() -> dict[str, str]:
    return {key: str(label) for key, label in VERDICT_LABELS.items()}


def app_kinds() -> list[tuple[str, str]]:
    return [(value, str(label)) for value, label in APP_KINDS]


def tile_config() -> dict:
    from riverchief.registry.pageparts import tile_config as registry_tiles

    return registry_tiles()


def problem_category_groups(user):
    from riverchief.problems.pages import category_groups

    return category_groups(user)


# --- who may do what on these pages -----------------------------------------------------------


def is_office(user) -> bool:
    scope = scope_of(user)
    return scope.everything or (scope.authenticated and scope.role == "office")


def may_patrol(user) -> bool:
    """Anyone with a reach to patrol gets the phone app's button."""
    return access.reaches_for(user).exists()


# --- the list ---------------------------------------------------------------------------------

FILTER_NAMES = ("person", "reach", "township", "kind", "verdict", "since", "until")


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def filtered(user, params: QueryDict) -> tuple[dict[str, str], QuerySet[Patrol]]:
    """(the form's values, the scoped and filtered patrols) for the list and its export."""
    f = {name: params.get(name, "").strip() for name in FILTER_NAMES}
    if f["kind"] not in Kind.values:
        f["kind"] = ""
    if f["verdict"] not in Verdict.values:
        f["verdict"] = ""
    since, until = _date(f["since"]), _date(f["until"])
    f["since"] = since.isoformat() if since else ""
    f["until"] = until.isoformat() if until else ""
    filters = queries.Filters(
        reach=f["reach"],
        user=f["person"],
        verdict=f["verdict"],
        kind=f["kind"],
        division=f["township"],
        since=since,
        until=until,
    )
    return f, queries.search(queries.patrols_visible_to(user), filters, user)


def decorate(row: Patrol) -> Patrol:
    """The list row's figures as the table shows them."""
    row.verdict_colour = VERDICT_COLOURS.get(row.verdict, "secondary")
    row.minutes = round(row.duration_s / 60)
    row.km = f"{row.distance_m / 1000:.2f}"
    row.coverage_text = "—" if row.coverage is None else f"{100 * row.coverage:.0f} %"
    return row


def filter_options(user) -> dict[str, Any]:
    from riverchief.problems.pages import reach_options, township_options

    people = (
        queries.patrols_visible_to(user)
        .order_by("credited_user__username")
        .values_list("credited_user__username", flat=True)
        .distinct()[:500]
    )
    return {
        "kinds": [(value, str(label)) for value, label in Kind.choices],
        "verdicts": [(value, str(label)) for value, label in Verdict.choices],
        "townships": township_options(user),
        "reaches": reach_options(user),
        "people": list(people),
    }
