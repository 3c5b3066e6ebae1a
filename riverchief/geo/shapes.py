"""GeoJSON in, validated shapely geometry out; lengths and distances in metres."""

from __future__ import annotations

import json
from typing import Any

import shapely
from pyproj import Geod
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

GEOD = Geod(ellps="WGS84")

# A generous box around China's territory (lon 73–136 E, lat 3–54 N).
CHINA = (73.0, 3.0, 136.0, 54.0)


class GeometryError(ValueError):
    """A geometry that cannot be stored; the reason in Chinese and English."""

    def __init__(self, zh: str, en: str):
        super().__init__(en)
        self.zh, self.en = zh, en


def in_china(lon: float, lat: float) -> bool:
    return CHINA[0] <= lon <= CHINA[2] and CHINA[1] <= lat <= CHINA[3]


def check_point(lon: Any, lat: Any) -> tuple[float, float]:
    """A lon/lat pair inside China; says so when the two look swapped."""
    try:
        x, y = float(lon), float(lat)
    except (TypeError, ValueError):
        raise GeometryError("经纬度应为数字", "longitude and latitude must be numbers") from None
    if in_china(x, y):
        return x, y
    if in_china(y, x):
        raise GeometryError(
            "经纬度可能写反了（应为经度、纬度）", "longitude and latitude look swapped"
        )
    raise GeometryError("坐标不在中国境内", "the coordinates lie outside China")


def parse(data: Any, allowed: tuple[str, ...]) -> BaseGeometry:
    """Parse a GeoJSON geometry (dict or text) of one of the allowed types, and check it."""
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except json.JSONDecodeError:
            raise GeometryError(
                "几何不是有效的 GeoJSON", "the geometry is not valid GeoJSON"
            ) from None
    if isinstance(data, dict) and data.get("type") == "Feature":
        data = data.get("geometry")
    if not isinstance(data, dict) or "type" not in data:
        raise GeometryError("几何不是有效的 GeoJSON", "the geometry is not valid GeoJSON")
    if data["type"] not in allowed:
        raise GeometryError(
            f"几何类型应为 {'、'.join(allowed)}", f"the geometry must be a {' or '.join(allowed)}"
        )
    try:
        geometry = shape(data)
    except (ValueError, TypeError, AttributeError, IndexError, KeyError):
        raise GeometryError(
            "几何坐标格式错误", "the geometry's coordinates are malformed"
        ) from None
    if geometry.is_empty:
        raise GeometryError("几何为空", "the geometry is empty")
    if geometry.has_z:
        geometry = shapely.force_2d(geometry)
    coordinates = shapely.get_coordinates(geometry)
    if not all(in_china(x, y) for x, y in coordinates):
        if all(in_china(y, x) for x, y in coordinates):
            raise GeometryError(
                "经纬度可能写反了（GeoJSON 应为 [经度, 纬度]）",
                "longitude and latitude look swapped (GeoJSON is [lon, lat])",
            )
        raise GeometryError(
            "几何有点位不在中国境内", "some points of the geometry lie outside China"
        )
    if not geometry.is_valid:
        reason = shapely.is_valid_reason(geometry)
        raise GeometryError(f"几何无效：{reason}", f"the geometry is invalid: {reason}")
    if geometry.geom_type in ("LineString", "MultiLineString") and not geometry.is_simple:
        raise GeometryError("线自相交", "the line intersects itself")
    return geometry


def length_m(geometry: BaseGeometry) -> float:
    """Geodesic length on the WGS84 ellipsoid, in metres (perimeter for polygons)."""
    return float(GEOD.geometry_length(geometry))


def area_km2(geometry: BaseGeometry) -> float:
    area, _perimeter = GEOD.geometry_area_perimeter(geometry)
    return abs(float(area)) / 1e6


def bounds(geometry: BaseGeometry) -> tuple[float, float, float, float]:
    min_lon, min_lat, max_lon, max_lat = geometry.bounds
    return float(min_lon), float(min_lat), float(max_lon), float(max_lat)


def to_geojson(geometry: BaseGeometry, precision: int = 6) -> dict[str, Any]:
    """GeoJSON with coordinates rounded (6 decimals ≈ 0.1 m), as stored and served."""
    rounded = shapely.set_precision(geometry, 10**-precision, mode="pointwise")
    return dict(mapping(rounded))


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    _az1, _az2, distance = GEOD.inv(lon1, lat1, lon2, lat2)
    return float(distance)


def share_within(inner: BaseGeometry, outer: BaseGeometry, tolerance_m: float) -> float:
    """Share (0–1) of `inner`'s length lying within `tolerance_m` of polygon `outer`."""
    from riverchief.geo.projection import to_metric

    inner_m, outer_m = to_metric(inner), to_metric(outer)
    if inner_m.length == 0:
        return 1.0 if outer_m.buffer(tolerance_m).contains(inner_m) else 0.0
    return float(inner_m.intersection(outer_m.buffer(tolerance_m)).length / inner_m.length)
