"""Create and update facilities of every kind, upserted by code."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from riverchief.core import audit
from riverchief.core.errors import Bilingual, Conflict, DomainError, NotFound
from riverchief.geo import shapes
from riverchief.registry import facility_kinds
from riverchief.registry.models import Facility, Reach, WaterBody
from riverchief.registry.services.common import (
    check_may_change,
    division_by_code,
    geometry_error,
    text,
)


def _details(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    """Details come nested (API: {"details": {...}}) or flat (Excel columns, form fields)."""
    spec = facility_kinds.KINDS[kind]
    raw = dict(data.get("details") or {})
    for field in spec.fields:
        if field.name in data and field.name not in raw:
            raw[field.name] = data[field.name]
    try:
        details = facility_kinds.clean_details(kind, raw)
        if kind == "reservoir":
            facility_kinds.check_reservoir_levels(details)
    except facility_kinds.DetailError as error:
        raise DomainError(Bilingual(error.zh, error.en), field=error.field) from error
    return details


@transaction.atomic
def save_facility(actor, data: dict[str, Any], *, must_create: bool = False) -> Facility:
    """Create or update the facility with data["code"]."""
    kind = text(data, "kind", required=True)
    if kind not in facility_kinds.KINDS:
        raise DomainError(
            _("Must be one of: %(values)s."),
            field="kind",
            params={"values": ", ".join(facility_kinds.KINDS)},
        )
    code = text(data, "code", required=True, max_length=40)
    reach = None
    if text(data, "reach_code"):
        reach = (
            Reach.objects.select_related("division", "water_body")
            .filter(code=text(data, "reach_code"))
            .first()
        )
        if reach is None:
            raise NotFound(_("Unknown reach code."), field="reach_code")
    if data.get("division_code") in (None, "") and reach is not None:
        division = reach.division
    else:
        division = division_by_code(data.get("division_code"))
    check_may_change(actor, division.code)
    water_body = reach.water_body if reach is not None else None
    if text(data, "water_body_code"):
        water_body = WaterBody.objects.filter(code=text(data, "water_body_code")).first()
        if water_body is None:
            raise NotFound(_("Unknown water body code."), field="water_body_code")
    if kind == "signboard" and reach is None:
        raise DomainError(_("A signboard belongs to a reach."), field="reach_code", code="required")
    lon = lat = None
    if data.get("lon") not in (None, "") or data.get("lat") not in (None, ""):
        try:
            lon, lat = shapes.check_point(data.get("lon"), data.get("lat"))
        except shapes.GeometryError as error:
            raise geometry_error(error, field="lon") from error
    existing = Facility.objects.select_for_update().filter(code=code).first()
    if existing is not None and must_create:
        raise Conflict(
            _("The code %(code)s is already in use."), field="code", params={"code": code}
        )
    if existing is not None and existing.kind != kind:
        raise Conflict(_("This code belongs to another kind of facility."), field="kind")
    if existing is not None:
        check_may_change(actor, existing.division.code)
    before = audit.snapshot(existing) if existing is not None else None
    facility = existing or Facility(code=code, kind=kind)
    facility.name = text(data, "name", required=True, max_length=80)
    facility.division = division
    facility.reach = reach
    facility.water_body = water_body
    facility.address = text(data, "address", max_length=200)
    facility.details = _details(kind, data)
    facility.is_demo = bool(data.get("is_demo", False))
    facility.lon, facility.lat = lon, lat
    if lon is not None:
        facility.geometry = {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]}
        facility.set_bounds((lon, lat, lon, lat))
    else:
        facility.geometry = None
        facility.set_bounds(None)
    facility.save()
    after = audit.snapshot(facility)
    if before is None:
        audit.record(actor, "create", facility, after=after, division_code=division.code)
    else:
        old, new = audit.changed(before, after)
        if new:
            audit.record(
                actor, "update", facility, before=old, after=new, division_code=division.code
            )
    return facility
