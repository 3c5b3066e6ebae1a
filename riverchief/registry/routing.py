"""Which reach a point belongs to: the nearest reach within a distance, from a cached index.

The index is rebuilt in a process when the reach geometry version (bumped by the reach service)
changes, so every process answers from memory at thousands of lookups per second. A process asks
for the version at most every VERSION_CHECK_S seconds (at once after its own bump): the question
is a database round trip, several times the cost of the lookup itself.
"""

from __future__ import annotations

import threading
import time
import uuid

import numpy as np
import shapely
from django.db.models import TextField
from django.db.models.functions import Cast

from riverchief.core import settings_store
from riverchief.geo.nearest import NearestIndex
from riverchief.registry.models import Reach

VERSION_KEY = "reach_geometry_version"
DEFAULT_MAX_DISTANCE_M = 500.0
# How long a process answers from its index before asking whether reach geometry changed.
VERSION_CHECK_S = 2.0
LINE_TYPES = (shapely.GeometryType.LINESTRING, shapely.GeometryType.MULTILINESTRING)

_lock = threading.Lock()
_cache: dict[str, object] = {"version": None, "index": None, "checked": 0.0}


def bump_version() -> None:
    """Called by services after a reach's geometry changes (inside their transaction).

    A random token, not a counter: a rolled-back change must not leave a version number that a
    later change reuses while this process still holds the index built for the first one.
    """
    settings_store.put(VERSION_KEY, uuid.uuid4().hex)
    _cache["checked"] = 0.0  # this process asks again at its next lookup


# Overlapping reaches of one river (county, township, village): a point belongs to the most
# local one, whose chief acts first.
LEVEL_PRIORITY = {"province": 0, "city": 1, "county": 2, "township": 3, "village": 4}


def _build() -> NearestIndex:
    """Every reach line, read as its stored GeoJSON text and parsed in one vectorised call.

    Stored geometry was checked when it was saved; a row that is not a line is left out rather
    than making routing fail for everybody.
    """
    rows = (
        Reach.objects.exclude(geometry__isnull=True)
        .annotate(geometry_text=Cast("geometry", TextField()))
        .values_list("id", "geometry_text", "level")
    )
    ids, texts, priorities = [], [], []
    for reach_id, text, level in rows.iterator(chunk_size=5000):
        ids.append(reach_id)
        texts.append(text)
        priorities.append(LEVEL_PRIORITY.get(level, 0))
    geometries = shapely.from_geojson(np.array(texts, dtype=object), on_invalid="ignore")
    lines = np.isin(shapely.get_type_id(geometries), LINE_TYPES) & ~shapely.is_empty(geometries)
    return NearestIndex(
        list(zip(np.array(ids)[lines].tolist(), geometries[lines], strict=True)),
        priorities=np.array(priorities)[lines].tolist(),
    )


def index() -> NearestIndex:
    cached = _cache["index"]
    fresh = time.monotonic() - _cache["checked"] < VERSION_CHECK_S  # type: ignore[operator]
    if cached is not None and _cache["version"] is not None and fresh:
        return cached  # type: ignore[return-value]
    version = settings_store.get(VERSION_KEY, 0)
    with _lock:
        if _cache["index"] is None or _cache["version"] != version:
            _cache["index"] = _build()
            _cache["version"] = version
        _cache["checked"] = time.monotonic()
        return _cache["index"]  # type: ignore[return-value]


def nearest_reach_id(lon: float, lat: float, max_distance_m: float = DEFAULT_MAX_DISTANCE_M):
    """(reach id, metres) of the nearest reach within the limit, or None."""
    return index().nearest(lon, lat, max_distance_m)


def nearest_reach_ids(lons, lats, max_distance_m: float = DEFAULT_MAX_DISTANCE_M):
    return index().nearest_many(np.asarray(lons), np.asarray(lats), max_distance_m)
