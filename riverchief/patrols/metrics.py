"""What a patrol's track measures: duration, distance, coverage of the reach, speeds, gaps and
jumps. Pure: no Django; numpy throughout, one KD-tree query for coverage.

Distances are in metres on the UTM zone of the reach (or of the track), the projection the
registry uses (`riverchief.geo.projection`). Conventions:

- duration: ended − started minus the pauses inside that interval;
- a segment (between two consecutive points) that spans a pause is not walked: it counts for
  neither distance, speed, jumps nor coverage;
- distance: the sum of the other steps between fixes at least 10 s apart (all fixes of a sparse
  track), so 1 Hz jitter does not add up (3 m of noise would add 5–25 % otherwise);
- coverage: the share of the reach's length lying within `coverage_m` (default 100 m) of the
  walked track. The reach is cut into pieces of at most 10 m, each weighted by its length, and
  the track densified to at most `coverage_m / 5`, so the answer is within a few metres of exact;
- speeds: displacement over windows of at least 10 s (so a 5 m GPS jitter at 1 Hz does not read
  as 18 km/h); median and maximum over the windows, in km/h;
- gaps: consecutive points more than `gap_s` (default 60 s) apart outside a pause;
- jumps: segments whose implied speed exceeds `jump_kmh` (default 120 km/h) over a distance
  larger than 100 m and than twice the two fixes' accuracy.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import numpy.typing as npt
from pyproj import Transformer
from scipy.spatial import cKDTree  # type: ignore[import-untyped]

from riverchief.patrols.track import Track

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

REACH_STEP_M = 10.0


def utm_zone(lon: float) -> int:
    """The UTM zone of a longitude, as `riverchief.geo.projection` chooses it."""
    return int((lon + 180) // 6) + 1


@lru_cache(maxsize=16)
def _transformer(zone: int) -> Transformer:
    return Transformer.from_crs("EPSG:4326", f"EPSG:{32600 + zone}", always_xy=True)


def points_to_metric(lon: FloatArray, lat: FloatArray, zone: int) -> tuple[FloatArray, FloatArray]:
    x, y = _transformer(zone).transform(lon, lat)
    return np.asarray(x, np.float64), np.asarray(y, np.float64)


@dataclass(frozen=True)
class ReachShape:
    """A reach projected to metres and cut into weighted samples, reusable across patrols."""

    zone: int
    samples: FloatArray  # (M, 2) piece midpoints
    weights: FloatArray  # (M,) piece lengths
    length_m: float
    tree: cKDTree


def reach_shape(lines: Sequence[Sequence[Sequence[float]]], zone: int | None = None) -> ReachShape:
    """`lines`: the reach's LineString / MultiLineString coordinates ([[lon, lat], ...] each)."""
    parts = [np.asarray(line, np.float64)[:, :2] for line in lines if len(line) >= 2]
    if not parts:
        raise ValueError("a reach needs at least one line of two points")
    if zone is None:
        zone = utm_zone(float(np.mean(parts[0][:, 0])))
    samples, weights = [], []
    for part in parts:
        x, y = points_to_metric(part[:, 0], part[:, 1], zone)
        start = np.column_stack([x[:-1], y[:-1]])
        delta = np.column_stack([np.diff(x), np.diff(y)])
        length = np.hypot(delta[:, 0], delta[:, 1])
        pieces = np.maximum(1, np.ceil(length / REACH_STEP_M)).astype(np.int64)
        segment = np.repeat(np.arange(length.shape[0]), pieces)
        first = np.repeat(np.cumsum(pieces) - pieces, pieces)
        middle = (np.arange(segment.shape[0]) - first + 0.5) / pieces[segment]
        samples.append(start[segment] + middle[:, None] * delta[segment])
        weights.append((length / pieces)[segment])
    points = np.vstack(samples)
    weight = np.concatenate(weights)
    return ReachShape(zone, points, weight, float(weight.sum()), cKDTree(points))


@dataclass(frozen=True)
class Gap:
    start_ms: int
    end_ms: int
    seconds: float


@dataclass(frozen=True)
class Jump:
    index: int  # the segment from point `index` to `index + 1`
    t_ms: int
    distance_m: float
    speed_kmh: float


@dataclass(frozen=True)
class Metrics:
    point_count: int
    started_ms: int
    ended_ms: int
    duration_s: float
    paused_s: float
    distance_m: float
    coverage: float | None  # 0–1 of the reach; None without a reach
    on_reach: float | None  # 0–1 of the walked track within coverage_m of the reach
    median_speed_kmh: float
    max_speed_kmh: float
    gaps: tuple[Gap, ...] = ()
    jumps: tuple[Jump, ...] = ()
    reach_length_m: float | None = None
    extra: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {
            "point_count": self.point_count,
            "duration_s": round(self.duration_s, 1),
            "paused_s": round(self.paused_s, 1),
            "distance_m": round(self.distance_m, 1),
            "coverage": None if self.coverage is None else round(self.coverage, 4),
            "on_reach": None if self.on_reach is None else round(self.on_reach, 4),
            "median_speed_kmh": round(self.median_speed_kmh, 2),
            "max_speed_kmh": round(self.max_speed_kmh, 2),
            "gap_count": len(self.gaps),
            "max_gap_s": round(max((g.seconds for g in self.gaps), default=0.0), 1),
            "gaps": [[g.start_ms, g.end_ms] for g in self.gaps],
            "jumps": [
                {"t_ms": j.t_ms, "distance_m": round(j.distance_m), "speed_kmh": round(j.speed_kmh)}
                for j in self.jumps
            ],
            "reach_length_m": None if self.reach_length_m is None else round(self.reach_length_m),
        }


def project(track: Track, zone: int) -> FloatArray:
    x, y = points_to_metric(track.lon, track.lat, zone)
    return np.column_stack([x, y])


def paused_segments(t_ms: npt.NDArray[np.int64], pauses: Sequence[Sequence[int]]) -> BoolArray:
    """True for each segment that overlaps a pause."""
    mask = np.zeros(max(0, t_ms.shape[0] - 1), bool)
    for start, end in pauses:
        mask |= (t_ms[:-1] < end) & (t_ms[1:] > start)
    return mask


def paused_seconds(pauses: Sequence[Sequence[int]], started_ms: int, ended_ms: int) -> float:
    """Total pause time inside [started, ended], overlapping pauses counted once."""
    spans = sorted((max(s, started_ms), min(e, ended_ms)) for s, e in pauses)
    total, reach_end = 0, started_ms
    for start, end in spans:
        start = max(start, reach_end)
        if end > start:
            total += end - start
            reach_end = end
    return total / 1000


def densify(points: FloatArray, walked: BoolArray, step: float) -> FloatArray:
    """Points every `step` metres or less along the walked segments, plus every vertex."""
    if points.shape[0] < 2:
        return points
    delta = np.diff(points, axis=0)
    length = np.hypot(delta[:, 0], delta[:, 1])
    pieces = np.where(walked, np.maximum(1, np.ceil(length / step)), 1).astype(np.int64)
    segment = np.repeat(np.arange(length.shape[0]), pieces)
    first = np.repeat(np.cumsum(pieces) - pieces, pieces)
    fraction = (np.arange(segment.shape[0]) - first) / pieces[segment]
    inner = points[:-1][segment] + fraction[:, None] * delta[segment]
    return np.vstack([inner, points[-1:]])


def compute(
    track: Track,
    *,
    pauses: Sequence[Sequence[int]] = (),
    started_ms: int | None = None,
    ended_ms: int | None = None,
    reach: ReachShape | None = None,
    coverage_m: float = 100.0,
    gap_s: float = 60.0,
    window_s: float = 10.0,
    jump_kmh: float = 120.0,
) -> Metrics:
    n = len(track)
    t = track.t_ms
    start = int(t[0]) if started_ms is None and n else int(started_ms or 0)
    end = int(t[-1]) if ended_ms is None and n else int(ended_ms or start)
    paused = paused_seconds(pauses, start, end)
    duration = max(0.0, (end - start) / 1000 - paused)
    if n < 2:
        return Metrics(n, start, end, duration, paused, 0.0, 0.0 if reach else None, None, 0, 0)
    zone = reach.zone if reach is not None else utm_zone(float(track.lon.mean()))
    xy = project(track, zone)
    delta = np.diff(xy, axis=0)
    length = np.hypot(delta[:, 0], delta[:, 1])
    dt_s = np.diff(t) / 1000.0
    in_pause = paused_segments(t, pauses)
    walked = ~in_pause
    jumps = _jumps(track, length, dt_s, walked, jump_kmh)
    distance = _distance(xy, t, in_pause, length, jumps_mask := _jump_mask(n, jumps), window_s)
    gaps = tuple(
        Gap(int(t[i]), int(t[i + 1]), float(dt_s[i]))
        for i in np.flatnonzero(walked & (dt_s > gap_s))
    )
    median, fastest = _speeds(xy, t, length, dt_s, in_pause, window_s)
    coverage = on_reach = None
    if reach is not None:
        usable = walked & ~jumps_mask
        dense = densify(xy, usable, max(1.0, min(20.0, coverage_m / 5)))
        near, _i = cKDTree(dense).query(reach.samples, distance_upper_bound=coverage_m)
        coverage = float(reach.weights[near <= coverage_m].sum() / reach.length_m)
        back, _j = reach.tree.query(dense, distance_upper_bound=coverage_m + REACH_STEP_M)
        on_reach = float(np.count_nonzero(back <= coverage_m) / back.shape[0])
    return Metrics(
        n,
        start,
        end,
        duration,
        paused,
        distance,
        coverage,
        on_reach,
        median,
        fastest,
        gaps,
        jumps,
        reach.length_m if reach is not None else None,
    )


def _jump_mask(n: int, jumps: tuple[Jump, ...]) -> BoolArray:
    mask = np.zeros(n - 1, bool)
    mask[[j.index for j in jumps]] = True
    return mask


def _distance(
    xy: FloatArray,
    t: npt.NDArray[np.int64],
    in_pause: BoolArray,
    length: FloatArray,
    jumped: BoolArray,
    window_s: float,
) -> float:
    """Metres walked, measured between fixes at least `window_s` apart (every fix of a sparse
    track), so GPS jitter between 1 Hz fixes does not add up; steps over a pause or a jump do
    not count."""
    grid = np.arange(int(t[0]), int(t[-1]) + 1, int(window_s * 1000), dtype=np.int64)
    kept = np.unique(np.concatenate([np.searchsorted(t, grid, side="left"), [t.shape[0] - 1]]))
    kept = kept[kept < t.shape[0]]
    if kept.shape[0] < 2:
        return float(length[~in_pause & ~jumped].sum())
    skipped = np.concatenate([[0], np.cumsum(in_pause | jumped)])
    clean = skipped[kept[1:]] - skipped[kept[:-1]] == 0
    step = np.diff(xy[kept], axis=0)
    return float(np.hypot(step[:, 0], step[:, 1])[clean].sum())


def _jumps(
    track: Track, length: FloatArray, dt_s: FloatArray, walked: BoolArray, jump_kmh: float
) -> tuple[Jump, ...]:
    accuracy = np.nan_to_num(track.acc, nan=0.0)
    noise = np.maximum(100.0, 2 * (accuracy[:-1] + accuracy[1:]))
    with np.errstate(divide="ignore", invalid="ignore"):
        speed = np.where(dt_s > 0, length / dt_s * 3.6, np.inf)
    found = np.flatnonzero(walked & (speed > jump_kmh) & (length > noise))
    return tuple(Jump(int(i), int(track.t_ms[i]), float(length[i]), float(speed[i])) for i in found)


def _speeds(
    xy: FloatArray,
    t: npt.NDArray[np.int64],
    length: FloatArray,
    dt_s: FloatArray,
    in_pause: BoolArray,
    window_s: float,
) -> tuple[float, float]:
    """Median and maximum speed (km/h) over windows of at least `window_s` seconds."""
    n = t.shape[0]
    after = np.searchsorted(t, t + int(window_s * 1000), side="left")
    paused_before = np.concatenate([[0], np.cumsum(in_pause)])
    starts = np.flatnonzero(after < n)
    if starts.shape[0]:
        ends = after[starts]
        clean = paused_before[ends] - paused_before[starts] == 0
        starts, ends = starts[clean], ends[clean]
    if starts.shape[0]:
        shift = xy[ends] - xy[starts]
        seconds = (t[ends] - t[starts]) / 1000.0
        speeds = np.hypot(shift[:, 0], shift[:, 1]) / seconds * 3.6
    else:  # shorter than one window: the segments themselves
        usable = (dt_s > 0) & ~in_pause
        speeds = length[usable] / dt_s[usable] * 3.6
    if speeds.shape[0] == 0:
        return 0.0, 0.0
    median, fastest = float(np.median(speeds)), float(speeds.max())
    return (median if math.isfinite(median) else 0.0), (fastest if math.isfinite(fastest) else 0.0)
