"""Nearest reach: checked against brute force, and overlapping reaches resolve to the most local."""

import numpy as np
import pytest
from pyproj import Geod
from shapely.geometry import LineString

from riverchief.geo.nearest import NearestIndex

GEOD = Geod(ellps="WGS84")


def _lines(count: int, seed: int = 1) -> list[tuple[int, LineString]]:
    rng = np.random.default_rng(seed)
    lines = []
    for item in range(count):
        lon, lat = 111.4 + rng.random() * 0.5, 35.3 + rng.random() * 0.4
        steps = rng.normal(0, 0.002, size=(8, 2)).cumsum(axis=0)
        lines.append((item, LineString(np.column_stack([lon + steps[:, 0], lat + steps[:, 1]]))))
    return lines


def _brute_force(lines, lon, lat, limit):
    """Geodesic distance to each line's closest vertex-interpolated point, independently."""
    best = None
    for item, line in lines:
        # Densify the line and take the geodesic distance to the closest sample.
        samples = [line.interpolate(f, normalized=True) for f in np.linspace(0, 1, 400)]
        metres = min(GEOD.inv(lon, lat, p.x, p.y)[2] for p in samples)
        if metres <= limit and (best is None or metres < best[1]):
            best = (item, metres)
    return best


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_nearest_agrees_with_brute_force(seed):
    lines = _lines(40, seed)
    index = NearestIndex(lines)
    rng = np.random.default_rng(seed + 100)
    lons = 111.4 + rng.random(25) * 0.5
    lats = 35.3 + rng.random(25) * 0.4
    bulk = index.nearest_many(lons, lats, 3000)
    for lon, lat, (bulk_id, bulk_metres) in zip(lons, lats, bulk, strict=True):
        expected = _brute_force(lines, lon, lat, 3000)
        single = index.nearest(lon, lat, 3000)
        if expected is None:
            assert single is None and bulk_id == -1
            continue
        # UTM (scale factor 0.9996 at the central meridian) against sampled geodesic distances.
        assert single is not None and single[0] == expected[0] == bulk_id
        assert single[1] == pytest.approx(expected[1], rel=2e-3, abs=1.0)
        assert bulk_metres == pytest.approx(single[1], abs=1e-6)


def test_a_point_on_overlapping_reaches_goes_to_the_most_local_one():
    river = LineString([(111.40, 35.50), (111.45, 35.50), (111.50, 35.50)])
    township = LineString([(111.42, 35.50), (111.45, 35.50), (111.48, 35.50)])
    village = LineString([(111.44, 35.50), (111.45, 35.50), (111.46, 35.50)])
    index = NearestIndex([(1, river), (2, township), (3, village)], priorities=[2, 3, 4])
    assert index.nearest(111.452, 35.5003, 500)[0] == 3
    assert index.nearest(111.43, 35.5003, 500)[0] == 2  # outside the village stretch
    assert index.nearest(111.41, 35.5003, 500)[0] == 1
    bulk = index.nearest_many(np.array([111.452, 111.43, 111.41]), np.array([35.5003] * 3), 500)
    assert [item for item, _metres in bulk] == [3, 2, 1]
    # With a large search distance the bulk path switches strategy; same answers.
    far = index.nearest_many(np.array([111.452, 111.43]), np.array([35.5003] * 2), 1e6)
    assert [item for item, _metres in far] == [3, 2]
