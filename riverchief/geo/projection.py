"""Metric projection for distances: UTM zone 49N (EPSG:32649) covers 绛县 and most of Shanxi.

For other provinces the zone follows the longitude; one zone per geometry keeps errors small.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry


def utm_zone(lon: float) -> int:
    return int((lon + 180) // 6) + 1


@lru_cache(maxsize=16)
def _transformer(zone: int) -> Transformer:
    return Transformer.from_crs("EPSG:4326", f"EPSG:{32600 + zone}", always_xy=True)


def to_metric(geometry: BaseGeometry, zone: int | None = None) -> BaseGeometry:
    """The geometry in metres (UTM, northern hemisphere)."""
    if zone is None:
        zone = utm_zone(geometry.centroid.x)
    transformer = _transformer(zone)

    def project(coordinates: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(coordinates[:, 0], coordinates[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geometry, project)


def points_to_metric(
    lons: np.ndarray, lats: np.ndarray, zone: int
) -> tuple[np.ndarray, np.ndarray]:
    x, y = _transformer(zone).transform(lons, lats)
    return np.asarray(x), np.asarray(y)
