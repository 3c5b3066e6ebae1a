"""Who may use each registry page: lists, 一河一档 and other detail pages, edit forms, chief
change, documents, the one map. Imported into tests/permission_matrix.py's ROUTES.

The objects are the matrix's own (tests/conftest.py): 矩阵河 M-WB, its reach M-REACH in
东刘家村 with the chief 矩阵河长, and the reservoir M-RES. Everyone in scope may view; office
admins (and system administrators) may edit. An object outside the scope is 404 for every
role; a role without registry.change gets 403 where it can see the object.
"""

from __future__ import annotations

from tests.permission_matrix import Route

OFFICE = frozenset({"office"})


def _edit_page(pattern: str, url: str) -> Route:
    """A form on an existing object: 404 outside the scope, 403 inside for other roles."""
    return Route("GET", pattern, url, roles=OFFICE, outside=404, denied_outside=404)


def _create_page(pattern: str, url: str) -> Route:
    """A form for a new object: office admins anywhere (their own scope is checked on save)."""
    return Route("GET", pattern, url, roles=OFFICE)


def _upload(pattern: str, url: str) -> Route:
    """An upload without a file answers the page again with the error beside the field."""
    return Route("POST", pattern, url, roles=OFFICE, outside=404, denied_outside=404, body={})


def _matrix_assignment() -> dict:
    from riverchief.registry.models import ChiefAssignment

    row = ChiefAssignment.objects.get(reach__code="M-REACH", end_date__isnull=True)
    return {"assignment_id": row.pk}


def _matrix_document() -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from riverchief.registry import services
    from riverchief.registry.models import Reach

    document = services.add_document(
        None,
        target=Reach.objects.get(code="M-REACH"),
        kind="plan",
        title="矩阵一河一策.pdf",
        upload=SimpleUploadedFile("matrix.pdf", b"%PDF-1.4 matrix", "application/pdf"),
    )
    return {"document_id": document.pk}


REGISTRY_PAGES = [
    Route("GET", "registry/waterbodies/", "/registry/waterbodies/?q=矩阵河", marker="M-WB"),
    _create_page("registry/waterbodies/new/", "/registry/waterbodies/new/"),
    Route(
        "GET",
        "registry/waterbodies/<str:code>/",
        "/registry/waterbodies/M-WB/",
        outside=404,
        marker="矩阵河东刘家段",
    ),
    _edit_page("registry/waterbodies/<str:code>/edit/", "/registry/waterbodies/M-WB/edit/"),
    _upload("registry/waterbodies/<str:code>/documents/", "/registry/waterbodies/M-WB/documents/"),
    Route("GET", "registry/reaches/", "/registry/reaches/?q=矩阵河东刘家段", marker="M-REACH"),
    _create_page("registry/reaches/new/", "/registry/reaches/new/"),
    Route(
        "GET",
        "registry/reaches/<str:code>/",
        "/registry/reaches/M-REACH/",
        outside=404,
        marker="矩阵河长",
    ),
    _edit_page("registry/reaches/<str:code>/edit/", "/registry/reaches/M-REACH/edit/"),
    _edit_page("registry/reaches/<str:code>/chiefs/new/", "/registry/reaches/M-REACH/chiefs/new/"),
    _upload("registry/reaches/<str:code>/documents/", "/registry/reaches/M-REACH/documents/"),
    Route("GET", "registry/facilities/", "/registry/facilities/?q=矩阵水库", marker="M-RES"),
    _create_page("registry/facilities/new/", "/registry/facilities/new/?kind=sluice"),
    Route(
        "GET",
        "registry/facilities/<str:code>/",
        "/registry/facilities/M-RES/",
        outside=404,
        marker="矩阵水库",
    ),
    _edit_page("registry/facilities/<str:code>/edit/", "/registry/facilities/M-RES/edit/"),
    Route("GET", "registry/chiefs/", "/registry/chiefs/?q=矩阵", marker="矩阵河长"),
    Route(
        "POST",
        "registry/chiefs/<int:pk>/end/",
        lambda ctx: f"/registry/chiefs/{ctx['assignment_id']}/end/",
        roles=OFFICE,
        ok=302,
        outside=404,
        denied_outside=404,
        setup=_matrix_assignment,
    ),
    Route(
        "GET",
        "registry/documents/<int:pk>/",
        lambda ctx: f"/registry/documents/{ctx['document_id']}/",
        outside=404,
        setup=_matrix_document,
    ),
    Route("GET", "registry/map/", "/registry/map/"),
]
