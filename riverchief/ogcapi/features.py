"""Selecting features in the database and writing them as GeoJSON text.

Filtering (bbox on the indexed box columns, refined with shapely at the box's edge; time;
equality filters) and paging happen in SQL, so a page reads its own rows only. Stored
geometries are copied into the answer as the JSON text the database holds (decoding and
re-encoding line strings was most of a page's cost, as in `registry.mapdata`); only the small
properties are encoded here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import shapely
from django.db.models import CharField, F, Max, Min, Q, QuerySet, TextField, Value
from django.db.models.functions import Cast, Concat

from riverchief.ogcapi.collections import Collection
from riverchief.ogcapi.params import Box, Interval, format_instant
from riverchief.registry.models import bbox_q

_encode = json.JSONEncoder(ensure_ascii=False, default=str).encode


@dataclass(frozen=True)
class Selection:
    """What an /items request selects: filters, then the page."""

    bbox: Box | None = None
    interval: Interval | None = None
    equals: dict[str, str] = field(default_factory=dict)
    limit: int = 10
    offset: int = 0
    after: str | None = None  # the last feature id of the previous page (keyset collections)


@dataclass(frozen=True)
class Page:
    features: list[str]  # GeoJSON texts
    matched: int  # what the filters select, whatever the page
    more: bool  # features follow this page
    last_id: Any = None  # the id of the page's last feature (the next page's `after`)


def selected(collection: Collection, selection: Selection) -> QuerySet:
    """Every row the filters select (not yet paged), in the collection's order."""
    rows = collection.rows()
    interval = selection.interval
    if interval is not None and collection.time_path:
        # Features without a time would match too; every problem has its report time.
        if interval.start is not None:
            rows = rows.filter(**{f"{collection.time_path}__gte": interval.start})
        if interval.end is not None:
            rows = rows.filter(**{f"{collection.time_path}__lte": interval.end})
    for name, value in selection.equals.items():
        rows = rows.filter(**{collection.queryables[name].lookup: value})
    box = selection.bbox
    if box is None:
        return rows
    min_lon, min_lat, max_lon, max_lat = box
    if collection.point:
        return rows.filter(lon__gte=min_lon, lon__lte=max_lon, lat__gte=min_lat, lat__lte=max_lat)
    misses = _box_only(rows, box)
    # The standard: features without a geometry match any bbox. `max_lon` (not `min_lon`) is
    # the first column of the box index, so both sides of the OR can use it.
    rows = rows.filter((bbox_q(box) & ~Q(pk__in=misses)) | Q(max_lon__isnull=True))
    return rows.order_by(*(_by_value(name) for name in rows.query.order_by))


def _by_value(name: str):
    """The same order, as an expression: a planner can no longer walk the `code` index to skip
    the sort, which on SQLite meant reading every row to find a county's (3x slower). A bbox
    selects few rows, so sorting them is cheap."""
    if name.startswith("-"):
        return name
    return Concat(F(name), Value(""), output_field=CharField())


# Above this many near misses the answer keeps them (box test only) rather than send the
# database an exclusion list longer than SQLite accepts; a box that large is a whole-map view.
MAX_EXACT = 5000


def _box_only(rows: QuerySet, box: Box) -> list[int]:
    """Rows whose bounding box meets the bbox but whose geometry does not (a river running
    diagonally past a corner). Only rows crossing the bbox's edge are read and tested; a row
    whose box lies inside it intersects for sure, and a point's box is the point itself."""
    min_lon, min_lat, max_lon, max_lat = box
    inside = Q(
        min_lon__gte=min_lon, max_lon__lte=max_lon, min_lat__gte=min_lat, max_lat__lte=max_lat
    )
    crossing = (
        rows.order_by()
        .filter(bbox_q(box))
        .exclude(inside)
        .annotate(geometry_text=Cast("geometry", TextField()))
        .values_list("pk", "geometry_text")
    )
    found = list(crossing[: MAX_EXACT * 4 + 1])
    if not found or len(found) > MAX_EXACT * 4:
        return []
    keys, texts = zip(*found, strict=True)
    hits = shapely.intersects(shapely.from_geojson(list(texts)), shapely.box(*box))
    misses = [key for key, hit in zip(keys, hits, strict=True) if not hit]
    return misses if len(misses) <= MAX_EXACT else []


def _value(value: Any) -> Any:
    if isinstance(value, datetime):
        return format_instant(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _rows_with_geometry(collection: Collection, rows: QuerySet):
    paths = [path for _name, path in collection.columns]
    if collection.point:
        return rows.values_list(collection.id_path, *paths, "lon", "lat")
    rows = rows.annotate(geometry_text=Cast("geometry", TextField()))
    return rows.values_list(collection.id_path, *paths, "geometry_text")


def _feature_text(collection: Collection, record: tuple, links: str = "") -> str:
    feature_id, *values = record
    if collection.point:
        *values, lon, lat = values
        geometry = f'{{"type": "Point", "coordinates": [{lon!r}, {lat!r}]}}'
    else:
        *values, geometry = values
        geometry = geometry or "null"
    properties = {
        name: _value(value) for (name, _path), value in zip(collection.columns, values, strict=True)
    }
    if collection.shape is not None:
        properties = collection.shape(properties)
    return (
        f'{{"type": "Feature", "id": {_encode(feature_id)}, "geometry": {geometry}, '
        f'"properties": {_encode(properties)}{links}}}'
    )


def page(collection: Collection, selection: Selection) -> Page:
    """The requested page as GeoJSON texts, with how many the filters match."""
    rows = selected(collection, selection)
    start = rows
    if selection.after is not None:
        start = rows.filter(**{f"{collection.id_path}__gt": selection.after})
    # Two steps in one statement: the page's keys are chosen on the small columns, then only
    # those rows are read whole. Selecting whole rows with OFFSET made PostgreSQL turn every
    # skipped row's geometry into text (4 s for a page deep in 150,000 reaches).
    keys = start.values("pk")[selection.offset : selection.offset + selection.limit]
    window = collection.rows().filter(pk__in=keys)
    records = list(_rows_with_geometry(collection, window))
    features = [_feature_text(collection, record) for record in records]
    last_id = records[-1][0] if records else None
    full = len(features) == selection.limit
    if selection.after is None:
        if not full and (features or selection.offset == 0):
            # The page holds the end of the selection: its size follows without a count query.
            matched = selection.offset + len(features)
        else:
            matched = rows.count()
        return Page(features, matched, selection.offset + len(features) < matched, last_id)
    more = full and start[selection.offset + selection.limit :].exists()
    return Page(features, rows.count(), more, last_id)


def one(collection: Collection, feature_id: str, links: list[dict]) -> str | None:
    """One feature by its stable id, as GeoJSON text with its links; None when not public."""
    rows = collection.rows().filter(**{collection.id_path: feature_id})
    record = _rows_with_geometry(collection, rows).first()
    if record is None:
        return None
    return _feature_text(collection, record, f', "links": {_encode(links)}')


def extent(collection: Collection) -> dict[str, Any]:
    """The spatial extent (and the temporal one where features have a time) from the data."""
    rows = collection.rows().order_by()
    if collection.point:
        boxes = {"w": Min("lon"), "s": Min("lat"), "e": Max("lon"), "n": Max("lat")}
    else:
        boxes = {"w": Min("min_lon"), "s": Min("min_lat"), "e": Max("max_lon"), "n": Max("max_lat")}
    times = {}
    if collection.time_path:
        times = {"first": Min(collection.time_path), "last": Max(collection.time_path)}
    found = rows.aggregate(**boxes, **times)
    box = [found["w"], found["s"], found["e"], found["n"]]
    result: dict[str, Any] = {}
    if None not in box:
        result["spatial"] = {"bbox": [box], "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}
    if collection.time_path and found["first"] is not None:
        result["temporal"] = {
            "interval": [[format_instant(found["first"]), format_instant(found["last"])]],
            "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian",
        }
    return result
