"""The JSON documents of the landing page, conformance and collection metadata, with their links."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.utils.translation import gettext as _

from riverchief.ogcapi import features
from riverchief.ogcapi.collections import Collection
from riverchief.ogcapi.params import CRS84

JSON = "application/json"
GEOJSON = "application/geo+json"
HTML = "text/html"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
]


def link(href: str, rel: str, media_type: str, title: str | None = None) -> dict[str, str]:
    item = {"href": href, "rel": rel, "type": media_type}
    if title:
        item["title"] = title
    return item


def with_query(url: str, params: dict[str, str]) -> str:
    # Commas and slashes stay readable (bbox=1,2,3,4; datetime=a/b): both are legal in a query.
    return f"{url}?{urlencode(params, safe=',/:')}" if params else url


def self_and_alternate(url: str, html: bool, json_type: str = JSON, params=None) -> list[dict]:
    """`self` in the format answered and `alternate` in the other one (`f=` makes each exact)."""
    params = dict(params or {})
    as_json = link(with_query(url, {**params, "f": "json"}), "self", json_type, _("This document"))
    as_html = link(with_query(url, {**params, "f": "html"}), "alternate", HTML, _("As HTML"))
    if html:
        as_json.update(rel="alternate", title=_("As JSON"))
        as_html.update(rel="self", title=_("This document"))
    return [as_json, as_html]


def landing(base: str, html: bool) -> dict[str, Any]:
    return {
        "title": _("%(site)s open data") % {"site": settings.RIVERCHIEF_SITE_NAME},
        "description": _(
            "Public layers of the river chief system (water bodies, reaches, facilities, "
            "monitoring sections, published problems) as OGC API – Features."
        ),
        "links": [
            *self_and_alternate(f"{base}/", html),
            link(f"{base}/api", "service-desc", OPENAPI, _("The API definition (OpenAPI 3.0)")),
            link(f"{base}/api?f=html", "service-doc", HTML, _("The API documentation")),
            link(f"{base}/conformance", "conformance", JSON, _("Conformance classes")),
            link(f"{base}/collections", "data", JSON, _("Collections")),
        ],
    }


def conformance(base: str, html: bool) -> dict[str, Any]:
    return {"links": self_and_alternate(f"{base}/conformance", html), "conformsTo": CONFORMANCE}


def collection(base: str, item: Collection, html: bool, own_links: bool = True) -> dict[str, Any]:
    url = f"{base}/collections/{item.id}"
    links = self_and_alternate(url, html) if own_links else []
    links += [
        link(f"{url}/items", "items", GEOJSON, _("The features as GeoJSON")),
        link(f"{url}/items?f=html", "items", HTML, _("The features as HTML")),
    ]
    document: dict[str, Any] = {
        "id": item.id,
        "title": str(item.title),
        "description": str(item.description),
        "itemType": "feature",
        "crs": [CRS84],
        "links": links,
    }
    extent = features.extent(item)
    if extent:
        document["extent"] = extent
    return document


def collections(base: str, items: list[Collection], html: bool) -> dict[str, Any]:
    return {
        "links": self_and_alternate(f"{base}/collections", html),
        "collections": [collection(base, item, html, own_links=False) for item in items],
    }
