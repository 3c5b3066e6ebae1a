"""The login lockout rule: plain functions over failure times, no Django.

N failed logins within the window lock the account until the last of those failures plus the
lockout duration. Counting from the failures themselves (not a counter) keeps the rule exact and
leaves nothing to reset.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta


def locked_until(
    failures: Iterable[datetime],
    now: datetime,
    *,
    limit: int,
    window: timedelta,
    duration: timedelta,
) -> datetime | None:
    """When the account unlocks, or None if it is not locked at `now`.

    The account is locked at `now` if some run of `limit` failures fits inside `window` and the
    last failure of that run is less than `duration` ago.
    """
    times = sorted(t for t in failures if t <= now and now - t < window + duration)
    unlock: datetime | None = None
    for end in range(limit - 1, len(times)):
        first, last = times[end - limit + 1], times[end]
        if last - first < window and now < last + duration:
            candidate = last + duration
            unlock = candidate if unlock is None or candidate > unlock else unlock
    return unlock
