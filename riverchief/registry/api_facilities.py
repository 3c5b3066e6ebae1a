"""Facilities of every kind and chief assignments."""

from datetime import date
from typing import Any

from django.http import Http404
from ninja import Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from riverchief.registry import facility_kinds, queries, records, services

router = Router(tags=["registry"])


class FacilityOut(Schema):
    kind: str
    code: str
    name: str
    division_code: str
    water_body_code: str
    reach_code: str
    lon: float | None
    lat: float | None
    address: str
    is_demo: bool
    details: dict[str, Any]


class FacilityIn(Schema):
    kind: str
    code: str
    name: str
    division_code: str = ""
    water_body_code: str = ""
    reach_code: str = ""
    lon: float | None = None
    lat: float | None = None
    address: str = ""
    details: dict[str, Any] = {}


class FacilityPatch(Schema):
    name: str | None = None
    division_code: str | None = None
    water_body_code: str | None = None
    reach_code: str | None = None
    lon: float | None = None
    lat: float | None = None
    address: str | None = None
    details: dict[str, Any] | None = None


class KindField(Schema):
    name: str
    zh: str
    en: str
    type: str
    unit: str
    required: bool
    choices: list[list[str]]


class KindOut(Schema):
    code: str
    zh: str
    en: str
    layer: str
    fields: list[KindField]


@router.get("/facility-kinds", response=list[KindOut], summary="What each kind of facility records")
def facility_kind_list(request):
    return [
        {
            "code": kind.code,
            "zh": kind.zh,
            "en": kind.en,
            "layer": kind.layer,
            "fields": [
                {**field.__dict__, "choices": [list(choice) for choice in field.choices]}
                for field in kind.fields
            ],
        }
        for kind in facility_kinds.KINDS.values()
    ]


@router.get("/facilities", response=list[FacilityOut], summary="Facilities in my scope")
@paginate(LimitOffsetPagination)
def facility_list(request, kind: str = "", q: str = "", division: str = "", reach: str = ""):
    rows = queries.facilities_visible_to(request.user, kind or None)
    if q:
        rows = rows.filter(name__icontains=q.strip()) | rows.filter(code__startswith=q.strip())
    if division:
        rows = queries.in_division(rows, division)
    if reach:
        rows = rows.filter(reach__code=reach)
    return [records.facility(row) for row in rows]


@router.get("/facilities/{code}", response=FacilityOut, summary="One facility")
def facility_detail(request, code: str):
    row = queries.facilities_visible_to(request.user).filter(code=code).first()
    if row is None:
        raise Http404
    return records.facility(row)


@router.post("/facilities", response={201: FacilityOut}, summary="Create a facility")
def facility_create(request, payload: FacilityIn):
    row = services.save_facility(request.user, payload.dict(), must_create=True)
    return Status(201, records.facility(row))


@router.patch("/facilities/{code}", response=FacilityOut, summary="Update a facility")
def facility_update(request, code: str, payload: FacilityPatch):
    row = queries.facilities_visible_to(request.user).filter(code=code).first()
    if row is None:
        raise Http404
    data = records.facility(row)
    patch = payload.dict(exclude_unset=True)
    if "details" in patch:
        data["details"] = {**data["details"], **(patch.pop("details") or {})}
    data.update(patch)
    return records.facility(services.save_facility(request.user, data))


# --- chief assignments ------------------------------------------------------------------------


class AssignmentOut(Schema):
    id: int
    code: str
    person_name: str
    person_phone: str
    position: str
    username: str
    role: str
    level: str
    reach_code: str
    water_body_code: str
    division_code: str
    contact_department_code: str
    start_date: date
    end_date: date | None
    active: bool
    is_demo: bool


class AssignmentIn(Schema):
    person_name: str = ""
    person_phone: str = ""
    position: str = ""
    username: str = ""
    role: str
    level: str
    reach_code: str = ""
    water_body_code: str = ""
    division_code: str = ""
    contact_department_code: str = ""
    start_date: date | None = None


class BulkAssignmentIn(AssignmentIn):
    reach_codes: list[str]


class BulkResult(Schema):
    created: int


class EndIn(Schema):
    end_date: date | None = None


@router.get("/assignments", response=list[AssignmentOut], summary="Chief assignments in my scope")
@paginate(LimitOffsetPagination)
def assignment_list(
    request,
    reach: str = "",
    water_body: str = "",
    division: str = "",
    role: str = "",
    person: str = "",
    active: bool | None = None,
):
    rows = queries.assignments_visible_to(request.user)
    if reach:
        rows = rows.filter(reach__code=reach)
    if water_body:
        rows = rows.filter(water_body__code=water_body) | rows.filter(
            reach__water_body__code=water_body
        )
    if division:
        rows = queries.in_division(rows, division)
    if role:
        rows = rows.filter(role=role)
    if person:
        rows = rows.filter(person_name__icontains=person.strip())
    if active is not None:
        rows = rows.filter(end_date__isnull=active)
    return [records.assignment(row) for row in rows]


@router.post("/assignments", response={201: AssignmentOut}, summary="Assign a person")
def assignment_create(request, payload: AssignmentIn):
    return Status(201, records.assignment(services.assign_person(request.user, payload.dict())))


@router.post(
    "/assignments/bulk", response={201: BulkResult}, summary="Assign one person to many reaches"
)
def assignment_bulk(request, payload: BulkAssignmentIn):
    data = payload.dict()
    codes = data.pop("reach_codes")
    return Status(201, {"created": services.assign_person_to_reaches(request.user, data, codes)})


@router.post(
    "/assignments/{assignment_id}/end", response=AssignmentOut, summary="End an assignment"
)
def assignment_end(request, assignment_id: int, payload: EndIn):
    if not queries.assignments_visible_to(request.user).filter(pk=assignment_id).exists():
        raise Http404
    return records.assignment(
        services.end_assignment(request.user, assignment_id, payload.end_date)
    )


@router.get(
    "/signboards/outdated",
    response=list[FacilityOut],
    summary="Signboards not updated within 15 days of a chief change",
)
def signboards_outdated(request):
    return [records.facility(row) for row in queries.outdated_signboards(request.user)]
