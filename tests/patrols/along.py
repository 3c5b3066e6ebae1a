"""A point a given distance along a WGS84 line: walks along demo reaches for the page and
browser tests (metres on a local flat projection, near enough over a few kilometres)."""

from __future__ import annotations

import math


def along(line: list[list[float]], metres: float) -> tuple[float, float]:
    lat0 = math.radians(line[0][1])
    kx, ky = 111_320 * math.cos(lat0), 110_540
    left = metres
    for (x1, y1), (x2, y2) in zip(line, line[1:], strict=False):
        step = math.hypot((x2 - x1) * kx, (y2 - y1) * ky)
        if left <= step:
            f = left / step if step else 0
            return x1 + (x2 - x1) * f, y1 + (y2 - y1) * f
        left -= step
    return line[-1][0], line[-1][1]
