"""Export the registry (all of it, or what a user sees) as the workbook that imports back."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from django.db.models import Max, TextField
from django.db.models.functions import Cast, Length

from riverchief.registry import records, workbook
from riverchief.registry.models import (
    ChiefAssignment,
    Department,
    Division,
    Facility,
    Reach,
    WaterBody,
)

CHUNK = 2000


def _rows(model, viewer, *related: str):
    rows = model.objects.all() if viewer is None else model.objects.visible_to(viewer)
    return rows.select_related(*related)


def querysets(viewer=None) -> dict[str, Any]:
    """The rows of each sheet: everything (viewer None, the CLI) or what the viewer sees."""
    result: dict[str, Any] = {
        "divisions": _rows(Division, viewer).order_by("code"),
        "departments": _rows(Department, viewer, "division").order_by("code"),
        "waterbodies": _rows(WaterBody, viewer, "division", "parent").order_by("code"),
        "reaches": _rows(Reach, viewer, "division", "water_body").order_by("code"),
        "assignments": _rows(
            ChiefAssignment, viewer, "division", "reach", "water_body", "user", "contact_department"
        ).order_by("id"),
    }
    for sheet in workbook.FACILITIES:
        result[sheet.key] = (
            _rows(Facility, viewer, "division", "water_body", "reach")
            .filter(kind=sheet.facility_kind)
            .order_by("code")
        )
    return result


def _division_record(row: Division) -> dict[str, Any]:
    return {"code": row.code, "name": row.name, "is_demo": row.is_demo, "geometry": row.geometry}


def _facility_record(row: Facility) -> dict[str, Any]:
    record = records.facility(row)
    record.update(record.pop("details"))
    return record


RECORD = {
    "divisions": _division_record,
    "departments": records.department,
    "waterbodies": records.water_body,
    "reaches": records.reach,
    "assignments": records.assignment,
}


def record_of(key: str, row) -> dict[str, Any]:
    return RECORD.get(key, _facility_record)(row)


def records_of(key: str, queryset) -> Iterator[dict[str, Any]]:
    for row in queryset.iterator(chunk_size=CHUNK):
        yield record_of(key, row)


def geometry_columns(queryset) -> int:
    """How many cells the longest geometry needs (an upper bound: the database's JSON text
    may have spaces the workbook's has not)."""
    longest = queryset.aggregate(longest=Max(Length(Cast("geometry", output_field=TextField()))))[
        "longest"
    ]
    return max(1, math.ceil((longest or 0) / workbook.CELL_LIMIT))


def export_workbook(
    target, viewer=None, *, template: bool = False, progress=None
) -> dict[str, int]:
    """Write the workbook to a path or file object; returns rows written per sheet."""
    writer = workbook.Writer(instructions=template)
    sets = querysets(viewer)
    counts = {}
    for sheet in workbook.SHEETS:
        queryset = sets[sheet.key]
        if template:
            counts[sheet.key] = writer.sheet(sheet, [])
            continue
        columns = geometry_columns(queryset) if sheet.column("geometry") is not None else 1
        rows = records_of(sheet.key, queryset)
        if progress is not None:
            rows = progress(rows, sheet.zh)
        counts[sheet.key] = writer.sheet(sheet, rows, geometry_columns=columns)
    writer.save(target)
    return counts
