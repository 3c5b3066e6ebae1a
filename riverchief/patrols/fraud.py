"""Signals of a fake or perfunctory patrol (river-chief-system.md §3.4, pain points 1 and 2).
Pure: no Django. Each signal is a `validity.Reason` of severity doubtful, explained on the page.

- jumps: an implied speed above 120 km/h between two fixes (found by `metrics`);
- copied track: the symmetric Hausdorff distance to an earlier patrol's track is within a few
  metres (5 m by default). Two honest walks along the same bank differ by tens of metres of GPS
  noise; a replayed or copied file differs by almost nothing;
- photos: EXIF time outside the patrol (5 minutes' slack for the camera clock), or EXIF place
  more than 500 m from the track;
- reused photo: the same picture in another patrol, by a 64-bit difference hash (dHash) of the
  image, which survives re-compression and resizing (a byte hash would not);
- a streak of patrols reporting no problem while others on the same river report some.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from PIL import Image
from scipy.spatial import cKDTree  # type: ignore[import-untyped]

from riverchief.patrols.metrics import Metrics, densify
from riverchief.patrols.validity import DOUBTFUL, Reason

FloatArray = npt.NDArray[np.float64]

COPY_DISTANCE_M = 5.0
PHOTO_SLACK_S = 300
PHOTO_DISTANCE_M = 500.0
SAME_PHOTO_BITS = 3  # dHash bits that may differ for the same picture (see hash_bands)
NO_PROBLEM_STREAK = 8


def jump_signal(metrics: Metrics, jump_kmh: float = 120.0) -> Reason | None:
    if not metrics.jumps:
        return None
    fastest = max(metrics.jumps, key=lambda j: j.speed_kmh)
    return Reason(
        "jump",
        DOUBTFUL,
        {
            "count": len(metrics.jumps),
            "speed_kmh": round(min(fastest.speed_kmh, 99_999)),
            "distance_m": round(fastest.distance_m),
            "limit_kmh": jump_kmh,
        },
    )


def walked_points(xy: FloatArray, step: float = 5.0) -> FloatArray:
    """The track densified to `step` metres, the form compared for copies."""
    return densify(xy, np.ones(max(0, xy.shape[0] - 1), bool), step)


def hausdorff_m(a: FloatArray, b: FloatArray) -> float:
    """Symmetric Hausdorff distance between two point sets (metres), by two KD-tree queries."""
    ab, _i = cKDTree(b).query(a)
    ba, _j = cKDTree(a).query(b)
    return float(max(ab.max(), ba.max()))


def copied_track(
    xy: FloatArray,
    earlier: Iterable[tuple[int, FloatArray]],
    threshold_m: float = COPY_DISTANCE_M,
) -> Reason | None:
    """The first earlier track (id, projected points) within `threshold_m` of this one."""
    if xy.shape[0] < 2:
        return None
    mine = walked_points(xy)
    low, high = mine.min(axis=0), mine.max(axis=0)
    for patrol_id, other in earlier:
        if other.shape[0] < 2:
            continue
        # Bounding boxes further apart than the threshold cannot hold a copy.
        if np.any(np.abs(other.min(axis=0) - low) > threshold_m) or np.any(
            np.abs(other.max(axis=0) - high) > threshold_m
        ):
            continue
        distance = hausdorff_m(mine, walked_points(other))
        if distance <= threshold_m:
            return Reason(
                "copied_track",
                DOUBTFUL,
                {"patrol_id": patrol_id, "distance_m": round(distance, 1)},
            )
    return None


@dataclass(frozen=True)
class PhotoFacts:
    client_id: str
    taken_ms: int | None
    xy: tuple[float, float] | None  # EXIF place projected to the track's metres


def photo_signals(
    photos: Sequence[PhotoFacts],
    started_ms: int,
    ended_ms: int,
    track_xy: FloatArray | None,
    slack_s: int = PHOTO_SLACK_S,
    max_distance_m: float = PHOTO_DISTANCE_M,
) -> list[Reason]:
    reasons: list[Reason] = []
    early, late = started_ms - slack_s * 1000, ended_ms + slack_s * 1000
    outside = [
        p.client_id for p in photos if p.taken_ms is not None and not early <= p.taken_ms <= late
    ]
    if outside:
        reasons.append(Reason("photo_time", DOUBTFUL, {"count": len(outside), "photos": outside}))
    placed = [p for p in photos if p.xy is not None]
    if placed and track_xy is not None and track_xy.shape[0]:
        tree = cKDTree(walked_points(track_xy, 20.0))
        distances, _i = tree.query(np.array([p.xy for p in placed]))
        far = [(p, d) for p, d in zip(placed, distances, strict=True) if d > max_distance_m]
        if far:
            reasons.append(
                Reason(
                    "photo_place",
                    DOUBTFUL,
                    {
                        "count": len(far),
                        "distance_m": round(float(max(d for _p, d in far))),
                        "limit_m": max_distance_m,
                        "photos": [p.client_id for p, _d in far],
                    },
                )
            )
    return reasons


def dhash(image: Image.Image, size: int = 8) -> int:
    """A 64-bit difference hash: is each pixel of a 9×8 grey thumbnail brighter than its right
    neighbour? Robust to scaling and re-compression, cheap, and needs only Pillow."""
    grey = image.convert("L").resize((size + 1, size), Image.Resampling.LANCZOS)
    pixels = np.asarray(grey, dtype=np.int16)
    bits = (pixels[:, 1:] > pixels[:, :-1]).ravel()
    return int("".join("1" if bit else "0" for bit in bits), 2)


def hamming(a: int, b: int) -> int:
    return (a ^ b).bit_count()


def hash_bands(value: int) -> tuple[int, int, int, int]:
    """Four 16-bit bands: two hashes within 3 bits of each other share at least one band, so an
    indexed equality search on the bands finds every near copy (pigeonhole)."""
    return (
        (value >> 48) & 0xFFFF,
        (value >> 32) & 0xFFFF,
        (value >> 16) & 0xFFFF,
        value & 0xFFFF,
    )


def informative(value: int) -> bool:
    """A hash with few changes of brightness (a blank or uniform picture) says nothing about
    which picture it is: two different blank pictures would look reused."""
    return 8 <= value.bit_count() <= 56


def same_photo(a: int, b: int, max_bits: int = SAME_PHOTO_BITS) -> bool:
    return hamming(a, b) <= max_bits


def reused_photo_signal(matches: Sequence[tuple[str, int]]) -> Reason | None:
    """`matches`: (this patrol's photo client id, the other patrol's id) pairs."""
    if not matches:
        return None
    return Reason(
        "photo_reused",
        DOUBTFUL,
        {
            "count": len(matches),
            "photos": [client for client, _p in matches],
            "patrol_ids": sorted({other for _c, other in matches}),
        },
    )


def no_problem_streak(
    streak: int, others_reports: int, min_streak: int = NO_PROBLEM_STREAK
) -> Reason | None:
    """`streak`: this person's latest patrols in a row (this one included) reporting nothing;
    `others_reports`: problems reported by others on the same river over the same time."""
    if streak >= min_streak and others_reports > 0:
        return Reason(
            "no_problem_streak", DOUBTFUL, {"streak": streak, "others_reports": others_reports}
        )
    return None
