"""Synthetic fake patrols are flagged; a real-looking one is not."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from riverchief.patrols import fraud
from riverchief.patrols import metrics as M
from riverchief.patrols import track as T
from tests.patrols.synth import START, T0, east, walk


def _xy(points):
    return M.project(T.parse_points(points), 49)


def test_a_teleport_is_a_jump_signal():
    points = walk(1200)
    far = east(*points[400][:2], 8000)
    points[400] = [far[0], far[1], points[400][2], 5]
    signal = fraud.jump_signal(M.compute(T.parse_points(points)))
    assert signal is not None and signal.code == "jump" and signal.params["count"] == 2
    assert fraud.jump_signal(M.compute(T.parse_points(walk(1200, noise_m=4)))) is None


def test_a_copied_track_is_found_and_an_honest_repeat_is_not():
    monday = walk(1500, noise_m=4.0, seed=1)
    replay = [[p[0], p[1], p[2] + 7 * 86_400_000, p[3]] for p in monday]  # same points, a week on
    jittered = [[p[0] + 1e-6, p[1] - 1e-6, p[2], p[3]] for p in replay]  # moved 0.1 m
    honest = walk(1500, noise_m=4.0, seed=2, t0=T0 + 7 * 86_400_000)  # same path, new GPS noise
    earlier = [(17, _xy(monday))]
    found = fraud.copied_track(_xy(replay), earlier)
    assert found is not None and found.params["patrol_id"] == 17
    assert fraud.copied_track(_xy(jittered), earlier) is not None
    assert fraud.copied_track(_xy(honest), earlier) is None
    assert fraud.copied_track(_xy(walk(1500, start=east(*START, 3000))), earlier) is None


def test_hausdorff_of_two_parallel_lines_is_their_spacing():
    a = np.column_stack([np.arange(0, 1000, 10.0), np.zeros(100)])
    b = a + [0, 12.0]
    assert fraud.hausdorff_m(a, b) == 12.0


def test_photos_out_of_time_or_far_from_the_track():
    points = walk(1200)
    xy = _xy(points)
    start, end = points[0][2], points[-1][2]
    on_track = fraud.PhotoFacts("a", start + 60_000, tuple(xy[100]))
    yesterday = fraud.PhotoFacts("b", start - 86_400_000, tuple(xy[100]))
    elsewhere = fraud.PhotoFacts("c", start + 60_000, (xy[100][0], xy[100][1] + 800))
    no_exif = fraud.PhotoFacts("d", None, None)
    assert fraud.photo_signals([on_track, no_exif], start, end, xy) == []
    found = {r.code: r.params for r in fraud.photo_signals([yesterday, elsewhere], start, end, xy)}
    assert found["photo_time"]["photos"] == ["b"]
    assert found["photo_place"]["photos"] == ["c"]
    assert 790 <= found["photo_place"]["distance_m"] <= 810


def _scene(seed: int) -> Image.Image:
    rng = np.random.default_rng(seed)
    image = Image.new("RGB", (640, 480), (90, 140, 200))
    draw = ImageDraw.Draw(image)
    for _ in range(40):
        x, y = rng.integers(0, 600, 2)
        colour = tuple(int(c) for c in rng.integers(0, 255, 3))
        draw.ellipse([x, y, x + rng.integers(20, 160), y + rng.integers(20, 160)], fill=colour)
    return image.filter(ImageFilter.GaussianBlur(3))


def test_the_same_photo_re_compressed_and_resized_has_the_same_hash():
    original = _scene(1)
    buffer = io.BytesIO()
    original.resize((320, 240)).save(buffer, "JPEG", quality=40)
    copy = Image.open(io.BytesIO(buffer.getvalue()))
    a, b = fraud.dhash(original), fraud.dhash(copy)
    assert fraud.informative(a)
    assert fraud.same_photo(a, b)
    assert set(fraud.hash_bands(a)) & set(fraud.hash_bands(b))
    other = fraud.dhash(_scene(2))
    assert not fraud.same_photo(a, other)
    assert fraud.hamming(a, other) > 10


def test_a_blank_picture_is_not_evidence_of_reuse():
    assert not fraud.informative(fraud.dhash(Image.new("RGB", (50, 50), "blue")))


def test_a_no_problem_streak_while_others_report():
    assert fraud.no_problem_streak(8, 3).params == {"streak": 8, "others_reports": 3}
    assert fraud.no_problem_streak(7, 3) is None
    assert fraud.no_problem_streak(20, 0) is None
