"""Problems API: report (JSON or multipart with files), list, detail, move, files, categories.

Handlers parse, call one service or query, and answer a record from `records`. Reports and moves
take either JSON or multipart/form-data (fields plus files), so phones can send photos in the same
request; the OpenAPI document describes both.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pydantic
from django.http import FileResponse, Http404
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Schema, Status
from ninja.errors import ValidationError
from ninja.pagination import LimitOffsetPagination, paginate

from riverchief.core.errors import DomainError
from riverchief.problems import queries, records, services
from riverchief.problems.models import Severity

router = Router(tags=["problems"])

MAX_LIMIT = 500


# --- input --------------------------------------------------------------------------------


class ProblemIn(Schema):
    category: str
    description: str
    lon: float
    lat: float
    severity: str = Severity.ORDINARY.value
    source: str = ""
    address: str = ""
    reach_code: str = ""
    division_code: str = ""  # for system administrators, who have no division of their own
    reporter_name: str = ""
    reporter_phone: str = ""


class TransitionIn(Schema):
    action: str
    expected_version: int | None = None
    note: str = ""
    reason: str = ""
    deadline: str | None = None  # YYYY-MM-DD (end of that day) or an ISO 8601 time
    deadline_days: int | None = None  # working days from today
    until: str | None = None  # request_extension: the deadline asked for
    department_code: str = ""
    assignee_username: str = ""
    duplicate_of: str | None = None  # id or number of the original
    satisfied: bool | None = None
    level: int | None = None
    description: str | None = None  # submit: the rectification, if not given as the note


class ProblemPatch(Schema):
    expected_version: int | None = None
    category: str | None = None
    severity: str | None = None
    source: str | None = None
    description: str | None = None
    address: str | None = None
    reach_code: str | None = None
    note: str = ""


class CategoryPatch(Schema):
    name: str | None = None
    help_text: str | None = None
    default_deadline_days: int | None = None
    default_department_code: str | None = None
    active: bool | None = None
    order: int | None = None


def _body_schema(schema: type[Schema], with_files: bool) -> dict[str, Any]:
    json_schema = schema.model_json_schema()
    content = {"application/json": {"schema": json_schema}}
    if with_files:
        form = json.loads(json.dumps(json_schema))
        form["properties"]["files"] = {
            "type": "array",
            "items": {"type": "string", "format": "binary"},
        }
        content["multipart/form-data"] = {"schema": form}
    return {"requestBody": {"required": True, "content": content}}


def _parse(request, schema: type[Schema]) -> tuple[dict[str, Any], list]:
    """The request's fields (JSON or form) validated by `schema`, and its uploaded files."""
    files: list = []
    if request.content_type == "multipart/form-data":
        raw: Any = {key: value for key, value in request.POST.items() if value != ""}
        files = [f for key in request.FILES for f in request.FILES.getlist(key)]
    else:
        try:
            raw = json.loads(request.body or b"{}")
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise DomainError(_("The body is not valid JSON."), code="invalid_json") from None
        if not isinstance(raw, dict):
            raise DomainError(_("The body must be a JSON object."), code="invalid_json")
    try:
        payload = schema.model_validate(raw)
    except pydantic.ValidationError as error:
        raise ValidationError(
            [dict(e, loc=("body", *e["loc"])) for e in error.errors(include_context=False)]
        ) from None
    return payload.model_dump(exclude_unset=True), files


# --- output -------------------------------------------------------------------------------


class ProblemOut(Schema):
    id: int
    number: str | None
    state: str
    state_label: str
    source: str
    category: str
    category_name: str
    category_group: str
    severity: str
    description: str
    lon: float
    lat: float
    address: str
    reach_code: str | None
    reach_name: str | None
    division_code: str
    division_name: str
    out_of_area: bool
    public: bool
    reporter: str | None
    reporter_name: str
    department_code: str | None
    department_name: str | None
    assignee_username: str | None
    deadline: dt.datetime | None
    deadline_days: int | None
    overdue: bool
    escalation_level: int
    extension_requested_until: dt.datetime | None
    extension_reason: str
    reopen_count: int
    return_count: int
    dissatisfied: bool
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime
    accepted_at: dt.datetime | None
    assigned_at: dt.datetime | None
    submitted_at: dt.datetime | None
    closed_at: dt.datetime | None


class EventOut(Schema):
    id: int
    at: dt.datetime
    actor: str
    actor_name: str
    action: str
    action_label: str
    from_state: str
    to_state: str
    note: str
    data: dict
    attachment_ids: list[int]


class AttachmentOut(Schema):
    id: int
    event_id: int | None
    stage: str
    kind: str
    name: str
    content_type: str
    size: int
    sha256: str
    width: int | None
    height: int | None
    exif_time: dt.datetime | None
    exif_lon: float | None
    exif_lat: float | None
    uploaded_at: dt.datetime
    url: str


class AssignmentOut(Schema):
    department_code: str | None
    assignee_username: str | None
    start: dt.datetime
    end: dt.datetime | None
    deadline: dt.datetime | None


class ProblemDetailOut(ProblemOut):
    tracking_code: str | None
    reach_distance_m: float | None
    reporter_phone: str
    duplicate_of: str | None
    submitted_by: str | None
    assignments: list[AssignmentOut]
    timeline: list[EventOut]
    attachments: list[AttachmentOut]
    allowed_actions: list[str]


class ProblemPage(Schema):
    items: list[ProblemOut]
    count: int


class CategoryOut(Schema):
    code: str
    name: str
    group: str
    help_text: str
    default_deadline_days: int
    default_department_code: str | None
    active: bool
    order: int


# --- routes -------------------------------------------------------------------------------


class ListFilters(Schema):
    state: str = ""  # one state or several, comma-separated
    category: str = ""
    group: str = ""
    severity: str = ""
    source: str = ""
    division: str = ""
    reach: str = ""
    department: str = ""
    overdue: bool | None = None
    out_of_area: bool | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    q: str = ""
    todo: bool = False  # only what I must act on now
    limit: int = 50
    offset: int = 0


@router.get("/problems", response=ProblemPage, summary="Problems in my scope")
def problem_list(request, filters: Query[ListFilters]):
    rows = (
        queries.my_todo(request.user) if filters.todo else queries.problems_visible_to(request.user)
    )
    states = [s.strip() for s in filters.state.split(",") if s.strip()]
    rows = queries.search(
        rows,
        queries.Filters(
            state=states or None,
            category=filters.category,
            group=filters.group,
            severity=filters.severity,
            source=filters.source,
            division=filters.division,
            reach=filters.reach,
            department=filters.department,
            overdue=filters.overdue,
            out_of_area=filters.out_of_area,
            since=filters.since,
            until=filters.until,
            text=filters.q,
        ),
    )
    limit = max(0, min(filters.limit, MAX_LIMIT))
    offset = max(0, filters.offset)
    return {
        "items": [records.summary(row) for row in rows[offset : offset + limit]],
        "count": rows.count(),
    }


@router.post(
    "/problems",
    response={200: ProblemDetailOut, 201: ProblemDetailOut},
    summary="Report a problem (JSON, or multipart with photos, video and documents)",
    description="A retried request with the same `Idempotency-Key` header answers 200 with the "
    "problem the first one created (201).",
    openapi_extra=_body_schema(ProblemIn, with_files=True),
)
def problem_report(request):
    data, files = _parse(request, ProblemIn)
    problem, created = services.report_problem(
        request.user, data, files, idempotency_key=request.headers.get("Idempotency-Key")
    )
    if created:  # answered from what was written, not read back
        return Status(201, records.detail(problem, request.user, written=problem.written))
    return Status(200, _detail(request, problem.pk, reported=True))


def _detail(request, problem_id, reported: bool = False) -> dict[str, Any]:
    problem = queries.detail(request.user, problem_id, reported_by_viewer=reported)
    if problem is None:
        raise Http404
    return records.detail(problem, request.user)


@router.get("/problems/{problem_id}", response=ProblemDetailOut, summary="One problem")
def problem_detail(request, problem_id: str):
    return _detail(request, problem_id)


@router.post(
    "/problems/{problem_id}/transitions",
    response=ProblemDetailOut,
    summary="Move a problem: accept, reject, assign, start, submit, close, return, …",
    description="409 answers the current `state`, `version` and my `allowed_actions`.",
    openapi_extra=_body_schema(TransitionIn, with_files=True),
)
def problem_transition(request, problem_id: str):
    data, files = _parse(request, TransitionIn)
    action = data.pop("action")
    expected = data.pop("expected_version", None)
    moved = services.move(request.user, problem_id, action, expected, files=files, **data)
    return _detail(request, moved.pk)


@router.patch(
    "/problems/{problem_id}",
    response=ProblemDetailOut,
    summary="Correct a problem's category, severity, source, description, address or reach",
    openapi_extra=_body_schema(ProblemPatch, with_files=False),
)
def problem_edit(request, problem_id: str):
    data, _files = _parse(request, ProblemPatch)
    expected = data.pop("expected_version", None)
    moved = services.move(request.user, problem_id, "edit", expected, **data)
    return _detail(request, moved.pk)


@router.get(
    "/problems/{problem_id}/attachments/{attachment_id}",
    summary="Download a problem's photo, video or document",
)
def problem_attachment(request, problem_id: int, attachment_id: int):
    row = queries.attachment(request.user, problem_id, attachment_id)
    if row is None:
        raise Http404
    inline = row.kind in ("image", "video") or row.content_type == "application/pdf"
    return FileResponse(
        row.file.open("rb"),
        content_type=row.content_type,
        as_attachment=not inline,
        filename=row.name,
    )


@router.get(
    "/problem-categories", response=list[CategoryOut], summary="Problem categories and defaults"
)
@paginate(LimitOffsetPagination)
def category_list(request, include_inactive: bool = False):
    rows = queries.categories(request.user, include_inactive=include_inactive)
    return [records.category(row) for row in rows]


@router.patch(
    "/problem-categories/{code}",
    response=CategoryOut,
    summary="Change a category's default deadline, department, name or order (office)",
)
def category_update(request, code: str, payload: CategoryPatch):
    category = services.update_category(request.user, code, payload.dict(exclude_unset=True))
    return records.category(category)
