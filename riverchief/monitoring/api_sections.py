"""Sections' water quality (contract: `/api/v1/sections/{code}/…`), the lab import and alarms.

Every section is found through the caller's scope: one outside it answers 404, as if absent.
"""

import json
import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import LimitOffsetPagination, paginate

from riverchief.core.errors import DomainError, NotFound
from riverchief.core.scoping import scope_of
from riverchief.monitoring import alarms as alarm_rules
from riverchief.monitoring import gb3838, lab_import, pages, queries, sections, thresholds, tracing
from riverchief.monitoring.models import Alarm
from riverchief.registry import mapdata
from riverchief.registry.importing import ImportRefused

router = Router(tags=["water quality"])


# --- records ----------------------------------------------------------------------------------


def _evaluation_out(result) -> dict[str, Any] | None:
    if result is None:
        return None
    return {
        "class": result.grade.label,
        "status": result.status,
        "colour": result.grade.colour,
        "compliant": result.compliant,
        "item_classes": {code: grade.label for code, grade in result.item_grades.items()},
        "main_pollutants": [pollutant.label for pollutant in result.main_pollutants],
        "reference": {code: grade.label for code, grade in result.reference.items()},
        "values": {code: float(value) for code, value in result.values.items()},
        "below_detection": list(result.below_detection),
        "tli": None
        if result.trophic is None
        else {"value": round(result.trophic.value, 2), "grade": result.trophic.grade},
    }


def section_record(section: sections.SectionInfo, latest=None) -> dict[str, Any]:
    facility = section.facility
    return {
        "code": facility.code,
        "name": facility.name,
        "division_code": facility.division.code,
        "water_body_code": facility.water_body.code if facility.water_body_id else None,
        "reach_code": facility.reach.code if facility.reach_id else None,
        "lon": facility.lon,
        "lat": facility.lat,
        "waterbody_type": section.waterbody,
        "target_class": section.target.label if section.target else None,
        "latest_class": latest[0].label if latest else None,
        "latest_colour": latest[0].colour if latest else None,
        "latest_at": latest[1].isoformat() if latest else None,
        "latest_source": latest[2] if latest else None,
    }


def alarm_record(alarm: Alarm) -> dict[str, Any]:
    return {
        "id": alarm.pk,
        "section_code": alarm.section.code,
        "section_name": alarm.section.name,
        "kind": alarm.kind,
        "parameter": alarm.parameter,
        "open": alarm.cleared_at is None,
        "opened_at": alarm.opened_at.isoformat(),
        "last_at": alarm.last_at.isoformat(),
        "cleared_at": alarm.cleared_at.isoformat() if alarm.cleared_at else None,
        "first_value": alarm.first_value,
        "worst_value": alarm.worst_value,
        "last_value": alarm.last_value,
        "values_count": alarm.values_count,
        "limit": alarm.limit,
        "message": alarm.message,
        "problem_id": alarm.problem_id,
    }


def _day(text: str | None, field: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise DomainError(_("Give a date as YYYY-MM-DD."), field=field, code="bad_date") from None


# --- sections ---------------------------------------------------------------------------------


@router.get("/sections", response=list[dict[str, Any]], summary="Monitoring sections in my scope")
@paginate(LimitOffsetPagination)
def section_list(request):
    return [section_record(row.section, row.latest) for row in pages.latest_rows(request.user)]


@router.get(
    "/sections.geojson",
    response={200: dict},
    summary="Sections in my scope with their latest class and its colour, as GeoJSON (WGS84)",
)
def section_features(request, bbox: str = ""):
    box = mapdata.bbox_parameter(bbox)
    prefix = reverse("monitoring:section", args=["CODE"])
    body = pages.sections_geojson(
        pages.latest_rows(request.user, box), lambda code: prefix.replace("CODE", quote(code))
    )
    text = json.dumps(body, ensure_ascii=False)
    return HttpResponse(text, content_type="application/geo+json; charset=utf-8")


@router.get("/sections/{code}", response=dict[str, Any], summary="One section and its latest class")
def section_detail(request, code: str):
    section = sections.get(request.user, code)
    return section_record(section, queries.latest_for(section))


@router.get(
    "/sections/{code}/samples",
    response=list[dict[str, Any]],
    summary="The section's lab samples, evaluated (newest first)",
)
@paginate(LimitOffsetPagination)
def section_samples(request, code: str, start: str | None = None, end: str | None = None):
    section = sections.get(request.user, code)
    low, high = _day(start, "start"), _day(end, "end")
    if (low is None) != (high is None):
        low = low or date(1900, 1, 1)
        high = high or date(2200, 1, 1)
    rows = queries.samples(section, low, high + timedelta(days=1) if high else None)
    return [
        {
            "sampled_at": row.local_time.isoformat(),
            "lab": row.sample.lab,
            "method": row.sample.method,
            "values": {code: value[0] for code, value in row.values.items()},
            "reported": row.raw,
            "evaluation": _evaluation_out(queries.evaluate_row(section, row)),
        }
        for row in reversed(rows)
    ]


@router.get(
    "/sections/{code}/evaluation",
    response=dict[str, Any],
    summary="The section's evaluation for a month, quarter or year (item means)",
)
def section_evaluation(request, code: str, period: str):
    section = sections.get(request.user, code)
    found = queries.period_evaluation(section, queries.parse_period(period))
    return {
        "section": section.code,
        "period": found.period.key,
        "target_class": section.target.label if section.target else None,
        "samples": found.samples,
        "counts": found.counts,
        "evaluation": _evaluation_out(found.evaluation),
        "rules": gb3838.RULES,
    }


@router.get(
    "/sections/{code}/trend",
    response=dict[str, Any],
    summary="Per item: lab values over time and the class bands (default: 12 months back)",
)
def section_trend(request, code: str, start: str | None = None, end: str | None = None):
    section = sections.get(request.user, code)
    high = _day(end, "end") or timezone.localdate()
    low = _day(start, "start") or queries.year_back(high)
    if low > high:
        raise DomainError(_("The start must not be after the end."), field="start")
    return {
        "section": section.code,
        "start": low.isoformat(),
        "end": high.isoformat(),
        "items": queries.trend(section, low, high + timedelta(days=1)),
    }


@router.get(
    "/sections/{code}/alarms",
    response=list[dict[str, Any]],
    summary="The section's alarms, open first",
)
@paginate(LimitOffsetPagination)
def section_alarms(request, code: str):
    section = sections.get(request.user, code)
    rows = Alarm.objects.filter(section=section.facility).select_related("section")
    return [alarm_record(row) for row in rows.order_by("-opened_at")]


@router.get(
    "/sections/{code}/upstream",
    response=dict[str, Any],
    summary="Upstream of the section: reaches, outfalls, intakes, facilities, open problems",
)
def section_upstream(request, code: str, max_km: float = 50.0):
    section = sections.get(request.user, code)
    if not 0 < max_km <= 1000:
        raise DomainError(_("Give max_km between 0 and 1000."), field="max_km")
    return tracing.upstream(request.user, section.facility, max_km * 1000).as_dict()


# --- lab import -------------------------------------------------------------------------------


class ImportOut(Schema):
    written: bool
    rows: int
    created: int
    replaced: int
    unchanged: int
    values: int
    zone_assumed: int
    note: str
    errors: list[dict[str, Any]]


@router.post(
    "/samples/import",
    response={200: ImportOut, 400: ImportOut},
    summary="Import a lab results file (.xlsx or .csv): all or nothing unless partial",
)
def samples_import(
    request,
    file: UploadedFile | None = File(None),  # noqa: B008 - ninja's way to declare a form part
    partial: bool = Form(False),  # noqa: B008
    replace: bool = Form(False),  # noqa: B008
):
    scope_of(request.user).require("monitoring.change")
    if file is None:
        raise DomainError(_("Choose a file to import."), field="file", code="required")
    suffix = Path(file.name or "").suffix.lower()
    if suffix not in lab_import.SUFFIXES:
        raise DomainError(
            _("Upload an .xlsx workbook or a .csv file."), field="file", code="bad_file"
        )
    with tempfile.TemporaryDirectory(prefix="riverchief-samples-") as folder:
        path = Path(folder) / f"upload{suffix}"
        with path.open("wb") as handle:
            for chunk in file.chunks():
                handle.write(chunk)
        try:
            report = lab_import.import_samples(
                request.user, path, partial=partial, replace=replace, file_name=file.name
            )
        except ImportRefused as error:
            raise DomainError(f"{error.zh} / {error.en}", field="file", code="bad_file") from None
    body = {
        "written": report.written,
        "rows": report.rows,
        "created": report.created,
        "replaced": report.replaced,
        "unchanged": report.unchanged,
        "values": report.values,
        "zone_assumed": report.zone_assumed,
        "note": lab_import.zone_note(report.zone_assumed),
        "errors": [
            {"row": e.row, "column": e.column, "message": e.zh, "message_en": e.en}
            for e in report.errors
        ],
    }
    return Status(200 if report.written else 400, body)


# --- alarms -----------------------------------------------------------------------------------


@router.get("/alarms", response=list[dict[str, Any]], summary="Alarms in my scope, newest first")
@paginate(LimitOffsetPagination)
def alarm_list(request, open: bool | None = None):
    rows = Alarm.objects.visible_to(request.user).select_related("section")
    if open is not None:
        rows = rows.filter(cleared_at__isnull=open)
    return [alarm_record(row) for row in rows]


@router.post(
    "/alarms/{alarm_id}/problem",
    response={201: dict[str, Any], 200: dict[str, Any]},
    summary="Open a problem for the alarm, assigned to the county's 生态环境分局",
)
def alarm_problem(request, alarm_id: int):
    alarm = Alarm.objects.visible_to(request.user).select_related("section").filter(pk=alarm_id)
    found = alarm.first()
    if found is None:
        raise NotFound(_("No such alarm, or it lies outside your scope."))
    scope_of(request.user).require("monitoring.change")
    if found.problem_id:
        return Status(200, {"problem_id": found.problem_id, "created": False})
    problem = alarm_rules.open_problem(request.user, found)
    return Status(201, {"problem_id": problem.pk, "number": problem.number, "created": True})


# --- alarm thresholds -------------------------------------------------------------------------


class ThresholdIn(Schema):
    parameter: str
    section_code: str | None = None
    upper: Any = None
    lower: Any = None


@router.get(
    "/alarm-thresholds",
    response=list[dict[str, Any]],
    summary="Configured alarm limits (installation-wide and my sections')",
)
@paginate(LimitOffsetPagination)
def threshold_list(request):
    return [thresholds.record(row) for row in thresholds.visible(request.user)]


@router.post(
    "/alarm-thresholds",
    response={200: dict[str, Any]},
    summary="Set an item's alarm limit at a section (replaces the one there)",
)
def threshold_save(request, payload: ThresholdIn):
    return thresholds.record(thresholds.save(request.user, payload.dict()))
