"""The pure parameter rules, directly: what each accepted value means."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from riverchief.ogcapi import params
from riverchief.ogcapi.params import CRS84, Interval, ParamError


def test_bbox_of_six_numbers_drops_the_heights():
    assert params.parse_bbox("111,35,-10,112,36,500") == (111.0, 35.0, 112.0, 36.0)


def test_bbox_in_crs84_is_accepted_and_a_point_box_too():
    assert params.parse_bbox("111.5,35.5,111.5,35.5", CRS84) == (111.5, 35.5, 111.5, 35.5)


def test_limit_defaults_to_ten_and_is_capped_at_the_maximum():
    assert params.parse_limit(None) == 10
    assert params.parse_limit("1") == 1
    assert params.parse_limit("10000") == 10_000
    assert params.parse_limit("10001") == 10_000
    assert params.parse_limit("+5") == 5


def test_offset_defaults_to_zero():
    assert params.parse_offset(None) == 0
    assert params.parse_offset("25") == 25


def test_an_instant_is_a_one_moment_interval_in_utc():
    moment = datetime(2026, 5, 1, 0, 0, tzinfo=UTC)
    assert params.parse_datetime("2026-05-01T08:00:00+08:00") == Interval(moment, moment)
    assert params.parse_datetime("2026-05-01t00:00:00z") == Interval(moment, moment)


def test_a_date_is_its_whole_utc_day_and_ends_of_intervals_too():
    day = params.parse_datetime("2026-05-01")
    assert day.start == datetime(2026, 5, 1, tzinfo=UTC)
    assert day.end == datetime(2026, 5, 1, 23, 59, 59, 999999, tzinfo=UTC)
    span = params.parse_datetime("2026-05-01/2026-05-02")
    assert (span.start, span.end) == (
        day.start,
        datetime(2026, 5, 2, 23, 59, 59, 999999, tzinfo=UTC),
    )


def test_fractional_seconds_are_kept():
    found = params.parse_datetime("2026-05-01T00:00:00.250Z/..")
    assert found.start == datetime(2026, 5, 1, 0, 0, 0, 250000, tzinfo=UTC) and found.end is None


@pytest.mark.parametrize("text", ["2026-5-1", "20260501", "2026-05-01T00:00Z", "now", "1/2/3"])
def test_other_time_spellings_are_refused(text):
    with pytest.raises(ParamError) as error:
        params.parse_datetime(text)
    assert error.value.field == "datetime" and "RFC 3339" in error.value.en


def test_format_instant_writes_utc_with_a_z():
    moment = datetime(2026, 5, 1, 8, 0, 30, 999, tzinfo=UTC)
    assert params.format_instant(moment) == "2026-05-01T08:00:30Z"
