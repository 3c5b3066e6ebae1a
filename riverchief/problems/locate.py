"""Where a reported point belongs: its reach, the division that handles it, and whether it lies
outside the reporter's county (位置超出辖区: accepted all the same, and routed to the office)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Max, Min
from django.utils.translation import gettext_lazy as _
from shapely.geometry import Point

from riverchief.core import divcodes
from riverchief.core.errors import NotFound
from riverchief.geo import shapes
from riverchief.registry import routing
from riverchief.registry.models import Division, Reach

MAX_REACH_DISTANCE_M = 500.0
AREA_TYPES = ("Polygon", "MultiPolygon")
# The reach's line and its division's outline: placing a point needs neither (the distance comes
# from the routing index, the outline that matters is the county's).
OUTLINES = ("geometry", "division__geometry")
# Without outlines, the county's reaches' box grown by the reach distance (~500 m in degrees).
REACH_BOX_MARGIN_DEG = 0.006


def max_reach_distance_m() -> float:
    """How far from a reach a reported point is still placed on it (RIVERCHIEF_REACH_DISTANCE_M)."""
    return float(getattr(settings, "RIVERCHIEF_REACH_DISTANCE_M", MAX_REACH_DISTANCE_M))


@dataclass(frozen=True)
class Placement:
    reach: Reach | None
    distance_m: float | None
    division: Division
    out_of_area: bool


def county_of(division: Division) -> Division:
    """The county holding a division (the division itself when it lies above county level)."""
    code = divcodes.county_code(division.code)
    if code == division.code:
        return division
    return Division.objects.filter(code=code).first() or division


def place(lon: float, lat: float, *, home: Division, reach: Reach | None = None) -> Placement:
    """Find the reach (unless given), decide the handling division and the out-of-area flag.

    `home` is the reporter's division (their scope's root, or the county a public report was
    made to). The handling division is the reach's; without a reach, the smallest division whose
    outline holds the point, else `home`; outside the county, the county itself (its office).
    """
    distance = None
    if reach is None:
        found = routing.nearest_reach_id(lon, lat, max_reach_distance_m())
        if found is not None:
            rows = Reach.objects.select_related("division").defer(*OUTLINES)
            reach = rows.filter(pk=found[0]).first()
            distance = round(found[1], 1)
    county = county_of(home)
    inside = _inside(lon, lat, county, reach)
    if not inside:
        # A reach of another county is not ours to name; the office places it by hand.
        if reach is not None and not divcodes.contains(county.code, reach.division.code):
            reach, distance = None, None
        return Placement(reach, distance, county, True)
    if reach is not None:
        return Placement(reach, distance, reach.division, False)
    return Placement(None, None, _smallest_division(lon, lat, county) or home, False)


def reach_by_code(code: str, viewer) -> Reach:
    queryset = Reach.objects.select_related("division")
    if viewer is not None:
        queryset = queryset.visible_to(viewer)
    reach = queryset.filter(code=code).first()
    if reach is None:
        raise NotFound(_("Unknown reach code."), field="reach_code")
    return reach


def _inside(lon: float, lat: float, county: Division, reach: Reach | None) -> bool:
    if county.geometry:
        try:
            outline = shapes.parse(county.geometry, AREA_TYPES)
        except shapes.GeometryError:
            outline = None
        if outline is not None:
            return bool(outline.covers(Point(lon, lat)))
    if reach is not None and divcodes.contains(county.code, reach.division.code):
        return True
    box = _county_box(county)
    if box is None:
        return True  # nothing to judge by: do not raise a false alarm
    min_lon, min_lat, max_lon, max_lat = box
    return min_lon <= lon <= max_lon and min_lat <= lat <= max_lat


def _county_box(county: Division) -> tuple[float, float, float, float] | None:
    if county.min_lon is not None:
        return county.min_lon, county.min_lat, county.max_lon, county.max_lat
    low, high = divcodes.subtree_bounds(county.code)
    box = Reach.objects.filter(division__code__gte=low, division__code__lte=high).aggregate(
        Min("min_lon"), Min("min_lat"), Max("max_lon"), Max("max_lat")
    )
    if box["min_lon__min"] is None:
        return None
    margin = REACH_BOX_MARGIN_DEG
    return (
        box["min_lon__min"] - margin,
        box["min_lat__min"] - margin,
        box["max_lon__max"] + margin,
        box["max_lat__max"] + margin,
    )


def _smallest_division(lon: float, lat: float, county: Division) -> Division | None:
    """The deepest division under the county whose outline holds the point (outlines loaded)."""
    low, high = divcodes.subtree_bounds(county.code)
    candidates = Division.objects.filter(
        code__gte=low,
        code__lte=high,
        geometry__isnull=False,
        min_lon__lte=lon,
        max_lon__gte=lon,
        min_lat__lte=lat,
        max_lat__gte=lat,
    ).order_by("-level", "code")
    point = Point(lon, lat)
    for division in candidates:
        try:
            if shapes.parse(division.geometry, AREA_TYPES).covers(point):
                return division
        except shapes.GeometryError:
            continue
    return None
