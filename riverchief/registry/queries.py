"""Reads of divisions and departments through the caller's scope."""

from __future__ import annotations

from django.db.models import Count, Max, Min, Q

from riverchief.core import divcodes
from riverchief.registry.models import Department, Division


def divisions_visible_to(viewer):
    return Division.objects.visible_to(viewer).select_related("parent")


def find_division(viewer, code: str) -> Division | None:
    """A visible division by full or short code; None when unknown, invalid or out of scope."""
    try:
        full = divcodes.normalize(code)
    except divcodes.InvalidCode:
        return None
    return divisions_visible_to(viewer).filter(code=full).first()


def search_divisions(rows, text: str = "", level: int | None = None, parent: str = ""):
    if text:
        rows = rows.filter(Q(name__icontains=text) | Q(code__startswith=text.strip()))
    if level:
        rows = rows.filter(level=level)
    if parent:
        try:
            rows = rows.filter(parent__code=divcodes.normalize(parent))
        except divcodes.InvalidCode:
            rows = rows.none()
    return rows


def children_with_counts(division: Division, viewer):
    """The visible children of a division, each with its own number of children (one query)."""
    return list(
        divisions_visible_to(viewer)
        .defer("geometry", "parent__geometry")
        .filter(parent=division)
        .annotate(children_count=Count("children"))
    )


def departments_visible_to(viewer):
    return Department.objects.visible_to(viewer).select_related("division")


# --- water bodies, reaches, facilities, assignments ----------------------------------------


def water_bodies_visible_to(viewer):
    from riverchief.registry.models import WaterBody

    return WaterBody.objects.visible_to(viewer).select_related("division", "parent")


def reaches_visible_to(viewer):
    from riverchief.registry.models import Reach

    return Reach.objects.visible_to(viewer).select_related("division", "water_body")


def facilities_visible_to(viewer, kind: str | None = None):
    from riverchief.registry.models import Facility

    rows = Facility.objects.visible_to(viewer).select_related("division", "water_body", "reach")
    return rows.filter(kind=kind) if kind else rows


def assignments_visible_to(viewer):
    from riverchief.registry.models import ChiefAssignment

    return ChiefAssignment.objects.visible_to(viewer).select_related(
        "division", "reach", "water_body", "user", "contact_department"
    )


def in_division(rows, code: str, path: str = "division__code"):
    """Rows in the subtree of a division given by full or short code (unknown code: none)."""
    try:
        low, high = divcodes.subtree_bounds(divcodes.normalize(code))
    except divcodes.InvalidCode:
        return rows.none()
    return rows.filter(**{f"{path}__gte": low, f"{path}__lte": high})


def outdated_signboards(viewer, today=None, grace_days: int = 15):
    """Signboards not updated within `grace_days` after their reach's chief last changed.

    A signboard must show the current chief (river-chief-system.md §6: update within 15 days).
    """
    from datetime import timedelta

    from django.db.models import Max, OuterRef, Subquery
    from django.utils import timezone

    from riverchief.registry.models import SINGLE_HOLDER_ROLES, ChiefAssignment

    today = today or timezone.localdate()
    latest_change = (
        ChiefAssignment.objects.filter(reach=OuterRef("reach"), role__in=SINGLE_HOLDER_ROLES)
        .values("reach")
        .annotate(latest=Max("start_date"))
        .values("latest")
    )
    rows = facilities_visible_to(viewer, "signboard").annotate(
        chief_changed=Subquery(latest_change)
    )
    outdated = []
    for row in rows.exclude(chief_changed__isnull=True):
        if row.chief_changed + timedelta(days=grace_days) >= today:
            continue
        updated = row.details.get("last_updated")
        if not updated or updated < row.chief_changed.isoformat():
            outdated.append(row)
    return outdated


def scope_bounds(user) -> list[list[float]]:
    """[[south, west], [north, east]] of the user's scope: its outline, else what lies in it."""
    from riverchief.core.scoping import scope_of

    scope = scope_of(user)
    boxes = []
    if scope.division_code:
        boxes.append(divisions_visible_to(user).filter(code=scope.division_code))
        boxes.append(in_division(reaches_visible_to(user), scope.division_code))
        boxes.append(in_division(facilities_visible_to(user), scope.division_code))
    else:
        boxes += [reaches_visible_to(user), facilities_visible_to(user)]
    boxes.append(divisions_visible_to(user))
    for rows in boxes:
        box = rows.aggregate(
            west=Min("min_lon"), south=Min("min_lat"), east=Max("max_lon"), north=Max("max_lat")
        )
        if box["west"] is not None:
            return [[box["south"], box["west"]], [box["north"], box["east"]]]
    return [[18.0, 73.0], [54.0, 135.0]]  # nothing drawn yet: China
