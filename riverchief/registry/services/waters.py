"""Create and update water bodies and reaches, upserted by their stable code."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from riverchief.core import audit, divcodes
from riverchief.core.errors import Conflict, DomainError, NotFound
from riverchief.geo import shapes
from riverchief.registry.models import (
    ChiefLevel,
    ManagementLevel,
    Reach,
    WaterBody,
    WaterBodyKind,
)
from riverchief.registry.services.common import (
    check_may_change,
    division_by_code,
    geometry_error,
    optional_number,
    text,
)

LINE_TYPES = ("LineString", "MultiLineString")
AREA_TYPES = ("Polygon", "MultiPolygon")
# A reach must lie inside its division's outline, allowing for digitising differences.
OUTLINE_TOLERANCE_M = 200.0
OUTLINE_MIN_SHARE = 0.9

LEVEL_OF_DIVISION = {
    divcodes.Level.PROVINCE: ChiefLevel.PROVINCE,
    divcodes.Level.CITY: ChiefLevel.CITY,
    divcodes.Level.COUNTY: ChiefLevel.COUNTY,
    divcodes.Level.TOWNSHIP: ChiefLevel.TOWNSHIP,
    divcodes.Level.VILLAGE: ChiefLevel.VILLAGE,
}


def _choice(data: dict[str, Any], field: str, choices, *, required: bool) -> str:
    value = text(data, field, required=required)
    if value and value not in choices.values:
        raise DomainError(
            _("Must be one of: %(values)s."),
            field=field,
            params={"values": ", ".join(choices.values)},
        )
    return value


def _existing(model, code: str, must_create: bool):
    row = model.objects.select_for_update().filter(code=code).first()
    if row is not None and must_create:
        raise Conflict(
            _("The code %(code)s is already in use."), field="code", params={"code": code}
        )
    return row


@transaction.atomic
def save_water_body(actor, data: dict[str, Any], *, must_create: bool = False) -> WaterBody:
    """Create or update the water body with data["code"]."""
    code = text(data, "code", required=True, max_length=40)
    kind = _choice(data, "kind", WaterBodyKind, required=True)
    division = division_by_code(data.get("division_code"))
    check_may_change(actor, division.code)
    parent = None
    parent_code = text(data, "parent_code", max_length=40)
    if parent_code:
        if parent_code == code:
            raise DomainError(_("A water body cannot flow into itself."), field="parent_code")
        parent = WaterBody.objects.filter(code=parent_code).first()
        if parent is None:
            raise NotFound(_("Unknown water body code."), field="parent_code")
        ancestor = parent
        while ancestor is not None:  # no cycles in the tributary tree
            if ancestor.code == code:
                raise DomainError(_("This would make a loop of tributaries."), field="parent_code")
            ancestor = ancestor.parent
    values: dict[str, Any] = {
        "name": text(data, "name", required=True, max_length=80),
        "kind": kind,
        "parent": parent,
        "division": division,
        "basin": text(data, "basin", max_length=120),
        "management_level": _choice(data, "management_level", ManagementLevel, required=False),
        "length_m": optional_number(data, "length_m"),
        "area_km2": optional_number(data, "area_km2"),
        "description": text(data, "description", max_length=5000),
        "is_demo": bool(data.get("is_demo", False)),
    }
    geometry = None
    if data.get("geometry"):
        allowed = LINE_TYPES if kind in ("river", "canal") else LINE_TYPES + AREA_TYPES
        try:
            geometry = shapes.parse(data["geometry"], allowed)
        except shapes.GeometryError as error:
            raise geometry_error(error) from error
        if values["length_m"] is None and geometry.geom_type in LINE_TYPES:
            values["length_m"] = round(shapes.length_m(geometry), 1)
        if values["area_km2"] is None and geometry.geom_type in AREA_TYPES:
            values["area_km2"] = round(shapes.area_km2(geometry), 4)
    return _save(actor, WaterBody, code, values, geometry, must_create, division.code)


@transaction.atomic
def save_reach(actor, data: dict[str, Any], *, must_create: bool = False) -> Reach:
    """Create or update the reach with data["code"]; its length comes from its geometry."""
    code = text(data, "code", required=True, max_length=40)
    division = division_by_code(data.get("division_code"))
    check_may_change(actor, division.code)
    water_body = WaterBody.objects.filter(code=text(data, "water_body_code", required=True)).first()
    if water_body is None:
        raise NotFound(_("Unknown water body code."), field="water_body_code")
    level = (
        _choice(data, "level", ChiefLevel, required=False)
        or LEVEL_OF_DIVISION[divcodes.Level(division.level)]
    )
    if level != LEVEL_OF_DIVISION[divcodes.Level(division.level)]:
        raise DomainError(
            _("A reach of this level must lie in a division of the same level (%(level)s)."),
            field="level",
            params={"level": ChiefLevel(level).label},
        )
    values: dict[str, Any] = {
        "name": text(data, "name", required=True, max_length=80),
        "water_body": water_body,
        "division": division,
        "level": level,
        "start_description": text(data, "start_description", max_length=120),
        "end_description": text(data, "end_description", max_length=120),
        "start_chainage_m": optional_number(data, "start_chainage_m"),
        "is_dry": bool(data.get("is_dry", False)),
        "is_demo": bool(data.get("is_demo", False)),
        "length_m": optional_number(data, "length_m"),
    }
    geometry = None
    if data.get("geometry"):
        try:
            geometry = shapes.parse(data["geometry"], LINE_TYPES)
        except shapes.GeometryError as error:
            raise geometry_error(error) from error
        values["length_m"] = round(shapes.length_m(geometry), 1)
        _check_inside_division(geometry, division)
    return _save(actor, Reach, code, values, geometry, must_create, division.code)


def _check_inside_division(geometry, division) -> None:
    if not division.geometry:
        return
    outline = shapes.parse(division.geometry, AREA_TYPES)
    share = shapes.share_within(geometry, outline, OUTLINE_TOLERANCE_M)
    if share < OUTLINE_MIN_SHARE:
        raise DomainError(
            _("Only %(share)d%% of the reach lies inside %(division)s."),
            field="geometry",
            params={"share": round(share * 100), "division": division.name},
            code="outside_division",
        )


def _save(
    actor, model, code: str, values: dict[str, Any], geometry, must_create: bool, division_code
):
    row = _existing(model, code, must_create)
    if row is not None:
        check_may_change(actor, row.division.code)  # no moving a row out of someone else's scope
    before = audit.snapshot(row) if row is not None else None
    if row is None:
        row = model(code=code)
    for name, value in values.items():
        setattr(row, name, value)
    if geometry is not None:
        row.geometry = shapes.to_geojson(geometry)
        row.set_bounds(shapes.bounds(geometry))
    row.save()
    if geometry is not None and model is Reach:
        from riverchief.registry import routing

        routing.bump_version()
    after = audit.snapshot(row)
    if before is None:
        audit.record(actor, "create", row, after=after, division_code=division_code)
    else:
        old, new = audit.changed(before, after)
        if new:
            audit.record(actor, "update", row, before=old, after=new, division_code=division_code)
    return row
