"""Registry rows as flat records keyed by code: the one shape shared by the API, the Excel
workbook and the services' input, so export → import gives back the same registry."""

from __future__ import annotations

from typing import Any

from riverchief.core import divcodes
from riverchief.registry import facility_kinds
from riverchief.registry.models import ChiefAssignment, Department, Facility, Reach, WaterBody


def short(code: str | None) -> str | None:
    return divcodes.short(code) if code else None


def water_body(row: WaterBody) -> dict[str, Any]:
    return {
        "code": row.code,
        "name": row.name,
        "kind": row.kind,
        "parent_code": row.parent.code if row.parent_id else "",
        "basin": row.basin,
        "management_level": row.management_level,
        "division_code": short(row.division.code),
        "length_m": row.length_m,
        "area_km2": row.area_km2,
        "description": row.description,
        "is_demo": row.is_demo,
        "geometry": row.geometry,
    }


def reach(row: Reach) -> dict[str, Any]:
    return {
        "code": row.code,
        "name": row.name,
        "water_body_code": row.water_body.code,
        "division_code": short(row.division.code),
        "level": row.level,
        "start_description": row.start_description,
        "end_description": row.end_description,
        "length_m": row.length_m,
        "start_chainage_m": row.start_chainage_m,
        "is_dry": row.is_dry,
        "is_demo": row.is_demo,
        "geometry": row.geometry,
    }


def facility(row: Facility) -> dict[str, Any]:
    record: dict[str, Any] = {
        "kind": row.kind,
        "code": row.code,
        "name": row.name,
        "division_code": short(row.division.code),
        "water_body_code": row.water_body.code if row.water_body_id else "",
        "reach_code": row.reach.code if row.reach_id else "",
        "lon": row.lon,
        "lat": row.lat,
        "address": row.address,
        "is_demo": row.is_demo,
    }
    kind = facility_kinds.KINDS[row.kind]
    record["details"] = {field.name: row.details.get(field.name) for field in kind.fields}
    return record


def department(row: Department) -> dict[str, Any]:
    return {
        "code": row.code,
        "name": row.name,
        "short_name": row.short_name,
        "division_code": short(row.division.code),
        "duties": row.duties,
        "liaison_name": row.liaison_name,
        "liaison_phone": row.liaison_phone,
        "is_demo": row.is_demo,
    }


def assignment(row: ChiefAssignment) -> dict[str, Any]:
    return {
        "id": row.id,
        "code": f"A{row.id}",
        "person_name": row.person_name,
        "person_phone": row.person_phone,
        "position": row.position,
        "username": row.user.username if row.user_id else "",
        "role": row.role,
        "level": row.level,
        "reach_code": row.reach.code if row.reach_id else "",
        "water_body_code": row.water_body.code if row.water_body_id else "",
        "division_code": short(row.division.code),
        "contact_department_code": row.contact_department.code if row.contact_department_id else "",
        "start_date": row.start_date,
        "end_date": row.end_date,
        "active": row.end_date is None,
        "is_demo": row.is_demo,
    }
