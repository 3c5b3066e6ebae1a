"""Which reaches a person may patrol, and under which level and role.

A person patrols the reaches of their active chief assignments (河长, 湖长, 河段长, 巡河员,
保洁员 …), the reaches lying inside the division of an assignment to a whole water body (a
county chief of 涑水河 patrols its reaches in the county), and a patroller account also the
reaches of its own village. A 河长助理 patrols on behalf of a chief of the same reach.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from riverchief.core import divcodes
from riverchief.registry.models import ChiefAssignment, Reach

CHIEF_ROLES = ("总河长", "副总河长", "河长", "湖长", "河段长")
VOLUNTEER_ROLES = ("民间河长",)  # patrol, but no frequency is required of them
PATROLLER_ROLES = ("巡河员", "保洁员", "护河员")
ASSISTANT_ROLES = ("河长助理",)
LEVELS = ("province", "city", "county", "township", "village")


@dataclass(frozen=True)
class Duty:
    """The assignment a patrol is made under: its level and role kind (chief / patroller)."""

    level: str
    role: str  # "chief" | "patroller" | "assistant" | "volunteer"


def role_kind(role: str) -> str:
    if role in PATROLLER_ROLES:
        return "patroller"
    if role in ASSISTANT_ROLES:
        return "assistant"
    if role in VOLUNTEER_ROLES:
        return "volunteer"
    return "chief"


def active_assignments(user):
    today = timezone.localdate()
    return ChiefAssignment.objects.filter(
        Q(end_date__isnull=True) | Q(end_date__gte=today), user_id=user.pk, start_date__lte=today
    ).select_related("division")


def _water_body_q(assignment) -> Q:
    low, high = divcodes.subtree_bounds(assignment.division.code)
    return Q(
        water_body_id=assignment.water_body_id, division__code__gte=low, division__code__lte=high
    )


def reaches_for(user, roles: tuple[str, ...] | None = None):
    """Reaches `user` may patrol (or, with `roles`, holds one of those roles on)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Reach.objects.none()
    condition = Q(pk__in=[])
    for assignment in active_assignments(user):
        if roles is not None and assignment.role not in roles:
            continue
        if assignment.reach_id:
            condition |= Q(pk=assignment.reach_id)
        elif assignment.water_body_id:
            condition |= _water_body_q(assignment)
    if roles is None and user.role == "patroller" and user.division_id:
        condition |= Q(division_id=user.division_id)
    return Reach.objects.filter(condition)


def duty_on(user, reach: Reach, roles: tuple[str, ...] | None = None) -> Duty | None:
    """The assignment under which `user` patrols `reach` (the most local, chiefs first)."""
    best: tuple[int, Duty] | None = None
    for assignment in active_assignments(user):
        if roles is not None and assignment.role not in roles:
            continue
        on_reach = assignment.reach_id == reach.pk
        on_body = (
            not assignment.reach_id
            and assignment.water_body_id == reach.water_body_id
            and _covers(assignment.division.code, reach.division.code)
        )
        if not (on_reach or on_body):
            continue
        duty = Duty(assignment.level, role_kind(assignment.role))
        rank = (0 if on_reach else 10) + (0 if duty.role == "chief" else 1)
        if best is None or rank < best[0]:
            best = (rank, duty)
    if best is not None:
        return best[1]
    if (
        roles is None
        and getattr(user, "role", "") == "patroller"
        and user.division_id == reach.division_id
    ):
        return Duty(reach.level, "patroller")
    return None


def _covers(root: str, code: str) -> bool:
    low, high = divcodes.subtree_bounds(root)
    return low <= code <= high
