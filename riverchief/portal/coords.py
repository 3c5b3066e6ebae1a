"""Coordinates a phone sends: GCJ-02 (Chinese phone maps) to WGS84, only for points in China.

Pure: no Django. GCJ-02 is defined only inside China; outside it the offset does not apply, so a
point there is returned as sent (and the caller rejects it as outside China). The inverse uses
`prcoords.gcj_wgs_bored` (iterated to a fixed point, ~1e-5 m), see docs/decisions.md.
"""

from __future__ import annotations

from typing import Final

import prcoords  # type: ignore[import-untyped]

WGS84: Final = "wgs84"
GCJ02: Final = "gcj02"
SYSTEMS: Final = (WGS84, GCJ02)
# The box inside which GCJ-02 applies (the same as prcoords' own sanity check).
GCJ_BOX: Final = (72.004, 0.8293, 137.8347, 55.8271)


def gcj_applies(lon: float, lat: float) -> bool:
    return GCJ_BOX[0] <= lon <= GCJ_BOX[2] and GCJ_BOX[1] <= lat <= GCJ_BOX[3]


def to_wgs84(lon: float, lat: float, system: str) -> tuple[float, float]:
    """(lon, lat) on WGS84; `system` is WGS84 or GCJ02 (anything else raises ValueError)."""
    if system == WGS84:
        return lon, lat
    if system != GCJ02:
        raise ValueError(f"unknown coordinate system {system!r}")
    if not gcj_applies(lon, lat):
        return lon, lat
    wgs = prcoords.gcj_wgs_bored(prcoords.Coords(lat, lon))
    return round(float(wgs.lon), 7), round(float(wgs.lat), 7)
