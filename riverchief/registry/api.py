"""Registry API: divisions and departments (water bodies and facilities come with the registry)."""

from django.http import Http404
from ninja import Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from riverchief.core import divcodes
from riverchief.registry import queries

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


class DepartmentOut(Schema):
    code: str
    name: str
    short_name: str
    division_code: str
    is_demo: bool

    @staticmethod
    def resolve_division_code(obj) -> str:
        return divcodes.short(obj.division.code)


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


@router.get("/departments", response=list[DepartmentOut], summary="Departments in my scope")
@paginate(LimitOffsetPagination)
def department_list(request):
    return queries.departments_visible_to(request.user)


@router.get("/departments/{code}", response=DepartmentOut, summary="One department by code")
def department_detail(request, code: str):
    department = queries.departments_visible_to(request.user).filter(code=code).first()
    if department is None:
        raise Http404
    return department
