"""Working days on the official Chinese calendar, make-up working days (调休) included. Pure.

A `Calendar` is built from explicit day overrides (a holiday or a working day, with a name) and the
set of *official* years, those whose State Council schedule has been entered in full. Rules:

- In an official year a day is a working day when its override says so; without an override,
  Monday to Friday are working days and Saturday and Sunday are not.
- In any other year (*fallback*), an override still wins; otherwise the statutory holidays the
  `holidays` package computes (the legal days and their 补假 substitutes when one falls on a
  weekend) are days off, weekends are days off, and there are NO make-up working days, because
  those exist only once the State Council publishes them. `source_of(year)` says which rule a year
  follows, so that every screen can show it.

Deadlines. `add_working_days(start, n)` is the n-th working day strictly after the start's day
(for a datetime: its date in Asia/Shanghai); n == 0 gives the start's day itself. A problem
assigned on a Friday with 1 working day is due on the Monday; assigned on a Saturday, also on the
Monday. `deadline(start, n)` is the end of that day, 23:59:59.999 Asia/Shanghai, as an aware
datetime. `working_days_between(a, b)` counts the working days d with a < d <= b (negative when
b < a), so `working_days_between(a, add_working_days(a, n)) == n`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Final, Literal, TypeAlias
from zoneinfo import ZoneInfo

from holidays.utils import country_holidays

Source = Literal["official", "fallback"]
OFFICIAL: Final = "official"
FALLBACK: Final = "fallback"

TIME_ZONE: Final = ZoneInfo("Asia/Shanghai")
END_OF_DAY: Final = time(23, 59, 59, 999000)
# No real calendar goes this long without a working day; an edited one that does is an error.
MAX_DAYS_OFF_IN_A_ROW: Final = 400
NAME_MAX_LENGTH: Final = 60

Day: TypeAlias = date | datetime


@dataclass(frozen=True)
class DayOverride:
    """An explicit status for one day: a holiday (with its name) or a working day (调休)."""

    is_working_day: bool
    name: str = ""


@dataclass(frozen=True)
class SpecialDay:
    """A day whose status differs from the plain weekday rule, or an explicitly set day."""

    day: date
    is_working_day: bool
    name: str
    entered: bool  # True: an override (package or office); False: the fallback's statutory rule


FallbackRule = Callable[[int], Mapping[date, str]]


@lru_cache(maxsize=64)
def _statutory_holidays(year: int) -> dict[date, str]:
    # Empty where the package has no rule for the year (it stops at 2100): weekends only.
    found = country_holidays("CN", years=year, language="zh_CN")
    return {day: str(name) for day, name in sorted(found.items()) if day.year == year}


def statutory_holidays(year: int) -> Mapping[date, str]:
    """The `holidays` package's statutory days off in China for a year, with Chinese names."""
    return dict(_statutory_holidays(year))


def local_date(value: Day) -> date:
    """The day of a date, or of an aware datetime in Asia/Shanghai."""
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("a naive datetime has no day in Asia/Shanghai; pass an aware one")
        return value.astimezone(TIME_ZONE).date()
    return value


def end_of_day(day: Day) -> datetime:
    """23:59:59.999 in Asia/Shanghai on that day, as an aware datetime."""
    return datetime.combine(local_date(day), END_OF_DAY, tzinfo=TIME_ZONE)


def is_weekend(day: date) -> bool:
    return day.weekday() >= 5


class Calendar:
    """Which days are working days, from explicit overrides, official years and a fallback."""

    def __init__(
        self,
        overrides: Mapping[date, DayOverride] | None = None,
        official_years: Iterable[int] = (),
        fallback: FallbackRule = statutory_holidays,
    ) -> None:
        self._overrides: dict[date, DayOverride] = dict(overrides or {})
        self._official: frozenset[int] = frozenset(official_years)
        self._fallback = fallback
        self._fallback_days: dict[int, Mapping[date, str]] = {}

    @property
    def official_years(self) -> frozenset[int]:
        return self._official

    def source_of(self, year: int) -> Source:
        """`OFFICIAL` when the year's schedule has been entered in full, `FALLBACK` otherwise."""
        return OFFICIAL if year in self._official else FALLBACK

    def _statutory(self, year: int) -> Mapping[date, str]:
        days = self._fallback_days.get(year)
        if days is None:
            days = self._fallback_days[year] = self._fallback(year)
        return days

    def is_working_day(self, day: Day) -> bool:
        day = local_date(day)
        override = self._overrides.get(day)
        if override is not None:
            return override.is_working_day
        if is_weekend(day):
            return False
        if day.year in self._official:
            return True
        return day not in self._statutory(day.year)

    def name_of(self, day: Day) -> str:
        """The holiday or 调休 name of a day, "" for an ordinary one."""
        day = local_date(day)
        override = self._overrides.get(day)
        if override is not None:
            return override.name
        if day.year in self._official:
            return ""
        return self._statutory(day.year).get(day, "")

    def next_working_day(self, day: Day) -> date:
        """The first working day strictly after the day."""
        return self.add_working_days(day, 1)

    def add_working_days(self, start: Day, n: int) -> date:
        """The n-th working day strictly after the start's day; the start's day when n == 0."""
        if n < 0:
            raise ValueError("n must not be negative")
        day = local_date(start)
        remaining = n
        days_off = 0
        while remaining:
            day += timedelta(days=1)
            if self.is_working_day(day):
                remaining -= 1
                days_off = 0
            else:
                days_off += 1
                if days_off > MAX_DAYS_OFF_IN_A_ROW:
                    raise ValueError(f"no working day in the {days_off} days before {day}")
        return day

    def deadline(self, start: Day, n: int) -> datetime:
        """The end (23:59:59.999 Asia/Shanghai) of the n-th working day after the start's day."""
        return end_of_day(self.add_working_days(start, n))

    def working_days_between(self, a: Day, b: Day) -> int:
        """Working days d with a < d <= b; negative (the same count) when b is before a."""
        first, last = local_date(a), local_date(b)
        sign = 1
        if last < first:
            first, last, sign = last, first, -1
        count = 0
        day = first
        while day < last:
            day += timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return sign * count

    def fallback_years_between(self, a: Day, b: Day) -> tuple[int, ...]:
        """The years from a's to b's (either order) that follow the fallback rule."""
        first, last = sorted((local_date(a).year, local_date(b).year))
        return tuple(y for y in range(first, last + 1) if self.source_of(y) == FALLBACK)

    def special_days(self, year: int) -> list[SpecialDay]:
        """Overrides of the year, and in a fallback year the statutory days off, by date."""
        found: dict[date, SpecialDay] = {}
        if year not in self._official:
            for day, name in self._statutory(year).items():
                found[day] = SpecialDay(day, False, name, entered=False)
        for day, override in self._overrides.items():
            if day.year == year:
                found[day] = SpecialDay(day, override.is_working_day, override.name, entered=True)
        return [found[day] for day in sorted(found)]


# --- the schedule text the office pastes: one line per day or range ---------------------------

OFF_WORDS: Final = frozenset({"休", "假", "休息", "放假", "off", "holiday"})
WORK_WORDS: Final = frozenset({"班", "上班", "work", "working"})
MAX_RANGE_DAYS: Final = 31

_DATE = r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}"
_LINE = re.compile(
    rf"^(?P<first>{_DATE})(?:\s*(?:~|～|\.\.|至|to)\s*(?P<last>{_DATE}))?"
    r"\s+(?P<kind>\S+)(?:\s+(?P<name>.*))?$"
)


@dataclass(frozen=True)
class ScheduleLine:
    """One day of a pasted schedule."""

    day: date
    is_working_day: bool
    name: str
    line_number: int


class ScheduleError(ValueError):
    """A line of a pasted schedule that cannot be read; `code` says why."""

    def __init__(self, line_number: int, line: str, code: str) -> None:
        super().__init__(f"line {line_number}: {code}: {line}")
        self.line_number = line_number
        self.line = line
        self.code = code


def _parse_date(text: str) -> date | None:
    parts = re.split(r"[-/.]", text)
    try:
        return date(int(parts[0]), int(parts[1]), int(parts[2]))
    except (ValueError, IndexError):
        return None


def parse_schedule(text: str, year: int | None = None) -> list[ScheduleLine]:
    """Read lines such as "2027-01-01 休 元旦", "2027-02-05~2027-02-11 休 春节", "2027-02-20 班".

    Blank lines and text after "#" are ignored. Kinds: 休/假/休息/放假/off/holiday for a day off,
    班/上班/work/working for a working day. With `year`, every day must lie in that year. A day
    may appear once. Raises ScheduleError for the first line that cannot be read.
    """
    found: list[ScheduleLine] = []
    seen: set[date] = set()
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        match = _LINE.match(line)
        if match is None:
            raise ScheduleError(number, raw.strip(), "format")
        first = _parse_date(match["first"])
        last = _parse_date(match["last"]) if match["last"] else first
        if first is None or last is None:
            raise ScheduleError(number, raw.strip(), "date")
        if last < first:
            raise ScheduleError(number, raw.strip(), "reversed")
        if (last - first).days >= MAX_RANGE_DAYS:
            raise ScheduleError(number, raw.strip(), "range_too_long")
        kind = match["kind"].lower()
        if kind in OFF_WORDS:
            working = False
        elif kind in WORK_WORDS:
            working = True
        else:
            raise ScheduleError(number, raw.strip(), "kind")
        name = (match["name"] or "").strip()
        if len(name) > NAME_MAX_LENGTH:
            raise ScheduleError(number, raw.strip(), "name_too_long")
        day = first
        while day <= last:
            if year is not None and day.year != year:
                raise ScheduleError(number, raw.strip(), "wrong_year")
            if day in seen:
                raise ScheduleError(number, raw.strip(), "duplicate")
            seen.add(day)
            found.append(ScheduleLine(day, working, name, number))
            day += timedelta(days=1)
    return found
