"""The escalation rule for overdue problems, on working days. Pure: no Django, no database.

Levels (river-chief-system.md §4.5, Appendix A): 0 normal, 1 yellow (黄牌, overdue), 2 red
(红牌, 挂牌督办), 3 通报. With a deadline `D` (an aware datetime; its *due day* is D's date in
Asia/Shanghai), `N = red_after_working_days` and `M = notice_after_working_days`:

- yellow (1) once `now > D`: overdue, exactly as `queries.overdue_q()` says;
- red (2) once the N working days after the due day are over: `today > add_working_days(due, N)`;
- 通报 (3) once M more working days are over: `today > add_working_days(due, N + M)`;
- a reminder (an event, not a level) once the last working day before the due day has begun,
  while the problem is not overdue: `start_of(previous_working_day(due)) <= now <= D`; it is sent
  once per window, i.e. not if a reminder was already sent since that moment.

`today` is now's date in Asia/Shanghai; working days follow the calendar given (holidays and
调休 included). A problem due on 2026-09-30, the eve of 国庆 (10-01 to 10-07 off, 10-10 a
make-up working day), is yellow from 10-01 00:00, stays yellow through the holiday week, turns red
on 10-11 (3 working days: 10-08, 10-09, 10-10) and reaches 通报 on 10-17 (5 more: 10-12 to 10-16).

`cutoffs()` turns the same rule round for the sweep's SQL: for a given `now`, the level a problem
should be at depends only on which cut-off its deadline lies before, so one indexed query finds
every problem whose level is too low.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Final, Protocol

from riverchief.core.workdays import TIME_ZONE, local_date

NORMAL: Final = 0
YELLOW: Final = 1
RED: Final = 2
NOTICE: Final = 3
LEVELS: Final = (NORMAL, YELLOW, RED, NOTICE)
MAX_LEVEL: Final = NOTICE
# No real calendar goes this long without a working day (the same guard as core.workdays).
MAX_DAYS_OFF_IN_A_ROW: Final = 400


class WorkingDays(Protocol):
    """What the rule needs of a calendar (`core.workdays.Calendar` has it)."""

    def is_working_day(self, day: date | datetime) -> bool: ...


@dataclass(frozen=True)
class Rules:
    """The office's settings: working days after the due day until red, then until 通报."""

    red_after_working_days: int = 3
    notice_after_working_days: int = 5

    def __post_init__(self) -> None:
        if self.red_after_working_days < 0 or self.notice_after_working_days < 0:
            raise ValueError("escalation working days must not be negative")


@dataclass(frozen=True)
class Decision:
    """What the rule says about one problem now."""

    level: int  # the level the problem should be at (0 to 3)
    escalate_to: int | None  # `level` when it is above the current level, else None
    remind: bool  # a reminder is due now (inside the window, and none sent in it yet)
    remind_from: datetime | None  # the start of the reminder window (None: no deadline)


@dataclass(frozen=True)
class Cutoffs:
    """For one `now`: a problem should be at level >= k exactly when its deadline is before the
    k-th cut-off (`yellow`, `red`, `notice`). `remind_days` maps each due day whose reminder
    window is open now to the window's start."""

    now: datetime
    yellow: datetime
    red: datetime
    notice: datetime
    remind_days: dict[date, datetime]

    def before(self, level: int) -> datetime:
        return {YELLOW: self.yellow, RED: self.red, NOTICE: self.notice}[level]


def start_of_day(day: date) -> datetime:
    """00:00 in Asia/Shanghai on that day, as an aware datetime."""
    return datetime.combine(day, time.min, tzinfo=TIME_ZONE)


def _step(calendar: WorkingDays, day: date, direction: int) -> date:
    """The first working day strictly after (direction 1) or before (-1) the day."""
    for _ in range(MAX_DAYS_OFF_IN_A_ROW + 1):
        day += timedelta(days=direction)
        if calendar.is_working_day(day):
            return day
    raise ValueError(f"no working day within {MAX_DAYS_OFF_IN_A_ROW} days of {day}")


def add_working_days(calendar: WorkingDays, start: date, n: int) -> date:
    """The n-th working day strictly after `start` (`start` itself when n == 0)."""
    if n < 0:
        raise ValueError("n must not be negative")
    day = start
    for _ in range(n):
        day = _step(calendar, day, 1)
    return day


def previous_working_day(calendar: WorkingDays, day: date) -> date:
    """The last working day strictly before the day."""
    return _step(calendar, day, -1)


def level_due(deadline: datetime, now: datetime, calendar: WorkingDays, rules: Rules) -> int:
    """The level a problem with this deadline should be at now (0 to 3)."""
    if not deadline < now:
        return NORMAL
    due, today = local_date(deadline), local_date(now)
    red_day = add_working_days(calendar, due, rules.red_after_working_days)
    if not today > red_day:
        return YELLOW
    notice_day = add_working_days(calendar, red_day, rules.notice_after_working_days)
    return NOTICE if today > notice_day else RED


def remind_window(deadline: datetime, calendar: WorkingDays) -> tuple[datetime, datetime]:
    """[start, end] of the reminder window: the last working day before the due day begins,
    until the deadline."""
    due = local_date(deadline)
    return start_of_day(previous_working_day(calendar, due)), deadline


def decide(
    deadline: datetime | None,
    now: datetime,
    calendar: WorkingDays,
    escalation_level: int,
    rules: Rules | None = None,
    last_reminded_at: datetime | None = None,
) -> Decision:
    """The rule for one problem held by its handler (the clock runs only then).

    The level never goes down here: an extension does not undo a yellow card, and a new
    assignment resets the level in the workflow itself.
    """
    rules = rules or Rules()
    if deadline is None:
        return Decision(NORMAL, None, False, None)
    level = level_due(deadline, now, calendar, rules)
    start, end = remind_window(deadline, calendar)
    in_window = start <= now <= end
    reminded = last_reminded_at is not None and last_reminded_at >= start
    return Decision(
        level=level,
        escalate_to=level if level > escalation_level else None,
        remind=in_window and not reminded,
        remind_from=start,
    )


def _cutoff_day(calendar: WorkingDays, today: date, n: int) -> date:
    """The first due day d for which `add_working_days(d, n) < today` fails: every earlier due
    day has had its n working days after it end before today."""
    if n == 0:
        return today
    day = today
    for _ in range(n):
        day = _step(calendar, day, -1)
    return day


def cutoffs(now: datetime, calendar: WorkingDays, rules: Rules | None = None) -> Cutoffs:
    """The deadlines below which each level is due now, and the reminder windows open now."""
    rules = rules or Rules()
    today = local_date(now)
    red = _cutoff_day(calendar, today, rules.red_after_working_days)
    notice = _cutoff_day(
        calendar, today, rules.red_after_working_days + rules.notice_after_working_days
    )
    # A due day's window is open when the last working day before it has begun: the due days
    # from today to the next working day.
    remind_days: dict[date, datetime] = {}
    last = _step(calendar, today, 1)
    day = today
    while day <= last:
        remind_days[day] = start_of_day(previous_working_day(calendar, day))
        day += timedelta(days=1)
    return Cutoffs(
        now=now,
        yellow=now,
        red=start_of_day(red),
        notice=start_of_day(notice),
        remind_days=remind_days,
    )


def level_name(level: int) -> str:
    """A stable English key for a level, for logs and event data."""
    return {NORMAL: "normal", YELLOW: "yellow", RED: "red", NOTICE: "notice"}[level]


__all__ = [
    "LEVELS",
    "NORMAL",
    "NOTICE",
    "RED",
    "YELLOW",
    "Cutoffs",
    "Decision",
    "Rules",
    "WorkingDays",
    "add_working_days",
    "cutoffs",
    "decide",
    "level_due",
    "level_name",
    "previous_working_day",
    "remind_window",
    "start_of_day",
]
