"""Which reach a point belongs to: the nearest reach within a distance, from a cached index.

The index is rebuilt in a process when the reach geometry version (bumped by the reach service)
changes, so every process answers from memory at thousands of lookups per second.
"""

from __future__ import annotations

import threading
import uuid

import numpy as np

from riverchief.core import settings_store
from riverchief.geo import shapes
from riverchief.geo.nearest import NearestIndex
from riverchief.registry.models import Reach

VERSION_KEY = "reach_geometry_version"
DEFAULT_MAX_DISTANCE_M = 500.0

_lock = threading.Lock()
_cache: dict[str, object] = {"version": None, "index": None}


def bump_version() -> None:
    """Called by services after a reach's geometry changes (inside their transaction).

    A random token, not a counter: a rolled-back change must not leave a version number that a
    later change reuses while this process still holds the index built for the first one.
    """
    settings_store.put(VERSION_KEY, uuid.uuid4().hex)


def _build() -> NearestIndex:
    items = []
    for reach_id, geometry in Reach.objects.exclude(geometry__isnull=True).values_list(
        "id", "geometry"
    ):
        items.append((reach_id, shapes.parse(geometry, ("LineString", "MultiLineString"))))
    return NearestIndex(items)


def index() -> NearestIndex:
    version = settings_store.get(VERSION_KEY, 0)
    with _lock:
        if _cache["index"] is None or _cache["version"] != version:
            _cache["index"] = _build()
            _cache["version"] = version
        return _cache["index"]  # type: ignore[return-value]


def nearest_reach_id(lon: float, lat: float, max_distance_m: float = DEFAULT_MAX_DISTANCE_M):
    """(reach id, metres) of the nearest reach within the limit, or None."""
    return index().nearest(lon, lat, max_distance_m)


def nearest_reach_ids(lons, lats, max_distance_m: float = DEFAULT_MAX_DISTANCE_M):
    return index().nearest_many(np.asarray(lons), np.asarray(lats), max_distance_m)
