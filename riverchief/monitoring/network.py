"""A river network for upstream tracing: rivers as metric lines, tributaries joined at the point
where their mouth meets the parent. Pure Python (shapely), no Django.

Every line runs from source to mouth (as the registry draws them: a reach's chainage is measured
from the water body's source). A position on the network is (river, chainage in metres from its
source). The distance upstream from a position (river R, chainage c) to a point (river T,
chainage x) is c − x on R itself (x ≤ c), and for a tributary joining R at chainage j ≤ c,
(c − j) + (length of T − x); sub-tributaries add up the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from shapely.geometry import LineString, MultiLineString, Point
from shapely.geometry.base import BaseGeometry
from shapely.ops import linemerge


@dataclass
class River:
    code: str
    line: LineString  # metric, source → mouth
    parent: str | None = None
    joins_at: float | None = None  # chainage on the parent where the mouth meets it
    tributaries: list[str] = field(default_factory=list)

    @property
    def length(self) -> float:
        return float(self.line.length)

    def chainage(self, point: Point) -> float:
        return float(self.line.project(point))

    def offset(self, point: Point) -> float:
        return float(self.line.distance(point))


def as_line(geometry: BaseGeometry) -> LineString | None:
    """A single line from a LineString or a MultiLineString that joins up; else its longest part."""
    if isinstance(geometry, LineString):
        return geometry
    if isinstance(geometry, MultiLineString):
        merged = linemerge(geometry)
        if isinstance(merged, LineString):
            return merged
        parts = list(getattr(merged, "geoms", []))
        return max(parts, key=lambda part: part.length) if parts else None
    return None


class Network:
    """Rivers by code; `upstream_distance` answers how far upstream a point lies, or None."""

    def __init__(self, rivers: dict[str, River]):
        self.rivers = rivers
        for river in rivers.values():
            parent = rivers.get(river.parent or "")
            if parent is None:
                river.parent = None
                continue
            mouth = Point(river.line.coords[-1])
            river.joins_at = parent.chainage(mouth)
            parent.tributaries.append(river.code)

    def upstream_rivers(self, code: str, chainage: float) -> dict[str, float]:
        """Every river upstream of (code, chainage) → the distance from there to its mouth
        (0 for the river itself, whose points are measured from `chainage`)."""
        found: dict[str, float] = {code: 0.0}
        stack = [(code, chainage, 0.0)]
        while stack:
            river_code, at, base = stack.pop()
            for child_code in self.rivers[river_code].tributaries:
                child = self.rivers[child_code]
                if child.joins_at is None or child.joins_at > at or child_code in found:
                    continue
                distance = base + (at - child.joins_at)
                found[child_code] = distance
                stack.append((child_code, child.length, distance))
        return found

    def upstream_distance(
        self, origin: tuple[str, float], upstream: dict[str, float], river: str, point: Point
    ) -> float | None:
        """Metres along the rivers from the origin up to the point on `river`; None if the point
        is not upstream (downstream on the same river, or on a river that does not feed it)."""
        if river not in upstream:
            return None
        target = self.rivers[river]
        x = target.chainage(point)
        if river == origin[0]:
            return origin[1] - x if x <= origin[1] else None
        return upstream[river] + (target.length - x)
