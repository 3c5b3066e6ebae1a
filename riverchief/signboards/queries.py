"""Boards and their state, read through the viewer's scope."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Max, Q
from django.utils import timezone

from riverchief.core import divcodes
from riverchief.core.scoping import scope_of
from riverchief.registry import queries as registry_queries
from riverchief.registry.models import SINGLE_HOLDER_ROLES, ChiefAssignment, Reach
from riverchief.signboards import content
from riverchief.signboards.models import SignboardPrint

CURRENT, OUTDATED, UNRECORDED = "current", "outdated", "unrecorded"


def update_days() -> int:
    """Days the office has to replace a board after a chief change (§6: 15 days)."""
    return int(getattr(settings, "RIVERCHIEF_SIGNBOARD_UPDATE_DAYS", 15))


def may_view(user) -> bool:
    return scope_of(user).can("signboards.view")


def reaches_visible_to(user):
    return registry_queries.reaches_visible_to(user).select_related("division", "water_body")


def find_reach(user, code: str) -> Reach | None:
    return reaches_visible_to(user).filter(code=code).first()


def township_reaches(user, code: str) -> list[Reach]:
    """The reaches with a signboard in the township's subtree (else all its reaches)."""
    rows = registry_queries.in_division(reaches_visible_to(user), code)
    with_boards = rows.filter(facilities__kind="signboard").distinct()
    return list(with_boards if with_boards.exists() else rows)


def last_chief_change(reach: Reach) -> date | None:
    """The latest start or end of a chief (河长/湖长) of this reach or of the reaches above it."""
    above = divcodes.ancestors(reach.division.code) + [reach.division.code]
    rows = ChiefAssignment.objects.filter(role__in=SINGLE_HOLDER_ROLES).filter(
        Q(reach__water_body_id=reach.water_body_id, reach__division__code__in=above)
        | Q(reach__isnull=True, water_body_id=reach.water_body_id, division__code__in=above)
    )
    found = rows.aggregate(started=Max("start_date"), ended=Max("end_date"))
    dates = [d for d in (found["started"], found["ended"]) if d is not None]
    return max(dates) if dates else None


@dataclass
class BoardState:
    facility: object  # registry Facility (kind signboard)
    reach: Reach
    status: str
    current_hash: str
    printed_hash: str | None
    printed_on: date | None
    chief_changed: date | None
    due: date | None  # when the replacement is due (chief change + update days)

    @property
    def overdue(self) -> bool:
        return self.status == OUTDATED and self.due is not None and self.due < timezone.localdate()


def _registry_date(facility) -> date | None:
    text = str((facility.details or {}).get("last_updated") or "")
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def board_states(user, township: str = "") -> list[BoardState]:
    """Every signboard the user sees, compared with what its reach's board should say now.

    A board recorded as put up (SignboardPrint) is current when its content version equals
    today's; one never recorded here falls back to the registry's "last updated" date against
    the latest chief change."""
    boards = registry_queries.facilities_visible_to(user, "signboard").filter(reach__isnull=False)
    if township:
        boards = registry_queries.in_division(boards, township)
    boards = boards.select_related("reach__division", "reach__water_body")
    latest: dict[int, SignboardPrint] = {}
    reach_ids = {board.reach_id for board in boards}
    for row in SignboardPrint.objects.filter(reach_id__in=reach_ids).order_by(
        "reach_id", "printed_on", "id"
    ):
        latest[row.reach_id] = row
    days = timedelta(days=update_days())
    states, cache = [], {}
    for board in boards:
        reach = board.reach
        if reach.pk not in cache:
            cache[reach.pk] = (
                content.board_for(reach, "").content_hash(),
                last_chief_change(reach),
            )
        current_hash, changed = cache[reach.pk]
        printed = latest.get(reach.pk)
        if printed is not None:
            status = CURRENT if printed.content_hash == current_hash else OUTDATED
            printed_on, printed_hash = printed.printed_on, printed.content_hash
        else:
            printed_on, printed_hash = _registry_date(board), None
            if printed_on is None:
                status = UNRECORDED
            else:
                status = OUTDATED if changed and printed_on < changed else CURRENT
        due = changed + days if status == OUTDATED and changed else None
        states.append(
            BoardState(board, reach, status, current_hash, printed_hash, printed_on, changed, due)
        )
    order = {OUTDATED: 0, UNRECORDED: 1, CURRENT: 2}
    return sorted(states, key=lambda s: (order[s.status], s.due or date.max, s.facility.code))


def townships_visible_to(user):
    """Townships (乡镇) for the batch form."""
    return registry_queries.divisions_visible_to(user).filter(level=divcodes.Level.TOWNSHIP)
