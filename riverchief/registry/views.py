"""Registry pages: scoped lists (one view serves the page and its htmx fragment), the 一河一档
reach page, water body and facility pages, and the one map (一张图). Edits: edit_views.py."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, F, Prefetch, Q
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers

from riverchief.core import divcodes
from riverchief.registry import facility_kinds, forms, queries
from riverchief.registry import pageparts as parts
from riverchief.registry.models import (
    SINGLE_HOLDER_ROLES,
    AssignmentRole,
    ChiefAssignment,
    ChiefLevel,
    DivisionLevel,
    ManagementLevel,
    WaterBodyKind,
)

PAGE_SIZE = 50


# --- shared helpers ---------------------------------------------------------------------------


def _params(request, *names: str) -> dict[str, str]:
    return {name: request.GET.get(name, "").strip() for name in names}


def _page(request, rows):
    return Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))


def _list_response(request, template: str, fragment: str, context: dict):
    """The whole page, or only its rows when htmx asks (not for boosts or history restores)."""
    htmx = request.htmx
    partial = bool(htmx) and not htmx.boosted and not htmx.history_restore_request
    response = render(request, fragment if partial else template, context)
    patch_vary_headers(response, ("HX-Request",))
    return response


def _division_options(user) -> list[tuple[str, str]]:
    rows = queries.divisions_visible_to(user)
    upper = list(rows.filter(level__lte=DivisionLevel.TOWNSHIP).values_list("code", "name")[:500])
    chosen = upper or list(rows.values_list("code", "name")[:200])
    return [(divcodes.short(code), name) for code, name in chosen]


def _active_chiefs():
    return Prefetch(
        "assignments",
        queryset=ChiefAssignment.objects.filter(
            end_date__isnull=True, role__in=SINGLE_HOLDER_ROLES
        ).order_by("level", "id"),
        to_attr="chiefs",
    )


# --- lists ------------------------------------------------------------------------------------


@login_required
def water_body_list(request):
    user, f = request.user, _params(request, "q", "kind", "division", "level")
    rows = queries.water_bodies_visible_to(user)
    if f["q"]:
        rows = rows.filter(
            Q(name__icontains=f["q"]) | Q(code__icontains=f["q"]) | Q(basin__icontains=f["q"])
        )
    if f["kind"]:
        rows = rows.filter(kind=f["kind"])
    if f["level"]:
        rows = rows.filter(management_level=f["level"])
    if f["division"]:
        # A water body lies in a division when it is registered there or one of its reaches is.
        through = queries.in_division(queries.reaches_visible_to(user), f["division"])
        rows = rows.filter(
            Q(pk__in=queries.in_division(rows, f["division"]).values("pk"))
            | Q(pk__in=through.values("water_body"))
        )
    rows = rows.annotate(length_km=F("length_m") / 1000.0)
    context = {
        "page": _page(request, rows),
        "f": f,
        "kinds": WaterBodyKind.choices,
        "levels": ManagementLevel.choices,
        "divisions": _division_options(user),
        "can_change": parts.can_change(user),
    }
    return _list_response(
        request, "registry/waterbody_list.html", "registry/_waterbody_rows.html", context
    )


@login_required
def reach_list(request):
    user, f = request.user, _params(request, "q", "water_body", "division", "level")
    rows = queries.reaches_visible_to(user)
    if f["q"]:
        rows = rows.filter(
            Q(name__icontains=f["q"])
            | Q(code__icontains=f["q"])
            | Q(water_body__name__icontains=f["q"])
            | Q(start_description__icontains=f["q"])
            | Q(end_description__icontains=f["q"])
        )
    if f["water_body"]:
        rows = rows.filter(water_body__code=f["water_body"])
    if f["division"]:
        rows = queries.in_division(rows, f["division"])
    if f["level"]:
        rows = rows.filter(level=f["level"])
    rows = rows.annotate(length_km=F("length_m") / 1000.0).prefetch_related(_active_chiefs())
    context = {
        "page": _page(request, rows),
        "f": f,
        "levels": ChiefLevel.choices,
        "water_bodies": parts.water_body_options(user),
        "divisions": _division_options(user),
        "can_change": parts.can_change(user),
    }
    return _list_response(request, "registry/reach_list.html", "registry/_reach_rows.html", context)


@login_required
def facility_list(request):
    user, f = request.user, _params(request, "q", "kind", "division", "water_body", "reach")
    kind = f["kind"] if f["kind"] in facility_kinds.KINDS else ""
    rows = queries.facilities_visible_to(user)
    if f["q"]:
        rows = rows.filter(
            Q(name__icontains=f["q"]) | Q(code__icontains=f["q"]) | Q(address__icontains=f["q"])
        )
    if f["division"]:
        rows = queries.in_division(rows, f["division"])
    if f["water_body"]:
        rows = rows.filter(water_body__code=f["water_body"])
    if f["reach"]:
        rows = rows.filter(reach__code=f["reach"])
    counts = dict(rows.order_by().values_list("kind").annotate(n=Count("id")))
    if kind:
        rows = rows.filter(kind=kind)
    page = _page(request, rows)
    summary = parts.SUMMARY_FIELDS.get(kind, ())
    for row in page:
        row.kind_label = parts.kind_label(row.kind)
        row.summary = [parts.detail_value(row.kind, name, row.details) for name in summary]
    context = {
        "page": page,
        "f": f,
        "kind": kind,
        "tabs": parts.kind_tabs(counts),
        "summary_labels": [parts.field_label(kind, name) for name in summary],
        "water_bodies": parts.water_body_options(user),
        "divisions": _division_options(user),
        "can_change": parts.can_change(user),
    }
    return _list_response(
        request, "registry/facility_list.html", "registry/_facility_rows.html", context
    )


ASSIGNMENT_STATUSES = ("active", "history", "all")


@login_required
def assignment_list(request):
    user, f = request.user, _params(request, "q", "status", "role", "level", "division")
    status = f["status"] if f["status"] in ASSIGNMENT_STATUSES else "active"
    rows = queries.assignments_visible_to(user)
    if status == "active":
        rows = rows.filter(end_date__isnull=True)
    elif status == "history":
        rows = rows.filter(end_date__isnull=False).order_by("-end_date", "id")
    if f["q"]:
        rows = rows.filter(
            Q(person_name__icontains=f["q"])
            | Q(person_phone__contains=f["q"])
            | Q(position__icontains=f["q"])
            | Q(reach__name__icontains=f["q"])
            | Q(reach__code__icontains=f["q"])
            | Q(water_body__name__icontains=f["q"])
        )
    if f["role"]:
        rows = rows.filter(role=f["role"])
    if f["level"]:
        rows = rows.filter(level=f["level"])
    if f["division"]:
        rows = queries.in_division(rows, f["division"])
    context = {
        "page": _page(request, rows),
        "f": f,
        "status": status,
        "roles": AssignmentRole.choices,
        "levels": ChiefLevel.choices,
        "divisions": _division_options(user),
    }
    return _list_response(
        request, "registry/assignment_list.html", "registry/_assignment_rows.html", context
    )


# --- detail pages -----------------------------------------------------------------------------


@login_required
def water_body_detail(request, code):
    row = parts.one(queries.water_bodies_visible_to(request.user), code)
    return render(request, "registry/waterbody_detail.html", water_body_context(request, row))


def water_body_context(request, row, document_form=None) -> dict:
    user = request.user
    reaches = list(
        queries.reaches_visible_to(user)
        .filter(water_body=row)
        .annotate(length_km=F("length_m") / 1000.0)
        .prefetch_related(_active_chiefs())
        .order_by(F("start_chainage_m").asc(nulls_last=True), "code")
    )
    facilities = list(queries.facilities_visible_to(user).filter(water_body=row))
    for facility in facilities:
        facility.kind_label = parts.kind_label(facility.kind)
    chiefs = queries.assignments_visible_to(user).filter(water_body=row, reach__isnull=True)
    can_change = parts.can_change(user, row.division.code)
    return {
        "row": row,
        "ancestors": row.division.ancestors(),
        "length_km": row.length_m / 1000 if row.length_m is not None else None,
        "tributaries": queries.water_bodies_visible_to(user).filter(parent=row),
        "reaches": reaches,
        "facilities": facilities,
        **parts.split_assignments(chiefs),
        "documents": parts.documents_of(user, water_body=row),
        "document_form": document_form or (forms.DocumentForm() if can_change else None),
        "upload_url": reverse("registry:waterbody_document_upload", args=[row.code]),
        "can_change": can_change,
        "map": parts.minimap(row, reaches),
    }


@login_required
def reach_detail(request, code):
    row = parts.one(queries.reaches_visible_to(request.user), code)
    return render(request, "registry/reach_detail.html", reach_context(request, row))


def reach_context(request, row, document_form=None) -> dict:
    """一河一档: facts, chiefs now and before, facilities, sections, signboards, documents."""
    user = request.user
    facilities = list(queries.facilities_visible_to(user).filter(reach=row))
    outdated = {board.pk for board in queries.outdated_signboards(user) if board.reach_id == row.pk}
    for facility in facilities:
        facility.kind_label = parts.kind_label(facility.kind)
        facility.outdated = facility.pk in outdated
    chiefs = queries.assignments_visible_to(user).filter(reach=row)
    whole = queries.assignments_visible_to(user).filter(
        water_body=row.water_body, reach__isnull=True, end_date__isnull=True
    )
    can_change = parts.can_change(user, row.division.code)
    return {
        "row": row,
        "ancestors": row.division.ancestors(),
        "length_km": row.length_m / 1000 if row.length_m is not None else None,
        **parts.split_assignments(chiefs),
        "water_body_chiefs": parts.sort_assignments(whole),
        "facilities": [f for f in facilities if f.kind not in ("section", "signboard")],
        "sections": [f for f in facilities if f.kind == "section"],
        "signboards": [f for f in facilities if f.kind == "signboard"],
        "documents": parts.documents_of(user, reach=row),
        "document_form": document_form or (forms.DocumentForm() if can_change else None),
        "upload_url": reverse("registry:reach_document_upload", args=[row.code]),
        "end_form": forms.EndAssignmentForm() if can_change else None,
        "can_change": can_change,
        "map": parts.minimap(row, facilities),
    }


@login_required
def facility_detail(request, code):
    row = parts.one(queries.facilities_visible_to(request.user), code)
    outdated = row.kind == "signboard" and any(
        board.pk == row.pk for board in queries.outdated_signboards(request.user)
    )
    context = {
        "row": row,
        "kind_label": parts.kind_label(row.kind),
        "ancestors": row.division.ancestors(),
        "outdated": outdated,
        **parts.facility_details(row),
        "can_change": parts.can_change(request.user, row.division.code),
        "map": parts.minimap(row, []),
    }
    return render(request, "registry/facility_detail.html", context)


# --- the one map ------------------------------------------------------------------------------


@login_required
def one_map(request):
    config = {
        "api": reverse("api:map_layer", kwargs={"layer": "LAYER"}),
        "bounds": queries.scope_bounds(request.user),
        "tiles": parts.tile_config(),
        "layers": parts.map_layers(),
        "labels": parts.map_labels(),
    }
    return render(request, "registry/map.html", {"config": config})
