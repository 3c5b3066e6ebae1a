"""OGC API – Features views: parse the query, ask `features`/`documents`, answer JSON or HTML.

Plain Django views rather than ninja: the documents' shapes, media types, links and error codes
are the standard's, and the OpenAPI document is written for it (`openapi.py`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from urllib.parse import quote

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from riverchief.core.errors import in_both_languages
from riverchief.ogcapi import documents, features, negotiation, openapi
from riverchief.ogcapi.collections import COLLECTIONS, Collection
from riverchief.ogcapi.params import (
    ParamError,
    format_instant,
    parse_after,
    parse_bbox,
    parse_datetime,
    parse_limit,
    parse_offset,
)

ITEMS_PARAMETERS = frozenset({"f", "bbox", "bbox-crs", "limit", "offset", "datetime"})


class UnknownParameter(ParamError):
    """A query parameter this resource does not take (`/req/core/query-param-unknown`)."""


class NotFound(Exception):
    def __init__(self, message, field: str):
        super().__init__(str(message))
        self.message, self.field = message, field


def _error(status: int, code: str, field: str, zh: str, en: str) -> JsonResponse:
    # The standard's exception shape (code, description) plus the platform's bilingual fields.
    body = {"code": code, "description": en, "message": zh, "message_en": en, "field": field}
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def ogc_view(view: Callable) -> Callable:
    """GET/HEAD only; bad parameters answer 400 and unknown things 404, both as JSON."""

    @require_safe
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            response = view(request, *args, **kwargs)
            # JSON or HTML is chosen by the Accept header: caches must key on it.
            patch_vary_headers(response, ["Accept"])
            return response
        except ParamError as error:
            code = (
                "UnknownParameter"
                if isinstance(error, UnknownParameter)
                else "InvalidParameterValue"
            )
            return _error(400, code, error.field, error.zh, error.en)
        except NotFound as missing:
            zh, en = in_both_languages(missing.message)
            return _error(404, "NotFound", missing.field, zh, en)

    return wrapped


def _only(request: HttpRequest, allowed: frozenset[str] | set[str]) -> None:
    for name in request.GET:
        if name not in allowed:
            raise UnknownParameter(
                name, f"未知的查询参数 {name}", f"unknown query parameter {name}"
            )
        if len(request.GET.getlist(name)) > 1:
            raise ParamError(name, f"查询参数 {name} 只能出现一次", f"{name} may appear only once")


def _base(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("ogcapi:landing")).rstrip("/")


def _collection(collection_id: str) -> Collection:
    found = COLLECTIONS.get(collection_id)
    if found is None:
        raise NotFound(_("No such collection."), "collectionId")
    return found


def _json(document, media_type: str = documents.JSON) -> HttpResponse:
    text = json.dumps(document, ensure_ascii=False)
    return HttpResponse(text, content_type=media_type)


def _page(request: HttpRequest, template: str, document: dict, **context) -> HttpResponse:
    return render(
        request, f"ogcapi/{template}", {"doc": document, "base": _base(request), **context}
    )


def _map_data(request: HttpRequest, item: Collection, shown: list[dict]) -> dict:
    """What the HTML pages' map draws: the features shown, the base tiles, the item link."""
    return {
        "features": shown,
        "item_url": f"{_base(request)}/collections/{item.id}/items/FEATURE_ID?f=html",
        "tiles": {
            "url": settings.RIVERCHIEF_MAP_TILE_URL,
            "labels": settings.RIVERCHIEF_MAP_LABEL_URL,
            "subdomains": settings.RIVERCHIEF_MAP_TILE_SUBDOMAINS,
            "attribution": settings.RIVERCHIEF_MAP_TILE_ATTRIBUTION,
        },
    }


@ogc_view
def landing(request: HttpRequest) -> HttpResponse:
    _only(request, {"f"})
    html = negotiation.wants_html(request)
    document = documents.landing(_base(request), html)
    return _page(request, "landing.html", document) if html else _json(document)


@ogc_view
def conformance(request: HttpRequest) -> HttpResponse:
    _only(request, {"f"})
    html = negotiation.wants_html(request)
    document = documents.conformance(_base(request), html)
    return _page(request, "conformance.html", document) if html else _json(document)


@ogc_view
def api_definition(request: HttpRequest) -> HttpResponse:
    _only(request, {"f"})
    document = openapi.document(_base(request))
    if negotiation.wants_html(request):
        return _page(request, "api.html", document)
    return _json(document, documents.OPENAPI)


@ogc_view
def collections(request: HttpRequest) -> HttpResponse:
    _only(request, {"f"})
    html = negotiation.wants_html(request)
    document = documents.collections(_base(request), list(COLLECTIONS.values()), html)
    return _page(request, "collections.html", document) if html else _json(document)


@ogc_view
def collection(request: HttpRequest, collection_id: str) -> HttpResponse:
    item = _collection(collection_id)
    _only(request, {"f"})
    html = negotiation.wants_html(request)
    document = documents.collection(_base(request), item, html)
    return _page(request, "collection.html", document) if html else _json(document)


def _selection(request: HttpRequest, item: Collection) -> features.Selection:
    query = request.GET
    crs = query.get("bbox-crs", "")
    bbox = parse_bbox(query["bbox"], crs) if "bbox" in query else None
    if crs and bbox is None:
        parse_bbox("0,0,0,0", crs)  # checks the CRS; a bbox-crs alone filters nothing
    interval = parse_datetime(query["datetime"]) if "datetime" in query else None
    equals = {}
    for name, queryable in item.queryables.items():
        if name in query:
            value = query[name]
            if queryable.choices and value not in queryable.choices:
                raise ParamError(
                    name,
                    f"{name} 应为以下之一：{'、'.join(queryable.choices)}",
                    f"{name} must be one of {', '.join(queryable.choices)}",
                )
            equals[name] = value
    return features.Selection(
        bbox=bbox,
        interval=interval,
        equals=equals,
        limit=parse_limit(query.get("limit")),
        offset=parse_offset(query.get("offset")),
        after=parse_after(query.get("after")),
    )


def _items_links(url: str, request: HttpRequest, html: bool, item, chosen, found: features.Page):
    moving = ("f", "offset", "after")
    kept = {name: value for name, value in request.GET.items() if name not in moving}
    kept["limit"] = str(chosen.limit)  # the limit used (a too-large one became the maximum)
    here = {**kept}
    if chosen.after is not None:
        here["after"] = chosen.after
    if chosen.offset:
        here["offset"] = str(chosen.offset)
    links = documents.self_and_alternate(url, html, documents.GEOJSON, here)
    fmt = "html" if html else "json"
    media_type = documents.HTML if html else documents.GEOJSON
    if found.more:
        if item.keyset:
            following = {**kept, "after": str(found.last_id), "f": fmt}
        else:
            following = {**kept, "offset": str(chosen.offset + chosen.limit), "f": fmt}
        links.append(documents.link(documents.with_query(url, following), "next", media_type))
    if chosen.offset > 0 and chosen.after is None:
        before = {**kept, "offset": str(max(0, chosen.offset - chosen.limit)), "f": fmt}
        links.append(documents.link(documents.with_query(url, before), "prev", media_type))
    return links


@ogc_view
def items(request: HttpRequest, collection_id: str) -> HttpResponse:
    item = _collection(collection_id)
    allowed = ITEMS_PARAMETERS | set(item.queryables) | ({"after"} if item.keyset else set())
    _only(request, allowed)
    html = negotiation.wants_html(request)
    chosen = _selection(request, item)
    found = features.page(item, chosen)
    url = f"{_base(request)}/collections/{item.id}/items"
    links = _items_links(url, request, html, item, chosen, found)
    head = {
        "type": "FeatureCollection",
        "numberMatched": found.matched,
        "numberReturned": len(found.features),
        "timeStamp": format_instant(timezone.now()),
        "links": links,
    }
    if html:
        shown = [json.loads(text) for text in found.features]
        for entry in shown:
            entry["label"] = entry["properties"].get("name") or entry["properties"].get("category")
        context = {
            "collection": item,
            "features": shown,
            "map_data": _map_data(request, item, shown),
        }
        return _page(request, "items.html", head, **context)
    text = (
        json.dumps(head, ensure_ascii=False)[:-1]
        + ', "features": ['
        + ", ".join(found.features)
        + "]}"
    )
    return HttpResponse(text, content_type=documents.GEOJSON)


@ogc_view
def feature(request: HttpRequest, collection_id: str, feature_id: str) -> HttpResponse:
    item = _collection(collection_id)
    _only(request, {"f"})
    html = negotiation.wants_html(request)
    base = _base(request)
    url = f"{base}/collections/{item.id}/items/{quote(feature_id, safe='')}"
    links = [
        *documents.self_and_alternate(url, html, documents.GEOJSON),
        documents.link(f"{base}/collections/{item.id}", "collection", documents.JSON),
    ]
    text = features.one(item, feature_id, links)
    if text is None:
        raise NotFound(_("No such feature in this collection."), "featureId")
    if html:
        document = json.loads(text)
        shown = _map_data(request, item, [document])
        return _page(request, "item.html", document, collection=item, map_data=shown)
    return HttpResponse(text, content_type=documents.GEOJSON)
