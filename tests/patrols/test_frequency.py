"""Frequency windows of a month and their status."""

from __future__ import annotations

import datetime as dt

import pytest

from riverchief.patrols import frequency as F


def test_weeks_of_a_month_are_those_starting_in_it():
    weeks = F.windows("week", 2026, 11)  # 2026-11-01 is a Sunday
    assert [w.first for w in weeks] == [dt.date(2026, 11, d) for d in (2, 9, 16, 23, 30)]
    assert weeks[-1].last == dt.date(2026, 12, 6)
    assert weeks[0].key == "2026-W45"
    assert len(F.windows("week", 2026, 2)) == 4  # 2026-02-02 .. 2026-02-23


def test_longer_periods_hold_the_month():
    assert F.windows("month", 2026, 2)[0].last == dt.date(2026, 2, 28)
    quarter = F.windows("quarter", 2026, 11)[0]
    assert (quarter.key, quarter.first, quarter.last) == (
        "2026-Q4",
        dt.date(2026, 10, 1),
        dt.date(2026, 12, 31),
    )
    assert F.windows("half", 2026, 5)[0].key == "2026-H1"
    assert F.windows("year", 2026, 5)[0].last == dt.date(2026, 12, 31)


def test_status_of_windows_and_people():
    window = F.windows("month", 2026, 11)[0]
    assert F.window_status(1, 1, window, dt.date(2026, 11, 5)) == F.MET
    assert F.window_status(0, 1, window, dt.date(2026, 11, 5)) == F.DUE
    assert F.window_status(0, 1, window, dt.date(2026, 12, 1)) == F.MISSED
    assert F.window_status(1, 2, window, dt.date(2026, 12, 1)) == F.MISSED
    assert F.person_status([F.MET, F.DUE]) == F.DUE
    assert F.person_status([F.MET, F.MISSED, F.DUE]) == F.MISSED
    assert F.person_status([F.MET, F.MET]) == F.MET
    assert F.person_status([]) == F.NOT_REQUIRED


def test_active_months_and_checked_rules():
    rule = F.FrequencyRule("month", 1, tuple(range(3, 13)))
    assert not F.is_active(rule, 1) and F.is_active(rule, 3)
    for bad in (("daily", 1, F.ALL_MONTHS), ("week", 0, F.ALL_MONTHS), ("week", 1, (13,))):
        with pytest.raises(ValueError):
            F.FrequencyRule(*bad)
    for text in ("2026-13", "26-01", "2026/01", ""):
        with pytest.raises(ValueError):
            F.parse_month(text)
    assert F.parse_month("2026-01") == (2026, 1)
