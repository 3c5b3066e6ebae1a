"""Nearest reach to a point: an STRtree over reach lines in metres, with a maximum distance.

Built once from (id, geometry) pairs and queried many times (routing a problem to its reach,
matching a patrol to a reach). Bulk queries run vectorised through shapely.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry
from shapely.strtree import STRtree

from riverchief.geo.projection import points_to_metric, to_metric, utm_zone


class NearestIndex:
    """Answers 'which line is closest to this lon/lat, within d metres?'."""

    def __init__(self, items: Sequence[tuple[int, BaseGeometry]], zone: int | None = None):
        self.ids = np.array([item_id for item_id, _geometry in items], dtype=np.int64)
        geometries = [geometry for _item_id, geometry in items]
        if zone is None:
            zone = utm_zone(float(np.mean([g.centroid.x for g in geometries]))) if items else 49
        self.zone = zone
        self.geometries = np.array([to_metric(g, zone) for g in geometries], dtype=object)
        self.tree = STRtree(self.geometries)

    def __len__(self) -> int:
        return len(self.ids)

    def nearest(self, lon: float, lat: float, max_distance_m: float) -> tuple[int, float] | None:
        """The nearest item's id and distance in metres, or None if none lies within the limit."""
        found = self.nearest_many(np.array([lon]), np.array([lat]), max_distance_m)
        item_id, distance = found[0]
        return None if item_id < 0 else (int(item_id), float(distance))

    def nearest_many(
        self, lons: np.ndarray, lats: np.ndarray, max_distance_m: float
    ) -> list[tuple[int, float]]:
        """For each point, (id, metres) of the nearest item, or (-1, inf) beyond the limit."""
        if len(self.ids) == 0:
            return [(-1, float("inf"))] * len(lons)
        x, y = points_to_metric(
            np.asarray(lons, dtype=float), np.asarray(lats, dtype=float), self.zone
        )
        points = shapely.points(x, y)
        (point_index, tree_index), distances = self.tree.query_nearest(
            points, max_distance=max_distance_m, return_distance=True, all_matches=False
        )
        result: list[tuple[int, float]] = [(-1, float("inf"))] * len(lons)
        for p, t, d in zip(point_index, tree_index, distances, strict=True):
            result[int(p)] = (int(self.ids[t]), float(d))
        return result
