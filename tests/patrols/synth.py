"""Synthetic tracks for the patrol tests: walks along a line at a set speed, with GPS noise."""

from __future__ import annotations

import numpy as np
from pyproj import Geod

GEOD = Geod(ellps="WGS84")
T0 = 1_780_000_000_000  # 2026-05-28 20:26:40 UTC
START = (111.396, 35.50)  # inside 东刘家村; a 2 km line east stays inside


def east(lon: float, lat: float, metres: float) -> tuple[float, float]:
    x, y, _back = GEOD.fwd(lon, lat, 90.0, metres)
    return float(x), float(y)


def north(lon: float, lat: float, metres: float) -> tuple[float, float]:
    x, y, _back = GEOD.fwd(lon, lat, 0.0, metres)
    return float(x), float(y)


def walk(
    metres: float,
    speed_mps: float = 1.25,
    every_s: float = 1.0,
    start: tuple[float, float] = START,
    t0: int = T0,
    noise_m: float = 0.0,
    accuracy: float = 5.0,
    seed: int = 1,
    azimuth: float = 90.0,
) -> list[list[float]]:
    """Points [lon, lat, t_ms, accuracy] walking `metres` along `azimuth` from `start`."""
    rng = np.random.default_rng(seed)
    seconds = metres / speed_mps
    count = int(seconds / every_s) + 1
    points = []
    for i in range(count):
        along = min(metres, i * every_s * speed_mps)
        lon, lat, _b = GEOD.fwd(start[0], start[1], azimuth, along)
        if noise_m:
            dx, dy = rng.normal(0, noise_m, 2)
            lon, lat, _b = GEOD.fwd(lon, lat, 90.0, dx)
            lon, lat, _b = GEOD.fwd(lon, lat, 0.0, dy)
        points.append([float(lon), float(lat), int(t0 + i * every_s * 1000), accuracy])
    return points


def line(metres: float, start: tuple[float, float] = START, pieces: int = 10) -> list[list[float]]:
    """A straight reach line eastwards, as GeoJSON coordinates."""
    return [list(east(start[0], start[1], metres * i / pieces)) for i in range(pieces + 1)]


def geodesic_length(points: list[list[float]]) -> float:
    lons = [p[0] for p in points]
    lats = [p[1] for p in points]
    return float(GEOD.line_length(lons, lats))
