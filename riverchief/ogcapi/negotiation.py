"""JSON or HTML: the `f` parameter decides, else the Accept header.

Clients that send no Accept header, or `*/*` (OWSLib, curl), and clients that ask for JSON (GDAL)
get JSON; a browser, which names text/html before `*/*`, gets HTML.
"""

from __future__ import annotations

from django.http import HttpRequest

from riverchief.ogcapi.params import ParamError

FORMATS = ("json", "html")
HTML_TYPES = ("text/html", "application/xhtml+xml")


def _quality(entry: str) -> tuple[str, float]:
    media_type, *parameters = (part.strip() for part in entry.split(";"))
    quality = 1.0
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "q":
            try:
                quality = float(value)
            except ValueError:
                quality = 0.0
    return media_type.lower(), quality


def wants_html(request: HttpRequest) -> bool:
    chosen = request.GET.get("f")
    if chosen is not None:
        if chosen not in FORMATS:
            raise ParamError("f", "f 应为 json 或 html", "f must be json or html")
        return chosen == "html"
    html = json = 0.0
    for entry in request.headers.get("Accept", "").split(","):
        if not entry.strip():
            continue
        media_type, quality = _quality(entry)
        if media_type in HTML_TYPES:
            html = max(html, quality)
        elif "json" in media_type:
            json = max(json, quality)
    # Only an explicit HTML type counts: `*/*` alone means the client takes the default, JSON.
    return html > 0 and html > json
