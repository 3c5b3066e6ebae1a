"""The track parser refuses what cannot be a track and repairs, with a flag, what phones send."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from riverchief.patrols import track as T
from riverchief.patrols import trackfiles
from tests.patrols.synth import T0, walk


def test_a_clean_walk_is_kept_as_it_is():
    points = walk(500)
    parsed = T.parse_points(points)
    assert len(parsed) == len(points)
    assert parsed.flags == []
    assert parsed.lon[3] == points[3][0] and parsed.t_ms[3] == points[3][2]


@pytest.mark.parametrize(
    ("points", "field", "english"),
    [
        ([], "points", "the track is empty"),
        ("nope", "points", "points must be a list"),
        ([[111.4, 35.5, T0, 5], [float("nan"), 35.5, T0 + 1000, 5]], "points[1]", "NaN"),
        ([[111.4, 35.5, T0, 5], [111.4, float("inf"), T0 + 1000, 5]], "points[1]", "NaN"),
        ([[111.4, 95.0, T0, 5]], "points[0]", "out of range"),
        ([[200.0, 35.5, T0, 5]], "points[0]", "out of range"),
        ([[35.5, 111.4, T0, 5]], "points[0]", "swapped"),
        ([[2.35, 48.85, T0, 5]], "points[0]", "outside China"),
        ([[111.4, 35.5, T0 // 1000, 5]], "points[0]", "Unix milliseconds"),
        ([[111.4, 35.5, "noon", 5]], "points[0]", "not a number"),
        ([[111.4, 35.5, T0, -3]], "points[0]", "negative"),
        ([[111.4, 35.5]], "points[0]", "must be [lon, lat, t_ms, accuracy_m]"),
        ([[111.4, 35.5, T0, 150], [111.4, 35.5, T0 + 1000, 300]], "points", "better than 100"),
        ([[True, 35.5, T0, 5]], "points[0]", "not a number"),
    ],
)
def test_bad_points_are_refused_with_a_reason_naming_the_point(points, field, english):
    with pytest.raises(T.TrackError) as caught:
        T.parse_points(points)
    assert caught.value.field == field
    assert english in caught.value.en
    assert caught.value.zh  # a Chinese reason too


def test_points_out_of_order_are_sorted_and_flagged():
    points = walk(100)
    points[5], points[6] = points[6], points[5]
    parsed = T.parse_points(points)
    assert list(parsed.t_ms) == sorted(parsed.t_ms)
    assert {f.code: f.count for f in parsed.flags} == {"out_of_order": 1}


def test_repeated_points_are_dropped_and_flagged():
    points = walk(100)
    points.insert(3, list(points[3]))
    points.insert(7, [points[7][0] + 0.001, points[7][1], points[7][2], 5])
    parsed = T.parse_points(points)
    assert len(parsed) == len(points) - 2
    assert {f.code: f.count for f in parsed.flags} == {"duplicate_times": 2}


def test_fixes_worse_than_100_m_are_dropped_and_flagged():
    points = walk(100)
    points[2][3] = 100.0  # exactly 100 m is still accepted
    points[4][3] = 100.5
    points[9][3] = 2500
    parsed = T.parse_points(points)
    assert len(parsed) == len(points) - 2
    assert {f.code: f.count for f in parsed.flags} == {"low_accuracy": 2}


def test_a_point_without_accuracy_is_kept():
    parsed = T.parse_points([[111.4, 35.5, T0], [111.4001, 35.5, T0 + 1000, None]])
    assert len(parsed) == 2 and np.isnan(parsed.acc).all()


def test_a_30_minute_patrol_at_1_hz_is_stored_in_under_50_kb():
    parsed = T.parse_points(walk(1.25 * 1800, noise_m=4.0))
    assert len(parsed) == 1801
    text = T.encode(parsed)
    assert len(text.encode()) < 50_000
    assert len(text.encode()) < 20_000  # about 9 bytes a point in practice


def test_the_stored_track_decodes_to_the_same_points():
    parsed = T.parse_points(walk(800, noise_m=3.0, every_s=2.0))
    back = T.decode(T.encode(parsed))
    assert np.abs(back.lon - parsed.lon).max() <= 5e-7
    assert np.abs(back.lat - parsed.lat).max() <= 5e-7
    assert (back.t_ms == parsed.t_ms).all()
    assert np.allclose(back.acc, np.rint(parsed.acc))


def test_a_damaged_stored_track_is_an_error_not_garbage():
    with pytest.raises(T.TrackError):
        T.decode("xx:abc")
    with pytest.raises(T.TrackError):
        T.decode(T.encode(T.parse_points(walk(50)))[:-1] + "")  # cut: values % 4 != 0 or fine
    assert len(T.decode("")) == 0


coordinates = st.tuples(
    st.floats(min_value=73, max_value=136), st.floats(min_value=3, max_value=54)
)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            coordinates,
            st.integers(min_value=T.MIN_T_MS, max_value=T.MAX_T_MS),
            st.one_of(st.none(), st.floats(min_value=0, max_value=100)),
        ),
        min_size=1,
        max_size=60,
    )
)
def test_any_valid_points_round_trip_through_storage(raw):
    points = [[lon, lat, t, acc] for (lon, lat), t, acc in raw]
    parsed = T.parse_points(points)
    assert list(parsed.t_ms) == sorted(set(parsed.t_ms))
    back = T.decode(T.encode(parsed))
    assert (back.t_ms == parsed.t_ms).all()
    assert np.abs(back.lon - parsed.lon).max() <= 5e-7
    assert np.array_equal(np.isnan(back.acc), np.isnan(parsed.acc))


junk = st.one_of(
    st.none(),
    st.booleans(),
    st.text(max_size=3),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(),
    st.lists(st.floats(allow_nan=True), max_size=5),
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(junk, st.lists(st.one_of(junk, st.lists(junk, max_size=5)), max_size=8)))
def test_any_input_is_a_track_or_a_track_error(value):
    try:
        parsed = T.parse_points(value)
    except T.TrackError as error:
        assert error.zh and error.en and error.field.startswith("points")
    else:
        assert len(parsed) >= 1
        assert all(math.isfinite(x) for x in parsed.lon)


# --- track files -------------------------------------------------------------------------------


def _gpx(points) -> bytes:
    import datetime as dt

    rows = "".join(
        f'<trkpt lat="{lat}" lon="{lon}"><ele>500</ele><time>'
        f"{dt.datetime.fromtimestamp(t / 1000, dt.UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}"
        "</time></trkpt>"
        for lon, lat, t, _a in points
    )
    return (
        '<?xml version="1.0"?><gpx version="1.1" creator="test" '
        'xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>' + rows + "</trkseg></trk></gpx>"
    ).encode()


def test_a_gpx_file_gives_its_points_and_times():
    points = walk(200, every_s=5.0)
    raw = trackfiles.parse_file("walk.gpx", _gpx(points))
    assert len(raw) == len(points)
    assert raw[0][:3] == [points[0][0], points[0][1], points[0][2]]
    assert T.parse_points(raw).t_ms[-1] == points[-1][2]


def test_a_20_mb_gpx_is_refused_at_once():
    import time

    big = _gpx(walk(10)) + b" " * (20 * 1024 * 1024)
    started = time.perf_counter()
    with pytest.raises(T.TrackError) as caught:
        trackfiles.parse_file("big.gpx", big)
    assert "larger than 5 MB" in caught.value.en
    assert caught.value.field == "track"
    assert time.perf_counter() - started < 1.0


def test_an_xml_bomb_is_refused():
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE gpx [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><gpx>&b;</gpx>'
    )
    with pytest.raises(T.TrackError) as caught:
        trackfiles.parse_file("bomb.gpx", bomb)
    assert "not valid XML" in caught.value.en


def test_a_gpx_point_without_time_is_refused():
    data = (
        b'<gpx xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>'
        b'<trkpt lat="35.5" lon="111.4"/></trkseg></trk></gpx>'
    )
    with pytest.raises(T.TrackError) as caught:
        trackfiles.parse_file("a.gpx", data)
    assert "time" in caught.value.en


def test_a_geojson_track_with_coord_times():
    points = walk(100, every_s=10.0)
    import datetime as dt
    import json

    feature = {
        "type": "Feature",
        "geometry": {"type": "LineString", "coordinates": [[p[0], p[1]] for p in points]},
        "properties": {
            "coordTimes": [
                dt.datetime.fromtimestamp(p[2] / 1000, dt.UTC).isoformat() for p in points
            ]
        },
    }
    raw = trackfiles.parse_file("walk.geojson", json.dumps(feature).encode())
    assert [r[2] for r in raw] == [p[2] for p in points]


def test_a_geojson_line_without_times_is_refused():
    line = {"type": "LineString", "coordinates": [[111.4, 35.5], [111.41, 35.5]]}
    with pytest.raises(T.TrackError) as caught:
        trackfiles.parse_file("a.geojson", __import__("json").dumps(line).encode())
    assert "no times" in caught.value.en


def test_a_kml_gx_track():
    points = walk(100, every_s=10.0)
    import datetime as dt

    whens = "".join(
        f"<when>{dt.datetime.fromtimestamp(p[2] / 1000, dt.UTC).isoformat()}</when>" for p in points
    )
    coords = "".join(f"<gx:coord>{p[0]} {p[1]} 500</gx:coord>" for p in points)
    kml = (
        '<kml xmlns="http://www.opengis.net/kml/2.2" xmlns:gx="http://www.google.com/kml/ext/2.2">'
        f"<Placemark><gx:Track>{whens}{coords}</gx:Track></Placemark></kml>"
    ).encode()
    raw = trackfiles.parse_file("walk.kml", kml)
    assert len(raw) == len(points) and raw[-1][2] == points[-1][2]


def test_a_kml_line_without_times_says_what_to_export():
    kml = (
        b'<kml xmlns="http://www.opengis.net/kml/2.2"><Placemark><LineString>'
        b"<coordinates>111.4,35.5 111.41,35.5</coordinates></LineString></Placemark></kml>"
    )
    with pytest.raises(T.TrackError) as caught:
        trackfiles.parse_file("a.kml", kml)
    assert "gx:Track" in caught.value.en


def test_an_unknown_file_type_is_refused():
    with pytest.raises(T.TrackError) as caught:
        trackfiles.parse_file("walk.fit", b"\x00")
    assert ".gpx" in caught.value.en


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_any_stored_text_decodes_or_is_a_track_error(text):
    try:
        decoded = T.decode(T.FORMAT + text)
    except T.TrackError as error:
        assert error.field == "track"
    else:
        assert decoded.lon.shape == decoded.t_ms.shape
