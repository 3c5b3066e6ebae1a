"""Handling deadlines: a date, or a number of working days from now, ending at the day's end.

Working days follow the office's holiday calendar (`core.calendar_service.current_calendar()`,
调休 included); a year whose State Council schedule is not entered yet follows the documented
fallback, and `calendar_source` says which rule a deadline was computed by.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from riverchief.core import workdays
from riverchief.core.calendar_service import current_calendar

MAX_WORKING_DAYS = 365


def due_date(start: dt.date | dt.datetime, working_days: int) -> dt.date:
    """The `working_days`-th working day after `start`'s day (`start` itself not counted)."""
    return current_calendar().add_working_days(start, working_days)


def end_of_day(day: dt.date) -> dt.datetime:
    """The end of the day in Asia/Shanghai (deadlines are whole days)."""
    return workdays.end_of_day(day)


def deadline_in(working_days: int, now: dt.datetime | None = None) -> dt.datetime:
    return end_of_day(due_date(now or timezone.now(), working_days))


def calendar_source(deadline: dt.datetime | None) -> str | None:
    """ "official" or "fallback": which calendar rule holds for the deadline's year."""
    if deadline is None:
        return None
    return current_calendar().source_of(workdays.local_date(deadline).year)


def is_overdue(deadline: dt.datetime | None, now: dt.datetime | None = None) -> bool:
    return deadline is not None and deadline < (now or timezone.now())
