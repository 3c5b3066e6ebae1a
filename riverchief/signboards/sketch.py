"""The sketch map on a signboard: the reach drawn from its geometry inside a box, with its water
body faint around it, start and end marks, a north arrow and a scale bar. Pure: no Django.

Coordinates are projected to local metres (equirectangular about the reach's middle latitude),
which at a reach's few kilometres is exact to far better than the drawing's line width.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

Line = Sequence[tuple[float, float]]
METRES_PER_DEGREE = 111_320.0
NICE_LENGTHS = (50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000)


@dataclass(frozen=True)
class Frame:
    """Maps lon/lat to box coordinates: the reach fitted, centred, with a margin."""

    box: tuple[float, float, float, float]  # x, y, width, height (drawing units)
    centre: tuple[float, float]  # lon, lat
    scale: float  # drawing units per metre
    cos_lat: float

    def point(self, lon: float, lat: float) -> tuple[float, float]:
        x0, y0, width, height = self.box
        dx = (lon - self.centre[0]) * METRES_PER_DEGREE * self.cos_lat
        dy = (lat - self.centre[1]) * METRES_PER_DEGREE
        return x0 + width / 2 + dx * self.scale, y0 + height / 2 + dy * self.scale


def fit(
    lines: Sequence[Line], box: tuple[float, float, float, float], margin: float = 0.12
) -> Frame:
    """The frame that shows every point of `lines` inside `box` (fraction `margin` left free)."""
    points = [point for line in lines for point in line]
    if not points:
        raise ValueError("nothing to draw")
    lons = [p[0] for p in points]
    lats = [p[1] for p in points]
    centre = ((min(lons) + max(lons)) / 2, (min(lats) + max(lats)) / 2)
    cos_lat = math.cos(math.radians(centre[1]))
    span_x = max((max(lons) - min(lons)) * METRES_PER_DEGREE * cos_lat, 1.0)
    span_y = max((max(lats) - min(lats)) * METRES_PER_DEGREE, 1.0)
    usable = 1 - 2 * margin
    scale = min(box[2] * usable / span_x, box[3] * usable / span_y)
    return Frame(box, centre, scale, cos_lat)


def scale_bar(frame: Frame, target_fraction: float = 0.25) -> tuple[int, float]:
    """(metres, drawing length) of a round-numbered bar about `target_fraction` of the width."""
    wanted = frame.box[2] * target_fraction / frame.scale
    metres = min(NICE_LENGTHS, key=lambda n: abs(math.log(n / wanted)))
    return metres, metres * frame.scale


def bar_label(metres: int) -> str:
    return f"{metres // 1000} 公里" if metres >= 1000 else f"{metres} 米"
