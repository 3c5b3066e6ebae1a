"""Changes to divisions and departments, each audited in its transaction."""

from __future__ import annotations

import json
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from riverchief.core import audit, divcodes
from riverchief.core.errors import Bilingual, DomainError
from riverchief.geo import shapes
from riverchief.geo.projection import to_metric, utm_zone
from riverchief.registry.models import Department, Division
from riverchief.registry.services.common import check_may_change, geometry_error

OUTLINE_TYPES = ("Polygon", "MultiPolygon")
# An outline must lie inside its parent's, allowing for digitising differences.
OUTLINE_TOLERANCE_M = 200.0
OUTLINE_MIN_SHARE = 0.9


@transaction.atomic
def upsert_division(actor, *, code: str, name: str, is_demo: bool = False) -> Division:
    """Create or rename a division; its level and parent follow from the code."""
    try:
        full = divcodes.normalize(code)
    except divcodes.InvalidCode as error:
        raise DomainError(_("Invalid division code."), field="code") from error
    name = (name or "").strip()
    if not name:
        raise DomainError(_("A name is required."), field="name")
    check_may_change(actor, full)
    parent_code = divcodes.parent(full)
    parent = None
    if parent_code is not None:
        parent = Division.objects.filter(code=parent_code).first()
        if parent is None:
            raise DomainError(
                _("The parent division %(code)s does not exist."),
                field="code",
                params={"code": divcodes.short(parent_code)},
            )
    existing = Division.objects.select_for_update().filter(code=full).first()
    if existing is None:
        division = Division.objects.create(
            code=full, name=name, level=divcodes.level_of(full), parent=parent, is_demo=is_demo
        )
        audit.record(actor, "create", division, after=audit.snapshot(division), division_code=full)
        return division
    before = audit.snapshot(existing)
    existing.name, existing.is_demo = name, is_demo
    existing.save(update_fields=["name", "is_demo"])
    old, new = audit.changed(before, audit.snapshot(existing))
    if new:
        audit.record(actor, "update", existing, before=old, after=new, division_code=full)
    return existing


@transaction.atomic
def upsert_department(
    actor,
    *,
    code: str,
    name: str,
    division: Division,
    short_name: str = "",
    duties: str = "",
    liaison_name: str = "",
    liaison_phone: str = "",
    is_demo: bool = False,
) -> Department:
    code = (code or "").strip()
    if not code:
        raise DomainError(_("A code is required."), field="code")
    if not (name or "").strip():
        raise DomainError(_("A name is required."), field="name")
    check_may_change(actor, division.code)
    department, created = Department.objects.select_for_update().get_or_create(
        code=code,
        defaults={
            "name": name,
            "short_name": short_name,
            "division": division,
            "duties": duties,
            "liaison_name": liaison_name,
            "liaison_phone": liaison_phone,
            "is_demo": is_demo,
        },
    )
    if created:
        audit.record(
            actor,
            "create",
            department,
            after=audit.snapshot(department),
            division_code=division.code,
        )
        return department
    before = audit.snapshot(department)
    department.name, department.short_name, department.division = name, short_name, division
    department.duties, department.is_demo = duties, is_demo
    department.liaison_name, department.liaison_phone = liaison_name, liaison_phone
    department.save()
    old, new = audit.changed(before, audit.snapshot(department))
    if new:
        audit.record(
            actor, "update", department, before=old, after=new, division_code=division.code
        )
    return department


@transaction.atomic
def set_division_outline(actor, division: Division, geojson: Any, *, message: str = "") -> Division:
    """Set (or clear, with None) a division's outline: a GeoJSON Polygon or MultiPolygon in WGS84
    lon/lat, mostly inside its parent's outline when the parent has one. Audited as its own
    action, "set_outline", since an outline is a large value seldom wanted among renames."""
    check_may_change(actor, division.code)
    division = (
        Division.objects.select_for_update(of=("self",))
        .select_related("parent")
        .get(pk=division.pk)
    )
    geometry = None
    if geojson:
        try:
            geometry = shapes.parse(geojson, OUTLINE_TYPES)
        except shapes.GeometryError as error:
            raise geometry_error(error) from error
        parent = division.parent
        if parent is not None and parent.geometry:
            share = _area_share_within(geometry, shapes.parse(parent.geometry, OUTLINE_TYPES))
            if share < OUTLINE_MIN_SHARE:
                raise DomainError(
                    Bilingual(
                        f"轮廓只有{round(share * 100)}%位于{parent.name}境内",
                        f"only {round(share * 100)}% of the outline lies inside {parent.name}",
                    ),
                    field="geometry",
                    code="outside_division",
                )
    before = {"geometry": division.geometry}
    # Through JSON, as the database gives it back, so an unchanged outline compares equal.
    division.geometry = (
        json.loads(json.dumps(shapes.to_geojson(geometry))) if geometry is not None else None
    )
    division.set_bounds(shapes.bounds(geometry) if geometry is not None else None)
    division.save(update_fields=["geometry", "min_lon", "min_lat", "max_lon", "max_lat"])
    if before["geometry"] != division.geometry:
        audit.record(
            actor,
            "set_outline",
            division,
            before=before,
            after={"geometry": division.geometry},
            message=message,
            division_code=division.code,
        )
    return division


def _area_share_within(inner, outer) -> float:
    """Share (0–1) of `inner`'s area within OUTLINE_TOLERANCE_M of `outer`."""
    zone = utm_zone(outer.centroid.x)
    inner_m, outer_m = to_metric(inner, zone), to_metric(outer, zone)
    if inner_m.area == 0:
        return 1.0
    return float(inner_m.intersection(outer_m.buffer(OUTLINE_TOLERANCE_M)).area / inner_m.area)
