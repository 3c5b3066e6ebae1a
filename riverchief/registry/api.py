"""Registry API: divisions, departments, water bodies, reaches (facilities and assignments in
api_facilities, map layers in api_map). Lists are scoped and paged; writes go through services."""

from typing import Any

from django.http import Http404
from ninja import Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from riverchief.core import divcodes
from riverchief.registry import queries, records, services

router = Router(tags=["registry"])


class DivisionOut(Schema):
    code: str
    full_code: str
    name: str
    level: int
    level_label: str
    parent_code: str | None
    is_demo: bool

    @staticmethod
    def resolve_code(obj) -> str:
        return divcodes.short(obj.code)

    @staticmethod
    def resolve_full_code(obj) -> str:
        return obj.code

    @staticmethod
    def resolve_level_label(obj) -> str:
        return str(obj.get_level_display())

    @staticmethod
    def resolve_parent_code(obj) -> str | None:
        parent = divcodes.parent(obj.code)
        return divcodes.short(parent) if parent else None


@router.get("/divisions", response=list[DivisionOut], summary="Divisions in my scope")
@paginate(LimitOffsetPagination)
def division_list(request, q: str = "", level: int | None = None, parent: str = ""):
    return queries.search_divisions(queries.divisions_visible_to(request.user), q, level, parent)


@router.get("/divisions/{code}", response=DivisionOut, summary="One division by code")
def division_detail(request, code: str):
    division = queries.find_division(request.user, code)
    if division is None:
        raise Http404
    return division


# --- departments ------------------------------------------------------------------------------


class DepartmentOut(Schema):
    code: str
    name: str
    short_name: str
    division_code: str
    duties: str
    liaison_name: str
    liaison_phone: str
    is_demo: bool


class DepartmentIn(Schema):
    code: str
    name: str
    short_name: str = ""
    division_code: str
    duties: str = ""
    liaison_name: str = ""
    liaison_phone: str = ""


@router.get("/departments", response=list[DepartmentOut], summary="Departments in my scope")
@paginate(LimitOffsetPagination)
def department_list(request):
    return [records.department(d) for d in queries.departments_visible_to(request.user)]


@router.get("/departments/{code}", response=DepartmentOut, summary="One department by code")
def department_detail(request, code: str):
    department = queries.departments_visible_to(request.user).filter(code=code).first()
    if department is None:
        raise Http404
    return records.department(department)


@router.post("/departments", response={201: DepartmentOut}, summary="Create or update a department")
def department_save(request, payload: DepartmentIn):
    from riverchief.registry.services.common import division_by_code

    data = payload.dict()
    department = services.upsert_department(
        request.user,
        code=data["code"],
        name=data["name"],
        short_name=data["short_name"],
        division=division_by_code(data["division_code"]),
        duties=data["duties"],
        liaison_name=data["liaison_name"],
        liaison_phone=data["liaison_phone"],
    )
    return Status(201, records.department(department))


# --- water bodies -----------------------------------------------------------------------------


class WaterBodyOut(Schema):
    code: str
    name: str
    kind: str
    parent_code: str
    basin: str
    management_level: str
    division_code: str
    length_m: float | None
    area_km2: float | None
    description: str
    is_demo: bool
    geometry: dict | None = None


class WaterBodyIn(Schema):
    code: str
    name: str
    kind: str
    division_code: str
    parent_code: str = ""
    basin: str = ""
    management_level: str = ""
    length_m: float | None = None
    area_km2: float | None = None
    description: str = ""
    geometry: dict | None = None


class WaterBodyPatch(Schema):
    name: str | None = None
    kind: str | None = None
    division_code: str | None = None
    parent_code: str | None = None
    basin: str | None = None
    management_level: str | None = None
    length_m: float | None = None
    area_km2: float | None = None
    description: str | None = None
    geometry: dict | None = None


def _merge(current: dict[str, Any], patch: Schema) -> dict[str, Any]:
    """A partial update: the fields sent replace the current record's."""
    data = dict(current)
    data.update(patch.dict(exclude_unset=True))
    return data


@router.get("/waterbodies", response=list[WaterBodyOut], summary="Water bodies in my scope")
@paginate(LimitOffsetPagination)
def water_body_list(
    request, q: str = "", kind: str = "", division: str = "", geometry: bool = False
):
    rows = queries.water_bodies_visible_to(request.user)
    if q:
        rows = rows.filter(name__icontains=q.strip()) | rows.filter(code__startswith=q.strip())
    if kind:
        rows = rows.filter(kind=kind)
    if division:
        rows = queries.in_division(rows, division)
    return [_without_geometry(records.water_body(r), geometry) for r in rows]


def _without_geometry(record: dict[str, Any], keep: bool) -> dict[str, Any]:
    if not keep:
        record["geometry"] = None
    return record


@router.get("/waterbodies/{code}", response=WaterBodyOut, summary="One water body")
def water_body_detail(request, code: str):
    row = queries.water_bodies_visible_to(request.user).filter(code=code).first()
    if row is None:
        raise Http404
    return records.water_body(row)


@router.post("/waterbodies", response={201: WaterBodyOut}, summary="Create a water body")
def water_body_create(request, payload: WaterBodyIn):
    row = services.save_water_body(request.user, payload.dict(), must_create=True)
    return Status(201, records.water_body(row))


@router.patch("/waterbodies/{code}", response=WaterBodyOut, summary="Update a water body")
def water_body_update(request, code: str, payload: WaterBodyPatch):
    row = queries.water_bodies_visible_to(request.user).filter(code=code).first()
    if row is None:
        raise Http404
    row = services.save_water_body(request.user, _merge(records.water_body(row), payload))
    return records.water_body(row)


# --- reaches ----------------------------------------------------------------------------------


class ReachOut(Schema):
    code: str
    name: str
    water_body_code: str
    division_code: str
    level: str
    start_description: str
    end_description: str
    length_m: float | None
    start_chainage_m: float | None
    is_dry: bool
    is_demo: bool
    geometry: dict | None = None


class ReachIn(Schema):
    code: str
    name: str
    water_body_code: str
    division_code: str
    level: str = ""
    start_description: str = ""
    end_description: str = ""
    start_chainage_m: float | None = None
    is_dry: bool = False
    geometry: dict | None = None


class ReachPatch(Schema):
    name: str | None = None
    water_body_code: str | None = None
    division_code: str | None = None
    level: str | None = None
    start_description: str | None = None
    end_description: str | None = None
    start_chainage_m: float | None = None
    is_dry: bool | None = None
    geometry: dict | None = None


@router.get("/reaches", response=list[ReachOut], summary="Reaches in my scope")
@paginate(LimitOffsetPagination)
def reach_list(
    request,
    q: str = "",
    water_body: str = "",
    division: str = "",
    level: str = "",
    geometry: bool = False,
):
    rows = queries.reaches_visible_to(request.user)
    if q:
        rows = rows.filter(name__icontains=q.strip()) | rows.filter(code__startswith=q.strip())
    if water_body:
        rows = rows.filter(water_body__code=water_body)
    if division:
        rows = queries.in_division(rows, division)
    if level:
        rows = rows.filter(level=level)
    return [_without_geometry(records.reach(r), geometry) for r in rows]


class NearestOut(Schema):
    reach: ReachOut | None
    distance_m: float | None


@router.get("/reaches/nearest", response=NearestOut, summary="The reach nearest to a point")
def reach_nearest(request, lon: float, lat: float, max_distance_m: float = 500.0):
    from riverchief.registry import routing

    found = routing.nearest_reach_id(lon, lat, min(max(max_distance_m, 1.0), 50_000.0))
    if found is None:
        return {"reach": None, "distance_m": None}
    reach = queries.reaches_visible_to(request.user).filter(pk=found[0]).first()
    if reach is None:
        return {"reach": None, "distance_m": None}
    return {"reach": records.reach(reach), "distance_m": round(found[1], 1)}


@router.get("/reaches/{code}", response=ReachOut, summary="One reach")
def reach_detail(request, code: str):
    row = queries.reaches_visible_to(request.user).filter(code=code).first()
    if row is None:
        raise Http404
    return records.reach(row)


@router.post("/reaches", response={201: ReachOut}, summary="Create a reach")
def reach_create(request, payload: ReachIn):
    row = services.save_reach(request.user, payload.dict(), must_create=True)
    return Status(201, records.reach(row))


@router.patch("/reaches/{code}", response=ReachOut, summary="Update a reach")
def reach_update(request, code: str, payload: ReachPatch):
    row = queries.reaches_visible_to(request.user).filter(code=code).first()
    if row is None:
        raise Http404
    return records.reach(services.save_reach(request.user, _merge(records.reach(row), payload)))
