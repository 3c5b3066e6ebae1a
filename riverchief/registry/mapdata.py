"""GeoJSON map layers for the one map (一张图), each through the viewer's scope."""

from __future__ import annotations

import json
from functools import lru_cache

from django.db.models import TextField
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from riverchief.core import divcodes
from riverchief.core.errors import DomainError
from riverchief.registry import queries
from riverchief.registry.models import bbox_q

FACILITY_LAYERS = {
    "reservoirs": "reservoir",
    "check_dams": "check_dam",
    "sluices": "sluice",
    "outfalls": "outfall",
    "intakes": "intake",
    "sections": "section",
    "signboards": "signboard",
}
LAYERS = ("divisions", "waterbodies", "reaches", *FACILITY_LAYERS)


class UnknownLayer(KeyError):
    pass


def parse_bbox(text: str) -> tuple[float, float, float, float] | None:
    """'minlon,minlat,maxlon,maxlat' → floats; ValueError with the reason when malformed."""
    if not text:
        return None
    parts = text.split(",")
    if len(parts) != 4:
        raise ValueError("bbox needs four numbers: minlon,minlat,maxlon,maxlat")
    try:
        min_lon, min_lat, max_lon, max_lat = (float(part) for part in parts)
    except ValueError:
        raise ValueError("bbox needs four numbers: minlon,minlat,maxlon,maxlat") from None
    if not (-180 <= min_lon <= max_lon <= 180 and -90 <= min_lat <= max_lat <= 90):
        raise ValueError("bbox must be minlon,minlat,maxlon,maxlat with min ≤ max")
    return min_lon, min_lat, max_lon, max_lat


def bbox_parameter(text: str) -> tuple[float, float, float, float] | None:
    """`parse_bbox` for an API's `bbox` parameter: a malformed one is a 400 naming the field."""
    try:
        return parse_bbox(text)
    except ValueError as error:
        raise DomainError(
            _("Invalid bbox: %(reason)s"), field="bbox", params={"reason": str(error)}
        ) from error


def _rows(layer: str, viewer):
    if layer == "divisions":
        return queries.divisions_visible_to(viewer), ("code", "name", "level")
    if layer == "waterbodies":
        return queries.water_bodies_visible_to(viewer), ("code", "name", "kind", "division__code")
    if layer == "reaches":
        return queries.reaches_visible_to(viewer), (
            "code",
            "name",
            "level",
            "division__code",
            "water_body__name",
            "length_m",
        )
    if layer in FACILITY_LAYERS:
        return queries.facilities_visible_to(viewer, FACILITY_LAYERS[layer]), (
            "code",
            "name",
            "kind",
            "division__code",
            "details",
        )
    raise UnknownLayer(layer)


def feature_collection(layer: str, viewer, bbox=None) -> str:
    """The layer as GeoJSON text (built directly: a county layer has thousands of features).

    Geometry is read as the stored JSON text and copied into the answer as it is: decoding and
    encoding it again per row was most of the time of a county layer (thousands of lines with
    dozens of vertices each). Only the small properties are encoded here.
    """
    rows, fields = _rows(layer, viewer)
    rows = rows.exclude(geometry__isnull=True)
    if bbox is not None:
        rows = rows.filter(bbox_q(bbox))
    rows = rows.annotate(geometry_text=Cast("geometry", TextField()))
    detail_url = _detail_url(layer)
    encode = json.JSONEncoder(ensure_ascii=False).encode
    features = []
    # Not .iterator(): on PostgreSQL that is a server-side cursor, planned for the first rows
    # (it walked every reach in code order to skip the sort: 5-10 times slower). The answer is
    # held in memory anyway.
    for *values, geometry in rows.values_list(*fields, "geometry_text"):
        properties = {"layer": layer}
        for key, value in zip(fields, values, strict=True):
            if key == "details":
                properties.update(_popup_details(value))
            elif key == "division__code":
                properties["division_code"] = _short_code(value)
            elif key == "code" and layer == "divisions":
                properties["code"] = _short_code(value)
            else:
                properties[key.replace("__", "_")] = value
        properties["url"] = detail_url(properties["code"])
        # The separators json.dumps uses, so the text is what it was when built from dicts.
        features.append(
            f'{{"type": "Feature", "geometry": {geometry}, "properties": {encode(properties)}}}'
        )
    return '{"type": "FeatureCollection", "features": [' + ", ".join(features) + "]}"


# Division codes repeat across a layer (a village has several reaches) and divcodes.short
# costs tens of microseconds: remember the answers (pure function, bounded by the division count).
_short_code = lru_cache(maxsize=100_000)(divcodes.short)


def _popup_details(details: dict) -> dict:
    keep = ("scale", "dam_class", "control_level", "target_class", "outfall_type", "last_updated")
    return {key: details[key] for key in keep if key in details}


def _detail_url(layer: str):
    names = {
        "divisions": "web:division_detail",
        "waterbodies": "registry:waterbody_detail",
        "reaches": "registry:reach_detail",
    }
    name = names.get(layer, "registry:facility_detail")
    prefix = reverse(name, args=["CODE"])  # reverse once, then format: thousands of features
    return lambda code: prefix.replace("CODE", code)
