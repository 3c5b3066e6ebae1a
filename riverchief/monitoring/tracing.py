"""Upstream of a section: the reaches, outfalls, intakes, other facilities and open problems that
feed it, ordered by distance along the rivers (what a chief looks at when a section goes bad).

The network is the registry's: water bodies with their lines (source → mouth) and their `parent`
(tributary of). Scope: the section must be visible to the caller; the registry objects upstream
are listed within the section's county (the shared ledger of the county, as the public reach
pages publish it), open problems only where the caller may see them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from shapely.geometry import Point

from riverchief.core import divcodes
from riverchief.geo import projection, shapes
from riverchief.monitoring.network import Network, River, as_line
from riverchief.registry.models import Facility, Reach, WaterBody

LATERAL_LIMIT_M = 3000.0  # a facility or problem farther than this from its river is not on it


@dataclass
class Upstream:
    section: str
    water_body: str | None
    chainage_m: float | None
    max_m: float
    reaches: list[dict[str, Any]] = field(default_factory=list)
    outfalls: list[dict[str, Any]] = field(default_factory=list)
    intakes: list[dict[str, Any]] = field(default_factory=list)
    facilities: list[dict[str, Any]] = field(default_factory=list)
    problems: list[dict[str, Any]] = field(default_factory=list)
    rivers: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "section": self.section,
            "water_body": self.water_body,
            "chainage_m": self.chainage_m,
            "max_m": self.max_m,
            "rivers": self.rivers,
            "reaches": self.reaches,
            "outfalls": self.outfalls,
            "intakes": self.intakes,
            "facilities": self.facilities,
            "problems": self.problems,
        }


def _county(code: str) -> str:
    chain = [*divcodes.ancestors(code), code]
    return next((c for c in chain if divcodes.level_of(c) == divcodes.Level.COUNTY), code)


def build_network(zone: int) -> tuple[Network, dict[str, WaterBody]]:
    bodies = {
        row.code: row
        for row in WaterBody.objects.exclude(geometry__isnull=True).select_related("parent")
    }
    rivers: dict[str, River] = {}
    for code, row in bodies.items():
        try:
            line = as_line(
                projection.to_metric(
                    shapes.parse(row.geometry, ("LineString", "MultiLineString")), zone
                )
            )
        except shapes.GeometryError:
            line = None
        if line is None:
            continue
        rivers[code] = River(code, line, row.parent.code if row.parent_id else None)
    return Network(rivers), bodies


def _point(zone: int, lon: float, lat: float) -> Point:
    x, y = projection._transformer(zone).transform(lon, lat)
    return Point(x, y)


def upstream(user, section: Facility, max_m: float = 50_000.0) -> Upstream:
    """Everything upstream of the section within `max_m` along the rivers, nearest first."""
    from riverchief.problems.models import Problem
    from riverchief.problems.states import OPEN_STATES

    water_body = section.water_body or (section.reach.water_body if section.reach_id else None)
    result = Upstream(section.code, water_body.code if water_body else None, None, max_m)
    if water_body is None or section.lon is None or section.lat is None:
        return result
    zone = projection.utm_zone(section.lon)
    network, bodies = build_network(zone)
    if water_body.code not in network.rivers:
        return result
    origin_river = network.rivers[water_body.code]
    chainage = origin_river.chainage(_point(zone, section.lon, section.lat))
    result.chainage_m = round(chainage, 1)
    feeding = network.upstream_rivers(water_body.code, chainage)
    origin = (water_body.code, chainage)
    for code, distance in sorted(feeding.items(), key=lambda item: item[1]):
        if distance <= max_m:
            result.rivers.append(
                {"code": code, "name": bodies[code].name, "distance_m": round(distance, 1)}
            )
    county = _county(section.division.code)
    low, high = divcodes.subtree_bounds(county)

    def distance_of(river: str, lon: float | None, lat: float | None) -> float | None:
        if lon is None or lat is None or river not in feeding:
            return None
        point = _point(zone, lon, lat)
        if network.rivers[river].offset(point) > LATERAL_LIMIT_M:
            return None
        found = network.upstream_distance(origin, feeding, river, point)
        return None if found is None or found > max_m else round(found, 1)

    reaches = Reach.objects.filter(
        water_body__code__in=list(feeding), division__code__gte=low, division__code__lte=high
    ).select_related("water_body", "division")
    for reach in reaches:
        line = (
            as_line(
                projection.to_metric(
                    shapes.parse(reach.geometry, ("LineString", "MultiLineString")), zone
                )
            )
            if reach.geometry
            else None
        )
        if line is None:
            continue
        river = network.rivers[reach.water_body.code]
        ends = [river.chainage(Point(line.coords[0])), river.chainage(Point(line.coords[-1]))]
        if reach.water_body.code == water_body.code:
            if min(ends) > chainage:
                continue  # downstream of the section
            found = max(0.0, chainage - max(ends))  # 0: the section lies on this reach
        else:
            found = feeding[reach.water_body.code] + (river.length - max(ends))
        if found > max_m:
            continue
        result.reaches.append(
            {
                "code": reach.code,
                "name": reach.name,
                "level": reach.level,
                "division_code": reach.division.code,
                "water_body_code": reach.water_body.code,
                "distance_m": round(found, 1),
                "geometry": reach.geometry,
            }
        )
    facilities = (
        Facility.objects.filter(division__code__gte=low, division__code__lte=high)
        .exclude(pk=section.pk)
        .select_related("water_body", "reach__water_body", "division")
    )
    for facility in facilities:
        body = facility.water_body or (facility.reach.water_body if facility.reach_id else None)
        if body is None:
            continue
        found = distance_of(body.code, facility.lon, facility.lat)
        if found is None:
            continue
        record = {
            "code": facility.code,
            "name": facility.name,
            "kind": facility.kind,
            "water_body_code": body.code,
            "distance_m": found,
            "lon": facility.lon,
            "lat": facility.lat,
            "details": facility.details,
        }
        if facility.kind == "outfall":
            result.outfalls.append(record)
        elif facility.kind == "intake":
            result.intakes.append(record)
        else:
            result.facilities.append(record)
    problems = (
        Problem.objects.visible_to(user)
        .filter(state__in=OPEN_STATES, reach__water_body__code__in=list(feeding))
        .select_related("reach__water_body", "category")
    )
    for problem in problems:
        found = distance_of(problem.reach.water_body.code, problem.lon, problem.lat)
        if found is None:
            continue
        result.problems.append(
            {
                "id": problem.pk,
                "number": problem.number,
                "category": problem.category.name,
                "state": problem.state,
                "description": problem.description[:200],
                "distance_m": found,
                "lon": problem.lon,
                "lat": problem.lat,
            }
        )
    for rows in (
        result.reaches,
        result.outfalls,
        result.intakes,
        result.facilities,
        result.problems,
    ):
        rows.sort(key=lambda row: (row["distance_m"], str(row.get("code", row.get("id")))))
    return result
