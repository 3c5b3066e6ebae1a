"""The OpenAPI 3.0 definition of /ogcapi (the landing page's `service-desc`).

Items paths are written per collection, with that collection's extra filters declared: the
standard answers an undeclared parameter with 400, and GDAL and QGIS forward attribute filters
only when the definition declares them.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from riverchief.ogcapi.collections import COLLECTIONS, Collection
from riverchief.ogcapi.params import CRS84, CRS84H, DEFAULT_LIMIT, MAX_LIMIT, MAX_OFFSET

F = {
    "name": "f",
    "in": "query",
    "required": False,
    "description": "The format of the answer; without it the Accept header decides (JSON unless "
    "a browser asks for HTML).",
    "schema": {"type": "string", "enum": ["json", "html"]},
}
COMMON_PARAMETERS = [
    {
        "name": "bbox",
        "in": "query",
        "required": False,
        "style": "form",
        "explode": False,
        "description": "minLon,minLat,maxLon,maxLat in CRS84 (6 numbers with heights); features "
        "whose bounding box intersects it, and features without a geometry.",
        "schema": {
            "type": "array",
            "minItems": 4,
            "maxItems": 6,
            "items": {"type": "number"},
        },
    },
    {
        "name": "bbox-crs",
        "in": "query",
        "required": False,
        "schema": {"type": "string", "format": "uri", "enum": [CRS84, CRS84H]},
    },
    {
        "name": "limit",
        "in": "query",
        "required": False,
        "style": "form",
        "explode": False,
        "description": f"Features per page; above {MAX_LIMIT} the maximum is used.",
        "schema": {
            "type": "integer",
            "minimum": 1,
            "maximum": MAX_LIMIT,
            "default": DEFAULT_LIMIT,
        },
    },
    {
        "name": "offset",
        "in": "query",
        "required": False,
        "description": "Features to skip (the `next` link carries it).",
        "schema": {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET, "default": 0},
    },
    {
        "name": "datetime",
        "in": "query",
        "required": False,
        "style": "form",
        "explode": False,
        "description": "An RFC 3339 instant, or an interval start/end with '..' for an open end. "
        "Features without a time match any value.",
        "schema": {"type": "string"},
    },
]
COLLECTION_ID = {
    "name": "collectionId",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "enum": list(COLLECTIONS)},
}
FEATURE_ID = {"name": "featureId", "in": "path", "required": True, "schema": {"type": "string"}}


def _answer(description: str, media_type: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {
            media_type: {"schema": {"type": "object"}},
            "text/html": {"schema": {"type": "string"}},
        },
    }


ERRORS = {
    "400": {"description": "A query parameter is unknown or has an invalid value."},
    "404": {"description": "No such collection or feature."},
}


def _operation(op_id: str, summary: str, parameters: list, media_type: str = "application/json"):
    return {
        "get": {
            "operationId": op_id,
            "summary": summary,
            "parameters": [*parameters, F],
            "responses": {"200": _answer(summary, media_type), **ERRORS},
        }
    }


AFTER = {
    "name": "after",
    "in": "query",
    "required": False,
    "description": "Start after the feature with this id (the `next` link carries it).",
    "schema": {"type": "string", "minLength": 1, "maxLength": 100},
}


def _queryables(collection: Collection) -> list[dict[str, Any]]:
    parameters = [AFTER] if collection.keyset else []
    for name, queryable in collection.queryables.items():
        schema: dict[str, Any] = {"type": "string"}
        if queryable.choices:
            schema["enum"] = list(queryable.choices)
        parameter = {"name": name, "in": "query", "required": False, "schema": schema}
        parameter["description"] = queryable.description or f"features whose {name} equals this"
        parameters.append(parameter)
    return parameters


def document(base: str) -> dict[str, Any]:
    paths: dict[str, Any] = {
        "/": _operation("getLandingPage", "The landing page", []),
        "/conformance": _operation("getConformance", "The conformance classes", []),
        "/api": _operation(
            "getApi", "This API definition", [], "application/vnd.oai.openapi+json;version=3.0"
        ),
        "/collections": _operation("getCollections", "The collections", []),
        "/collections/{collectionId}": _operation(
            "describeCollection", "A collection's metadata", [COLLECTION_ID]
        ),
    }
    for collection in COLLECTIONS.values():
        url = f"/collections/{collection.id}"
        paths[f"{url}/items"] = _operation(
            f"get{collection.id.title()}Features",
            f"{collection.title} (features)",
            [*COMMON_PARAMETERS, *_queryables(collection)],
            "application/geo+json",
        )
        paths[f"{url}/items/{{featureId}}"] = _operation(
            f"get{collection.id.title()}Feature",
            f"{collection.title} (one feature)",
            [FEATURE_ID],
            "application/geo+json",
        )
    return {
        "openapi": "3.0.3",
        "info": {
            "title": f"{settings.RIVERCHIEF_SITE_NAME} · OGC API – Features",
            "version": "1.0.0",
            "description": "Open data of the river chief system: public layers only.",
        },
        "servers": [{"url": base}],
        "paths": paths,
    }
