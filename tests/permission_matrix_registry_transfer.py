"""Routes of the registry's import and export pages (office staff only)."""

from tests.permission_matrix import Route

OFFICE = frozenset({"office"})

REGISTRY_TRANSFER = [
    Route("GET", "registry/import/", "/registry/import/", roles=OFFICE),
    Route("GET", "registry/export.xlsx", "/registry/export.xlsx", roles=OFFICE),
    Route("GET", "registry/template.xlsx", "/registry/template.xlsx", roles=OFFICE),
]
