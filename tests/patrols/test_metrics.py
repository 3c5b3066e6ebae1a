"""Metrics against hand calculations on synthetic walks (geodesic lengths from pyproj's Geod,
not the UTM projection the module uses)."""

from __future__ import annotations

import pytest

from riverchief.patrols import metrics as M
from riverchief.patrols import track as T
from tests.patrols.synth import START, T0, east, geodesic_length, line, north, walk


def _track(points):
    return T.parse_points(points)


def test_a_steady_walk_measures_its_distance_duration_and_speed():
    points = walk(1500, speed_mps=1.25)  # 1,200 s at 4.5 km/h
    result = M.compute(_track(points))
    assert result.distance_m == pytest.approx(geodesic_length(points), rel=2e-3)
    assert result.distance_m == pytest.approx(1500, rel=2e-3)
    assert result.duration_s == 1200
    assert result.median_speed_kmh == pytest.approx(4.5, rel=5e-3)
    assert result.max_speed_kmh == pytest.approx(4.5, rel=5e-3)
    assert result.gaps == () and result.jumps == ()
    assert result.coverage is None


def test_pauses_are_taken_off_the_duration_and_the_distance():
    first = walk(600, speed_mps=1.0)  # 600 s
    # A 5-minute pause; the walk resumes 100 m further on (walked while paused: not counted).
    resume = east(*first[-1][:2], 100)
    second = walk(600, speed_mps=1.0, start=resume, t0=first[-1][2] + 300_000)
    pause = [[first[-1][2] + 1, second[0][2] - 1]]
    result = M.compute(_track(first + second), pauses=pause)
    assert result.paused_s == pytest.approx(300, abs=0.01)
    assert result.duration_s == pytest.approx(1200, abs=0.01)
    assert result.distance_m == pytest.approx(1200, rel=2e-3)
    assert result.gaps == ()  # a pause is no gap
    assert result.median_speed_kmh == pytest.approx(3.6, rel=5e-3)


def test_the_given_start_and_end_define_the_duration():
    points = walk(600, speed_mps=1.0)
    result = M.compute(_track(points), started_ms=T0 - 60_000, ended_ms=points[-1][2] + 60_000)
    assert result.duration_s == 720


def test_a_signal_loss_is_a_gap():
    points = walk(1000, speed_mps=1.0)
    del points[300:420]  # 121 s without a point
    result = M.compute(_track(points))
    assert len(result.gaps) == 1
    assert result.gaps[0].seconds == 121
    assert result.distance_m == pytest.approx(1000, rel=2e-3)  # the straight line still walked


def test_gps_jitter_does_not_read_as_running():
    still = walk(600, speed_mps=1.0, noise_m=5.0, accuracy=10)
    result = M.compute(_track(still))
    assert result.median_speed_kmh == pytest.approx(3.6, abs=1.5)


def test_coverage_of_a_reach_walked_halfway():
    reach = M.reach_shape([line(2000)])
    assert reach.length_m == pytest.approx(2000, rel=2e-3)
    result = M.compute(_track(walk(1000)), reach=reach)
    # 1,000 m walked plus the 100 m beyond its end that lie within 100 m: 1,100 / 2,000.
    assert result.coverage == pytest.approx(0.55, abs=0.006)
    assert result.on_reach == 1.0


def test_coverage_of_a_walk_along_a_parallel_path():
    reach = M.reach_shape([line(2000)])
    at_80 = north(*START, 80)
    result = M.compute(_track(walk(1000, start=at_80)), reach=reach)
    # Within 100 m of a line 80 m away: the walked 1,000 m plus sqrt(100² − 80²) = 60 m.
    assert result.coverage == pytest.approx(0.53, abs=0.006)
    far = M.compute(_track(walk(1000, start=north(*START, 150))), reach=reach)
    assert far.coverage == 0.0
    assert far.on_reach == 0.0


def test_coverage_distance_is_configurable():
    reach = M.reach_shape([line(2000)])
    result = M.compute(_track(walk(1000, start=north(*START, 150))), reach=reach, coverage_m=200)
    # sqrt(200² − 150²) ≈ 132.3 m beyond the end: (1,000 + 132.3) / 2,000
    assert result.coverage == pytest.approx(0.566, abs=0.006)


def test_a_multi_line_reach_adds_its_parts():
    second = north(*START, 1000)
    reach = M.reach_shape([line(1000), line(1000, start=second)])
    assert reach.length_m == pytest.approx(2000, rel=2e-3)
    result = M.compute(_track(walk(1000)), reach=reach)
    assert result.coverage == pytest.approx(0.5, abs=0.006)


def test_a_teleport_is_a_jump_and_covers_nothing_on_the_way():
    points = walk(600, speed_mps=1.0)
    jumped = east(*points[300][:2], 5000)
    points[300] = [jumped[0], jumped[1], points[300][2], 5]
    result = M.compute(_track(points))
    assert len(result.jumps) == 2  # there and back
    assert result.jumps[0].speed_kmh > 120
    assert result.jumps[0].distance_m == pytest.approx(5000, rel=0.01)


def test_noise_of_a_poor_fix_is_not_a_jump():
    points = walk(600, speed_mps=1.0)
    shifted = north(*points[200][:2], 60)  # a 60 m glitch within one second, accuracy 40 m
    points[200] = [shifted[0], shifted[1], points[200][2], 40]
    assert M.compute(_track(points)).jumps == ()


def test_one_point_has_no_distance():
    result = M.compute(_track([[111.4, 35.5, T0, 5]]), started_ms=T0, ended_ms=T0 + 900_000)
    assert result.distance_m == 0 and result.duration_s == 900


def test_paused_seconds_counts_overlaps_once():
    assert M.paused_seconds([[0, 10_000], [5_000, 20_000], [30_000, 40_000]], 0, 35_000) == 25
