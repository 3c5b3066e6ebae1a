"""Patrols API: photos and patrols from the phone (JSON, or multipart with a GPX/GeoJSON/KML
track file), list, detail, photos, approval of 视同巡河, my reaches, compliance, rules.

A retried upload with the same client id answers 200 with what the first one stored (201).
"""

import datetime as dt
import json
from typing import Any

from django.http import FileResponse, Http404, HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Schema, Status

from riverchief.core.errors import DomainError
from riverchief.patrols import compliance, photos, queries, rules, services
from riverchief.patrols.models import FrequencyRule, ValidityRule

router = Router(tags=["patrols"])

MAX_LIMIT = 500
JSON_FIELDS = ("points", "pauses", "records", "problems", "photo_ids")


class PhotoOut(Schema):
    client_id: str
    id: int
    taken_at: dt.datetime | None
    lon: float | None
    lat: float | None


class PatrolIn(Schema):
    client_id: str
    reach_code: str
    kind: str = "normal"
    on_behalf_of: str = ""
    started_at: str
    ended_at: str
    points: list[list[Any]] = []
    pauses: list[list[int]] = []
    records: list[dict] = []
    problems: list[dict] = []
    photo_ids: list[str] = []  # evidence of a 视同巡河
    note: str = ""


class ProblemLinkOut(Schema):
    client_id: str
    id: int
    ref: str


class PatrolOut(Schema):
    id: int
    client_id: str
    kind: str
    kind_label: str
    user: str
    user_name: str
    on_behalf_of: str | None
    reach_code: str
    reach_name: str
    river_name: str
    division_code: str
    division_name: str
    level: str
    role: str
    started_at: dt.datetime
    ended_at: dt.datetime
    duration_s: float
    distance_m: float
    coverage: float | None
    median_speed_kmh: float
    max_speed_kmh: float
    point_count: int
    verdict: str
    verdict_label: str
    credited: bool
    approval: str
    problem_count: int
    reasons: list[dict]
    created_at: dt.datetime


class PatrolCreatedOut(PatrolOut):
    metrics: dict
    flags: list[dict]
    problems: list[ProblemLinkOut]


class PatrolDetailOut(PatrolCreatedOut):
    note: str
    pauses: list[list[int]]
    points: list[list[Any]]
    reach_geometry: dict | None
    source_file: str
    approved_by: str | None
    approved_at: dt.datetime | None
    approval_note: str
    records: list[dict]
    photos: list[dict]


class PatrolPage(Schema):
    items: list[PatrolOut]
    count: int


class ReachOut(Schema):
    code: str
    name: str
    river_name: str
    division_code: str
    division_name: str
    level: str
    length_m: float | None
    geometry: dict | None


class ApprovalIn(Schema):
    approve: bool
    note: str = ""


class ValidityRulePatch(Schema):
    min_minutes: float | None = None
    min_distance_m: float | None = None
    min_coverage: float | None = None
    short_reach_m: float | None = None
    max_median_kmh: float | None = None
    speed_verdict: str | None = None
    coverage_m: float | None = None
    min_on_reach: float | None = None
    max_gap_share: float | None = None


class FrequencyRulePatch(Schema):
    period: str | None = None
    times: int | None = None
    active_months: list[int] | None = None


def _photo_body(photo) -> dict[str, Any]:
    return {
        "client_id": str(photo.client_id),
        "id": photo.pk,
        "taken_at": photo.exif_time,
        "lon": photo.exif_lon,
        "lat": photo.exif_lat,
    }


@router.post(
    "/patrols/photos",
    response={200: PhotoOut, 201: PhotoOut},
    summary="Upload a patrol photo (JPEG, PNG or WebP, at most 10 MB) before its patrol",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["client_id", "file"],
                        "properties": {
                            "client_id": {"type": "string", "format": "uuid"},
                            "file": {"type": "string", "format": "binary"},
                        },
                    }
                }
            },
        }
    },
)
def photo_upload(request):
    # Parsed here, not by ninja, so that the role is checked before the body is judged.
    photos.require_patroller(request.user)
    photo, created = photos.upload_photo(
        request.user, request.FILES.get("file"), request.POST.get("client_id")
    )
    return Status(201 if created else 200, _photo_body(photo))


def _form_data(request) -> tuple[dict[str, Any], Any]:
    data: dict[str, Any] = {key: value for key, value in request.POST.items() if value != ""}
    for name in JSON_FIELDS:
        if isinstance(data.get(name), str):
            try:
                data[name] = json.loads(data[name])
            except json.JSONDecodeError:
                raise DomainError(_("The body is not valid JSON."), field=name) from None
    return data, request.FILES.get("track")


def _body(request) -> tuple[dict[str, Any], Any]:
    if request.content_type == "multipart/form-data":
        return _form_data(request)
    try:
        data = json.loads(request.body or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise DomainError(_("The body is not valid JSON."), code="invalid_json") from None
    if not isinstance(data, dict):
        raise DomainError(_("The body must be a JSON object."), code="invalid_json")
    return data, None


@router.post(
    "/patrols",
    response={200: PatrolCreatedOut, 201: PatrolCreatedOut},
    summary="Record a patrol (JSON points, or multipart with a GPX, GeoJSON or KML track file)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": PatrolIn.model_json_schema()},
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            **{
                                name: {"type": "string"}
                                for name in PatrolIn.model_json_schema()["properties"]
                            },
                            "track": {"type": "string", "format": "binary"},
                        },
                    }
                },
            },
        }
    },
)
def patrol_record(request):
    data, track_file = _body(request)
    patrol, created = services.record_patrol(request.user, data, track_file)
    return Status(201 if created else 200, queries.full(queries.detail(request.user, patrol.pk)))


class ListFilters(Schema):
    reach: str = ""
    user: str = ""
    verdict: str = ""
    kind: str = ""
    division: str = ""
    since: dt.date | None = None
    until: dt.date | None = None
    mine: bool = False
    limit: int = 50
    offset: int = 0


@router.get("/patrols", response=PatrolPage, summary="Patrols in my scope (mine and subordinates')")
def patrol_list(request, filters: Query[ListFilters]):
    rows = queries.search(
        queries.patrols_visible_to(request.user),
        queries.Filters(
            reach=filters.reach,
            user=filters.user,
            verdict=filters.verdict,
            kind=filters.kind,
            division=filters.division,
            since=filters.since,
            until=filters.until,
            mine=filters.mine,
        ),
        request.user,
    )
    limit = max(0, min(filters.limit, MAX_LIMIT))
    offset = max(0, filters.offset)
    return {
        "items": [queries.summary(row) for row in rows[offset : offset + limit]],
        "count": rows.count(),
    }


@router.get("/patrols/my-reaches", response=list[ReachOut], summary="Reaches I may patrol")
def my_reaches(request):
    return queries.my_reaches(request.user)


@router.get("/patrols/compliance", summary="Patrol frequency compliance for a month")
def compliance_report(
    request,
    period: str,
    township: str = "",
    level: str = "",
    status: str = "",
    limit: int = 100,
    offset: int = 0,
):
    return compliance.report(
        request.user,
        period,
        township=township,
        level=level,
        status=status,
        limit=max(0, min(limit, 5000)),
        offset=max(0, offset),
    )


@router.get("/patrols/compliance/export", summary="Patrol compliance for a month as Excel")
def compliance_export(request, period: str):
    content, filename = compliance.workbook(request.user, period)
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@router.get("/patrols/rules", summary="Validity and frequency rules")
def rule_list(request):
    return {
        "validity": [
            {"id": r.pk, "level": r.level, "role": r.role, "settings": r.settings}
            for r in ValidityRule.objects.visible_to(request.user)
        ],
        "frequency": [
            {
                "id": r.pk,
                "level": r.level,
                "role": r.role,
                "period": r.period,
                "times": r.times,
                "active_months": r.active_months,
            }
            for r in FrequencyRule.objects.visible_to(request.user)
        ],
    }


@router.patch("/patrols/rules/validity/{rule_id}", summary="Change a validity rule (office)")
def validity_rule_update(request, rule_id: int, payload: ValidityRulePatch):
    row = rules.update_validity_rule(request.user, rule_id, payload.dict(exclude_none=True))
    return {"id": row.pk, "level": row.level, "role": row.role, "settings": row.settings}


@router.patch("/patrols/rules/frequency/{rule_id}", summary="Change a frequency rule (office)")
def frequency_rule_update(request, rule_id: int, payload: FrequencyRulePatch):
    row = rules.update_frequency_rule(request.user, rule_id, payload.dict(exclude_none=True))
    return {
        "id": row.pk,
        "level": row.level,
        "role": row.role,
        "period": row.period,
        "times": row.times,
        "active_months": row.active_months,
    }


@router.get("/patrols/{patrol_id}", response=PatrolDetailOut, summary="One patrol")
def patrol_detail(request, patrol_id: int):
    patrol = queries.detail(request.user, patrol_id)
    if patrol is None:
        raise Http404
    return queries.full(patrol)


@router.post(
    "/patrols/{patrol_id}/approval",
    response=PatrolDetailOut,
    summary="Approve or refuse a 视同巡河 (office)",
)
def patrol_approval(request, patrol_id: int, payload: ApprovalIn):
    services.decide_equivalence(request.user, patrol_id, payload.approve, payload.note)
    return queries.full(queries.detail(request.user, patrol_id))


@router.get(
    "/patrols/{patrol_id}/photos/{photo_id}",
    summary="A patrol's photo",
    url_name="patrol_photo",
)
def patrol_photo(request, patrol_id: int, photo_id: int):
    row = queries.photo(request.user, patrol_id, photo_id)
    if row is None:
        raise Http404
    return FileResponse(row.file.open("rb"), content_type=row.content_type)
