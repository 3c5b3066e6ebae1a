"""A patrol's GPS track: checked points in, compact text out. Pure: no Django.

Points arrive as `[lon, lat, t_ms, accuracy_m]` (WGS84, Unix epoch milliseconds, accuracy
optional). `parse_points` refuses what cannot be a track (not numbers, NaN, outside the valid
range or outside China, no point left) with a `TrackError` naming the point, and repairs what
a phone queue legitimately produces, recording a `Flag` for each repair: points delivered out of
order are sorted, repeated timestamps dropped, and fixes worse than 100 m dropped.

Storage (`encode` / `decode`) is Google's encoded-polyline algorithm over four values per point:
latitude and longitude in 1e-6 degrees (0.1 m), the time in milliseconds and the accuracy in
metres, each as the difference from the previous point. A point walked at 1 Hz costs about 9
characters, so a 30-minute patrol (1,800 points) is about 16 KB.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

MAX_ACCURACY_M = 100.0
MAX_POINTS = 100_000  # 27 hours at 1 Hz
# 2000-01-01 .. 2100-01-01: a time outside is a unit mistake (seconds for milliseconds).
MIN_T_MS = 946_684_800_000
MAX_T_MS = 4_102_444_800_000
CHINA = (73.0, 3.0, 136.0, 54.0)
FORMAT = "p1:"  # version prefix of the stored text
UNKNOWN_ACCURACY = -1  # stored for a point without an accuracy


class TrackError(ValueError):
    """A track that cannot be accepted, with the reason in Chinese and English."""

    def __init__(self, zh: str, en: str, field: str = "points"):
        super().__init__(en)
        self.zh, self.en, self.field = zh, en, field


@dataclass(frozen=True)
class Flag:
    """A repair made to the track, kept with the patrol and shown on its page."""

    code: str  # out_of_order | duplicate_times | low_accuracy
    count: int


@dataclass
class Track:
    """Checked points in time order; `acc` is NaN where the device gave no accuracy."""

    lon: FloatArray
    lat: FloatArray
    t_ms: IntArray
    acc: FloatArray
    flags: list[Flag] = field(default_factory=list)

    def __len__(self) -> int:
        return int(self.t_ms.shape[0])

    def as_lists(self) -> list[list[float | int | None]]:
        """[[lon, lat, t_ms, accuracy or None], ...] as the API answers them."""
        return [
            [float(x), float(y), int(t), None if math.isnan(a) else float(a)]
            for x, y, t, a in zip(self.lon, self.lat, self.t_ms, self.acc, strict=True)
        ]


def empty() -> Track:
    return Track(
        np.zeros(0, np.float64), np.zeros(0, np.float64), np.zeros(0, np.int64), np.zeros(0)
    )


def _number(value: Any, index: int, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TrackError(
            f"第 {index + 1} 个点的{what}不是数字",
            f"point {index + 1}: the {_EN[what]} is not a number",
            f"points[{index}]",
        )
    number = float(value)
    if not math.isfinite(number):
        raise TrackError(
            f"第 {index + 1} 个点的{what}不是有效数字（NaN 或无穷）",
            f"point {index + 1}: the {_EN[what]} is NaN or infinite",
            f"points[{index}]",
        )
    return number


_EN = {"经度": "longitude", "纬度": "latitude", "时间": "time", "精度": "accuracy"}


def parse_points(
    points: Any, *, max_accuracy_m: float = MAX_ACCURACY_M, max_points: int = MAX_POINTS
) -> Track:
    """Check raw points; raise TrackError for what cannot be a track, flag what was repaired."""
    if not isinstance(points, list | tuple):
        raise TrackError("轨迹点应为数组", "points must be a list")
    if not points:
        raise TrackError("轨迹为空", "the track is empty")
    if len(points) > max_points:
        raise TrackError(
            f"轨迹点过多（最多 {max_points} 个）", f"too many points (at most {max_points})"
        )
    n = len(points)
    lon = np.empty(n)
    lat = np.empty(n)
    t_ms = np.empty(n, np.int64)
    acc = np.full(n, np.nan)
    for i, point in enumerate(points):
        if not isinstance(point, list | tuple) or len(point) not in (3, 4):
            raise TrackError(
                f"第 {i + 1} 个点应为 [经度, 纬度, 时间毫秒, 精度米]",
                f"point {i + 1} must be [lon, lat, t_ms, accuracy_m]",
                f"points[{i}]",
            )
        lon[i] = _number(point[0], i, "经度")
        lat[i] = _number(point[1], i, "纬度")
        moment = _number(point[2], i, "时间")
        if not MIN_T_MS <= moment <= MAX_T_MS:
            raise _bad_time(i)
        t_ms[i] = int(moment)
        if len(point) == 4 and point[3] is not None:
            acc[i] = _number(point[3], i, "精度")
    _check_ranges(lon, lat, t_ms, acc)
    return _repair(lon, lat, t_ms, acc, max_accuracy_m)


def _bad_time(i: int) -> TrackError:
    return TrackError(
        f"第 {i + 1} 个点的时间不在 2000–2100 年之间（应为 Unix 毫秒）",
        f"point {i + 1}: the time is not between 2000 and 2100 (Unix milliseconds expected)",
        f"points[{i}]",
    )


def _check_ranges(lon: FloatArray, lat: FloatArray, t_ms: IntArray, acc: FloatArray) -> None:
    bad = np.flatnonzero((np.abs(lon) > 180) | (np.abs(lat) > 90))
    if bad.size and not _swapped(float(lon[bad[0]]), float(lat[bad[0]])):
        i = int(bad[0])
        raise TrackError(
            f"第 {i + 1} 个点的坐标超出范围（经度 ±180，纬度 ±90）",
            f"point {i + 1}: coordinates out of range (longitude ±180, latitude ±90)",
            f"points[{i}]",
        )
    outside = (lon < CHINA[0]) | (lon > CHINA[2]) | (lat < CHINA[1]) | (lat > CHINA[3])
    bad = np.flatnonzero(outside)
    if bad.size:
        i = int(bad[0])
        swapped = _swapped(float(lon[i]), float(lat[i]))
        raise TrackError(
            f"第 {i + 1} 个点"
            + ("的经纬度可能写反了（应为 [经度, 纬度]）" if swapped else "不在中国境内"),
            f"point {i + 1}: "
            + ("longitude and latitude look swapped" if swapped else "lies outside China"),
            f"points[{i}]",
        )
    bad = np.flatnonzero(acc < 0)
    if bad.size:
        i = int(bad[0])
        raise TrackError(
            f"第 {i + 1} 个点的精度为负数",
            f"point {i + 1}: the accuracy is negative",
            f"points[{i}]",
        )


def _swapped(lon: float, lat: float) -> bool:
    return CHINA[0] <= lat <= CHINA[2] and CHINA[1] <= lon <= CHINA[3]


def _repair(
    lon: FloatArray, lat: FloatArray, t_ms: IntArray, acc: FloatArray, max_accuracy_m: float
) -> Track:
    flags: list[Flag] = []
    backwards = int(np.count_nonzero(np.diff(t_ms) < 0))
    if backwards:
        flags.append(Flag("out_of_order", backwards))
    order = np.argsort(t_ms, kind="stable")
    lon, lat, t_ms, acc = lon[order], lat[order], t_ms[order], acc[order]
    keep = np.ones(t_ms.shape[0], bool)
    keep[1:] = np.diff(t_ms) != 0
    repeated = int(np.count_nonzero(~keep))
    if repeated:
        flags.append(Flag("duplicate_times", repeated))
    coarse = keep & (acc > max_accuracy_m)  # NaN (unknown) compares False: kept
    if np.count_nonzero(coarse):
        flags.append(Flag("low_accuracy", int(np.count_nonzero(coarse))))
    keep &= ~coarse
    if not keep.any():
        raise TrackError(
            f"没有精度优于 {max_accuracy_m:g} 米的轨迹点",
            f"no point has an accuracy better than {max_accuracy_m:g} m",
        )
    return Track(lon[keep], lat[keep], t_ms[keep], acc[keep], flags)


# --- compact storage -----------------------------------------------------------------------


def encode(track: Track) -> str:
    """The track as text: FORMAT, then (lat, lon, t, accuracy) deltas as an encoded polyline.
    Vectorised: each value's zigzag form is cut into 5-bit chunks, low first, every chunk but
    the last flagged with 0x20, plus 63 to land on printable ASCII."""
    lat = np.rint(track.lat * 1e6).astype(np.int64)
    lon = np.rint(track.lon * 1e6).astype(np.int64)
    acc = np.where(np.isnan(track.acc), UNKNOWN_ACCURACY, np.rint(track.acc)).astype(np.int64)
    columns = np.column_stack([lat, lon, track.t_ms.astype(np.int64), acc])
    values = np.diff(columns, axis=0, prepend=np.zeros((1, 4), np.int64)).ravel()
    zigzag = np.where(values < 0, ~(values << 1), values << 1)
    chunks = np.ones(zigzag.shape[0], np.int64)
    for shift in range(5, 64, 5):
        chunks += (zigzag >> shift) > 0
    which = np.repeat(np.arange(zigzag.shape[0]), chunks)
    position = np.arange(which.shape[0]) - np.repeat(np.cumsum(chunks) - chunks, chunks)
    piece = (zigzag[which] >> (5 * position)) & 0x1F
    more = position < chunks[which] - 1
    text = (piece | np.where(more, 0x20, 0)) + 63
    return FORMAT + text.astype(np.uint8).tobytes().decode("ascii")


def decode(text: str) -> Track:
    """The inverse of `encode` (coordinates to 1e-6 degrees, accuracy to 1 m)."""
    if not text:
        return empty()
    if not text.startswith(FORMAT):
        raise TrackError("无法识别的轨迹存储格式", "unknown stored track format", "track")
    try:
        body = text[len(FORMAT) :].encode("ascii")
    except UnicodeEncodeError:
        raise TrackError("轨迹存储数据已损坏", "the stored track is damaged", "track") from None
    codes = np.frombuffer(body, np.uint8).astype(np.int64) - 63
    if codes.shape[0] == 0:
        return empty()
    if codes.min() < 0 or codes.max() > 63 or codes[-1] >= 0x20:
        raise TrackError("轨迹存储数据已损坏", "the stored track is damaged", "track")
    last = codes < 0x20
    starts = np.flatnonzero(np.concatenate([[True], last[:-1]]))
    group = np.cumsum(np.concatenate([[0], last[:-1].astype(np.int64)]))
    position = np.arange(codes.shape[0]) - starts[group]
    if position.max() > 12:
        raise TrackError("轨迹存储数据已损坏", "the stored track is damaged", "track")
    zigzag = np.bitwise_or.reduceat((codes & 0x1F) << (5 * position), starts)
    values = np.where(zigzag & 1, ~(zigzag >> 1), zigzag >> 1)
    if values.shape[0] % 4:
        raise TrackError("轨迹存储数据不完整", "the stored track is truncated", "track")
    columns = np.cumsum(values.reshape(-1, 4), axis=0)
    acc = columns[:, 3].astype(np.float64)
    acc[columns[:, 3] == UNKNOWN_ACCURACY] = np.nan
    return Track(columns[:, 1] / 1e6, columns[:, 0] / 1e6, columns[:, 2].copy(), acc)


def from_arrays(
    lon: Sequence[float], lat: Sequence[float], t_ms: Sequence[int], acc: Sequence[float]
) -> Track:
    return Track(
        np.asarray(lon, np.float64),
        np.asarray(lat, np.float64),
        np.asarray(t_ms, np.int64),
        np.asarray(acc, np.float64),
    )
