"""The lockout rule as a plain function: 10 failures inside 15 minutes lock for 15 minutes."""

from datetime import UTC, datetime, timedelta

from riverchief.accounts.lockout import locked_until

T0 = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)
RULE = {"limit": 10, "window": timedelta(minutes=15), "duration": timedelta(minutes=15)}


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def test_nine_failures_do_not_lock():
    failures = [T0 + minutes(i) for i in range(9)]
    assert locked_until(failures, T0 + minutes(9), **RULE) is None


def test_ten_failures_within_fifteen_minutes_lock_for_fifteen_minutes_after_the_last():
    failures = [T0 + minutes(i) for i in range(10)]  # last at 08:09
    assert locked_until(failures, T0 + minutes(10), **RULE) == T0 + minutes(24)
    assert locked_until(failures, T0 + minutes(23.9), **RULE) == T0 + minutes(24)
    assert locked_until(failures, T0 + minutes(24), **RULE) is None


def test_ten_failures_spread_over_more_than_fifteen_minutes_do_not_lock():
    failures = [T0 + minutes(2 * i) for i in range(10)]  # 18 minutes from first to last
    assert locked_until(failures, T0 + minutes(19), **RULE) is None


def test_future_failures_are_ignored():
    failures = [T0 + minutes(60 + i) for i in range(10)]
    assert locked_until(failures, T0, **RULE) is None
