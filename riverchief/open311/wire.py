"""Open311 GeoReport v2 wire format: XML (mandatory) and JSON from plain Python values.

Pure: no Django. The JSON form is the spec's mechanical mapping of the XML ("Spark convention"):
the wrapper element disappears, so lists (services, requests, errors) are top-level arrays and
the service definition is an object. The XML has no namespace: the PyPI `open311` client turns
namespaced tags into tuples (standards.md §1.7).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

XML_TYPE = "text/xml; charset=utf-8"
JSON_TYPE = "application/json; charset=utf-8"
FORMATS = ("xml", "json")

# Element names of list items, by the name of the list that holds them.
ITEM_TAGS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}


# Characters XML 1.0 cannot carry at all, even escaped: dropped rather than making invalid XML.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value: str) -> str:
    """Escaped as xml.sax.saxutils.escape does (&, <, >), by three str.replace: a tenth of the
    cost of escape() or str.translate on Chinese text, which a list of requests is full of."""
    if _NOT_XML.search(value):
        value = _NOT_XML.sub("", value)
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return _text(str(value))


def _element(tag: str, value: Any, out: list[str]) -> None:
    kind = type(value)
    if kind is dict:
        # A record (a list of 1,000 requests has 17,000 fields): its plain values written here,
        # by exact type, without a call each.
        out.append(f"<{tag}>")
        for key, item in value.items():
            kind = type(item)
            if kind is str:
                out.append(f"<{key}>{_text(item)}</{key}>")
            elif item is None:
                out.append(f"<{key}/>")
            elif kind is int or kind is float:
                out.append(f"<{key}>{item}</{key}>")
            else:
                _element(key, item, out)
        out.append(f"</{tag}>")
    elif value is None:
        out.append(f"<{tag}/>")
    elif isinstance(value, Mapping):
        out.append(f"<{tag}>")
        for key, item in value.items():
            _element(key, item, out)
        out.append(f"</{tag}>")
    elif isinstance(value, Sequence) and not isinstance(value, str):
        item_tag = ITEM_TAGS[tag]
        out.append(f"<{tag}>")
        for item in value:
            _element(item_tag, item, out)
        out.append(f"</{tag}>")
    else:
        out.append(f"<{tag}>{_scalar(value)}</{tag}>")


def to_xml(root: str, value: Any) -> bytes:
    """`value` under the root element `root`; a list's items take their tag from ITEM_TAGS."""
    out = ['<?xml version="1.0" encoding="utf-8"?>']
    _element(root, value, out)
    return "".join(out).encode("utf-8")


def to_json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def render(fmt: str, root: str, value: Any) -> tuple[bytes, str]:
    """(body, content type) of `value` in the format asked for by the path's suffix."""
    if fmt == "json":
        return to_json(value), JSON_TYPE
    return to_xml(root, value), XML_TYPE


def errors(items: Sequence[tuple[int, str]]) -> list[dict[str, Any]]:
    """The spec's error list: `[{"code": 403, "description": "…"}]`."""
    return [{"code": code, "description": description} for code, description in items]


def compact(record: Mapping[str, Any], keep: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The record without its empty optional fields (None or ""), except those in `keep`."""
    return {key: value for key, value in record.items() if key in keep or value not in (None, "")}
