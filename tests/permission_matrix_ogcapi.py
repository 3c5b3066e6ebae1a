"""OGC API – Features (/ogcapi/): open data, the same answer for everyone, signed in or not."""

from __future__ import annotations

from tests.permission_matrix import Route


def _public(pattern: str, url: str) -> Route:
    return Route("GET", pattern, url, anonymous=200)


OGCAPI = [
    _public("ogcapi/", "/ogcapi/"),
    _public("ogcapi/conformance", "/ogcapi/conformance"),
    _public("ogcapi/api", "/ogcapi/api"),
    _public("ogcapi/collections", "/ogcapi/collections"),
    _public("ogcapi/collections/<str:collection_id>", "/ogcapi/collections/reaches"),
    _public(
        "ogcapi/collections/<str:collection_id>/items",
        "/ogcapi/collections/reaches/items?bbox=111.3,35.3,111.9,35.7&limit=5",
    ),
    _public(
        "ogcapi/collections/<str:collection_id>/items/<str:feature_id>",
        "/ogcapi/collections/reaches/items/KH-140826",
    ),
]
