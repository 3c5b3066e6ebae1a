"""Whether a patrol counts: 有效 (valid), 存疑 (doubtful) or 无效 (invalid), with reasons.
Pure: no Django.

The thresholds are data (`Rule`, one per level and role, edited by the office; defaults from
river-chief-system.md §3.2): at least 10 minutes; at least 1 km walked, or, on a reach shorter
than 2 km, at least 50 % of it covered; a median speed on foot of at most 15 km/h. A rule that
fails makes the patrol invalid (the speed rule may be set to make it doubtful instead). Fraud
signals (`fraud.py`) and a track that mostly lies away from the reach or is mostly missing make
it doubtful: a person at the office looks at it. A 视同巡河 (meeting or on-site handling) has no
track: it is doubtful until the office approves it (valid) or refuses it (invalid).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from typing import Any, Final

from riverchief.patrols.metrics import Metrics

VALID: Final = "valid"
DOUBTFUL: Final = "doubtful"
INVALID: Final = "invalid"
VERDICTS: Final = (VALID, DOUBTFUL, INVALID)

KINDS: Final = ("normal", "delegated", "equivalent", "drone", "upload")
TRACKLESS_KINDS: Final = ("equivalent",)
NOT_ON_FOOT: Final = ("drone",)


@dataclass(frozen=True)
class Rule:
    """Thresholds for one level and role (the office's data)."""

    min_minutes: float = 10.0
    min_distance_m: float = 1000.0
    min_coverage: float = 0.5  # on a short reach, this share covered replaces the distance
    short_reach_m: float = 2000.0
    max_median_kmh: float = 15.0
    speed_verdict: str = INVALID  # or DOUBTFUL
    coverage_m: float = 100.0  # how near the track must pass to cover the reach
    min_on_reach: float = 0.3  # below: doubtful (the walk mostly elsewhere)
    max_gap_share: float = 0.5  # above: doubtful (the track mostly missing)

    def __post_init__(self) -> None:
        for name in ("min_minutes", "min_distance_m", "short_reach_m", "max_median_kmh"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")
        for name in ("min_coverage", "min_on_reach", "max_gap_share"):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f"{name} must lie between 0 and 1")
        if not 1 <= self.coverage_m <= 1000:
            raise ValueError("coverage_m must lie between 1 and 1000")
        if self.speed_verdict not in (INVALID, DOUBTFUL):
            raise ValueError("speed_verdict must be invalid or doubtful")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Rule:
        known = {f.name for f in fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in known})

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class Reason:
    """Why a patrol is not simply valid. `params` fill the message of `code`."""

    code: str
    severity: str  # INVALID or DOUBTFUL
    params: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "severity": self.severity, "params": dict(self.params)}


@dataclass(frozen=True)
class Verdict:
    verdict: str
    reasons: tuple[Reason, ...]


def judge(
    metrics: Metrics | None,
    rule: Rule,
    kind: str = "normal",
    signals: Iterable[Reason] = (),
    approval: str = "",
) -> Verdict:
    """The verdict of one patrol from its metrics, its kind and the fraud signals found."""
    reasons: list[Reason] = []
    if kind in TRACKLESS_KINDS:
        if approval == "approved":
            return Verdict(VALID, ())
        if approval == "rejected":
            return Verdict(INVALID, (Reason("equivalence_rejected", INVALID),))
        return Verdict(DOUBTFUL, (Reason("awaiting_approval", DOUBTFUL),))
    if metrics is None or metrics.point_count < 2:
        return Verdict(INVALID, (Reason("no_track", INVALID),))
    minutes = metrics.duration_s / 60
    if minutes < rule.min_minutes:
        reasons.append(
            Reason(
                "too_short",
                INVALID,
                {"minutes": round(minutes, 1), "min_minutes": rule.min_minutes},
            )
        )
    short_reach = metrics.reach_length_m is not None and metrics.reach_length_m < rule.short_reach_m
    covered_enough = (
        short_reach and metrics.coverage is not None and metrics.coverage >= rule.min_coverage
    )
    if metrics.distance_m < rule.min_distance_m and not covered_enough:
        params: dict[str, Any] = {
            "distance_m": round(metrics.distance_m),
            "min_distance_m": rule.min_distance_m,
        }
        if short_reach:
            params.update(
                coverage=round(100 * (metrics.coverage or 0)), min_coverage=100 * rule.min_coverage
            )
        reasons.append(Reason("too_little_coverage" if short_reach else "too_far", INVALID, params))
    if kind not in NOT_ON_FOOT and metrics.median_speed_kmh > rule.max_median_kmh:
        reasons.append(
            Reason(
                "too_fast",
                rule.speed_verdict,
                {"speed_kmh": round(metrics.median_speed_kmh, 1), "max_kmh": rule.max_median_kmh},
            )
        )
    if metrics.on_reach is not None and metrics.on_reach < rule.min_on_reach:
        reasons.append(
            Reason(
                "off_reach",
                DOUBTFUL,
                {"share": round(100 * metrics.on_reach), "distance_m": rule.coverage_m},
            )
        )
    missing = sum(g.seconds for g in metrics.gaps)
    span = max(1.0, (metrics.ended_ms - metrics.started_ms) / 1000 - metrics.paused_s)
    if missing / span > rule.max_gap_share:
        reasons.append(Reason("mostly_missing", DOUBTFUL, {"share": round(100 * missing / span)}))
    reasons.extend(signals)
    return Verdict(verdict_of(reasons), tuple(reasons))


def verdict_of(reasons: Iterable[Reason]) -> str:
    severities = {reason.severity for reason in reasons}
    if INVALID in severities:
        return INVALID
    if DOUBTFUL in severities:
        return DOUBTFUL
    return VALID
