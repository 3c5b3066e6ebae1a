"""The verdict: 有效 / 存疑 / 无效 with reasons, by the office's thresholds."""

from __future__ import annotations

import pytest

from riverchief.patrols import metrics as M
from riverchief.patrols import track as T
from riverchief.patrols import validity as V
from tests.patrols.synth import START, line, north, walk


def _metrics(points, reach=None, **kw):
    return M.compute(T.parse_points(points), reach=reach, **kw)


def test_a_15_minute_1_2_km_walk_is_valid():
    verdict = V.judge(_metrics(walk(1200, speed_mps=1.3)), V.Rule())
    assert verdict == V.Verdict(V.VALID, ())


def test_too_short_in_time_is_invalid_with_the_reason():
    verdict = V.judge(_metrics(walk(1100, speed_mps=2.0)), V.Rule())  # 9 min 10 s
    assert verdict.verdict == V.INVALID
    assert [r.code for r in verdict.reasons] == ["too_short"]
    assert verdict.reasons[0].params == {"minutes": 9.2, "min_minutes": 10.0}


def test_too_little_distance_is_invalid():
    verdict = V.judge(_metrics(walk(700, speed_mps=0.8)), V.Rule())  # 14.6 min
    assert [r.code for r in verdict.reasons] == ["too_far"]


def test_on_a_short_reach_half_coverage_replaces_the_kilometre():
    reach = M.reach_shape([line(1200)])
    half = _metrics(walk(700, speed_mps=0.8), reach)  # (700 + 100) / 1200 = 67 %
    assert V.judge(half, V.Rule()).verdict == V.VALID
    little = _metrics(walk(400, speed_mps=0.5), reach)  # (400 + 100) / 1200 = 42 %
    verdict = V.judge(little, V.Rule())
    assert [r.code for r in verdict.reasons] == ["too_little_coverage"]
    assert verdict.reasons[0].params["coverage"] == 42


def test_driving_is_too_fast_for_a_patrol_on_foot():
    verdict = V.judge(_metrics(walk(12000, speed_mps=10.0)), V.Rule())  # 36 km/h, 20 min
    assert [r.code for r in verdict.reasons] == ["too_fast"]
    assert verdict.verdict == V.INVALID
    lenient = V.Rule(speed_verdict=V.DOUBTFUL)
    assert V.judge(_metrics(walk(12000, speed_mps=10.0)), lenient).verdict == V.DOUBTFUL
    assert V.judge(_metrics(walk(12000, speed_mps=10.0)), V.Rule(), kind="drone").verdict == V.VALID


def test_a_walk_away_from_the_reach_is_doubtful():
    reach = M.reach_shape([line(3000)])
    away = _metrics(walk(1200, start=north(*START, 500)), reach)
    verdict = V.judge(away, V.Rule())
    assert "off_reach" in [r.code for r in verdict.reasons]
    assert verdict.verdict == V.INVALID or verdict.verdict == V.DOUBTFUL


def test_a_track_mostly_missing_is_doubtful():
    points = walk(1500, speed_mps=1.25)
    kept = points[:100] + points[-100:]
    verdict = V.judge(_metrics(kept), V.Rule())
    assert [r.code for r in verdict.reasons] == ["mostly_missing"]
    assert verdict.verdict == V.DOUBTFUL


def test_no_track_is_invalid_and_signals_make_doubtful():
    assert V.judge(None, V.Rule()).verdict == V.INVALID
    signal = V.Reason("jump", V.DOUBTFUL, {})
    verdict = V.judge(_metrics(walk(1200)), V.Rule(), signals=[signal])
    assert verdict == V.Verdict(V.DOUBTFUL, (signal,))


def test_a_meeting_counts_only_once_approved():
    assert V.judge(None, V.Rule(), "equivalent").verdict == V.DOUBTFUL
    assert V.judge(None, V.Rule(), "equivalent", approval="approved").verdict == V.VALID
    assert V.judge(None, V.Rule(), "equivalent", approval="rejected").verdict == V.INVALID


def test_rules_are_checked_data():
    assert V.Rule.from_dict({"min_minutes": 30, "unknown": 1}).min_minutes == 30
    for bad in ({"min_minutes": -1}, {"min_coverage": 1.5}, {"speed_verdict": "maybe"}):
        with pytest.raises(ValueError):
            V.Rule.from_dict(bad)
