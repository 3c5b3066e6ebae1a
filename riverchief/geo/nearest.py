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

from riverchief.geo.projection import points_to_metric, utm_zone

# Bulk queries gather every line whose box lies within the maximum distance and measure them
# all at once, about three times faster than the tree's nearest search while the candidates
# are few; with a large distance they are not, and the nearest search is used instead.
MAX_CANDIDATES_PER_POINT = 32.0
CHUNK = 10_000  # points per vectorised step: bounds the memory of the candidate pairs
# Lines this much farther than the nearest still count as "as near": a village reach drawn on
# the same river as its township and county reaches wins by priority, not by rounding noise.
TIE_M = 5.0

# (point positions, item positions, metres) of the points that found an item.
_Found = tuple[np.ndarray, np.ndarray, np.ndarray]


class NearestIndex:
    """Answers 'which line is closest to this lon/lat, within d metres?'."""

    def __init__(
        self,
        items: Sequence[tuple[int, BaseGeometry]],
        zone: int | None = None,
        priorities: Sequence[int] | None = None,
    ):
        """`priorities`: among lines within TIE_M of the nearest, the highest wins (the deepest
        division's reach); without them the nearest line wins."""
        self.ids = np.array([item_id for item_id, _geometry in items], dtype=np.int64)
        self.priorities = (
            np.asarray(priorities, dtype=np.int64)
            if priorities is not None
            else np.zeros(len(items), dtype=np.int64)
        )
        geometries = np.array([geometry for _item_id, geometry in items], dtype=object)
        if zone is None:
            centre = float(np.mean(shapely.get_x(shapely.centroid(geometries)))) if items else 0
            zone = utm_zone(centre) if items else 49
        self.zone = zone

        def project(coordinates: np.ndarray) -> np.ndarray:
            x, y = points_to_metric(coordinates[:, 0], coordinates[:, 1], zone)
            return np.column_stack([x, y])

        # One projection call for every vertex of every line.
        self.geometries = shapely.transform(geometries, project) if items else geometries
        self.tree = STRtree(self.geometries)
        self._density = _density(self.geometries)

    def __len__(self) -> int:
        return len(self.ids)

    def nearest(self, lon: float, lat: float, max_distance_m: float) -> tuple[int, float] | None:
        """The nearest item's id and distance in metres, or None if none lies within the limit."""
        if len(self.ids) == 0:
            return None
        x, y = points_to_metric(
            np.array([lon], dtype=float), np.array([lat], dtype=float), self.zone
        )
        point = shapely.points(x, y)
        (_point, found), distances = self.tree.query_nearest(
            point, max_distance=max_distance_m, return_distance=True, all_matches=False
        )
        if len(found) == 0:
            return None
        # Everything as near as the nearest (within TIE_M), then the highest priority.
        limit = min(float(distances[0]) + TIE_M, max_distance_m)
        _points, items = self.tree.query(point, predicate="dwithin", distance=limit)
        metres = shapely.distance(point[0], self.geometries[items])
        best = np.lexsort((metres, -self.priorities[items]))[0]
        return int(self.ids[items[best]]), float(metres[best])

    def nearest_many(
        self, lons: np.ndarray, lats: np.ndarray, max_distance_m: float
    ) -> list[tuple[int, float]]:
        """For each point, (id, metres) of the nearest item, or (-1, inf) beyond the limit."""
        count = len(lons)
        found = np.full(count, -1, dtype=np.int64)
        distances = np.full(count, np.inf)
        if len(self.ids) and count:
            x, y = points_to_metric(
                np.asarray(lons, dtype=float), np.asarray(lats, dtype=float), self.zone
            )
            search = self._within if self._few_candidates(max_distance_m) else self._nearest
            for start in range(0, count, CHUNK):
                part = slice(start, start + CHUNK)
                points, items, metres = search(x[part], y[part], max_distance_m)
                found[start + points] = self.ids[items]
                distances[start + points] = metres
        return list(zip(found.tolist(), distances.tolist(), strict=True))

    def _few_candidates(self, max_distance_m: float) -> bool:
        width, height, per_area = self._density
        expected = (width + 2 * max_distance_m) * (height + 2 * max_distance_m) * per_area
        return expected <= MAX_CANDIDATES_PER_POINT

    def _within(self, x: np.ndarray, y: np.ndarray, limit: float) -> _Found:
        """Every line whose box meets the point's ±limit square, measured; the closest kept."""
        d = limit
        points, items = self.tree.query(shapely.box(x - d, y - d, x + d, y + d))
        metres = shapely.distance(shapely.points(x, y)[points], self.geometries[items])
        close = metres <= limit
        return self._best(points[close], items[close], metres[close], len(x))

    def _best(
        self, points: np.ndarray, items: np.ndarray, metres: np.ndarray, count: int
    ) -> _Found:
        """Per point: among candidates within TIE_M of its nearest, the highest priority, then
        the closest."""
        nearest = np.full(count, np.inf)
        np.minimum.at(nearest, points, metres)
        tied = metres <= nearest[points] + TIE_M
        points, items, metres = points[tied], items[tied], metres[tied]
        order = np.lexsort((metres, -self.priorities[items], points))
        points, items, metres = points[order], items[order], metres[order]
        first = np.ones(len(points), dtype=bool)
        first[1:] = points[1:] != points[:-1]
        return points[first], items[first], metres[first]

    def _nearest(self, x: np.ndarray, y: np.ndarray, limit: float) -> _Found:
        geometries = shapely.points(x, y)
        (points, _items), metres = self.tree.query_nearest(
            geometries, max_distance=limit, return_distance=True, all_matches=False
        )
        # Gather the lines as near as each point's nearest, to prefer the highest priority.
        reach = np.minimum(metres + TIE_M, limit)
        pairs_points, pairs_items = self.tree.query(
            geometries[points], predicate="dwithin", distance=reach
        )
        pairs_points = points[pairs_points]
        pair_metres = shapely.distance(geometries[pairs_points], self.geometries[pairs_items])
        return self._best(pairs_points, pairs_items, pair_metres, len(x))


def _density(geometries: np.ndarray) -> tuple[float, float, float]:
    """(mean box width, mean box height, boxes per square metre of the whole extent): enough
    to guess how many boxes a square around a point meets."""
    if len(geometries) == 0:
        return 0.0, 0.0, 0.0
    bounds = shapely.bounds(geometries)
    width = float(np.mean(bounds[:, 2] - bounds[:, 0]))
    height = float(np.mean(bounds[:, 3] - bounds[:, 1]))
    extent = (bounds[:, 2].max() - bounds[:, 0].min()) * (bounds[:, 3].max() - bounds[:, 1].min())
    return width, height, len(geometries) / max(float(extent), 1.0)
