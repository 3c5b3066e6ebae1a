"""How often each level and role must patrol, and whether a person did. Pure: no Django.

A `FrequencyRule` is data the office edits: `times` valid patrols per `period` (week, month,
quarter, half-year, year), counted only in `active_months` (阿合奇 counts March–December).
Defaults (river-chief-system.md §3.1): county chief 1 per quarter, township 1 per month, village
1 per week, 巡河员 1 per week, every month active.

A report is asked for one calendar month. The windows that month is judged by:
- week: each Monday-to-Sunday week whose Monday lies in the month (so a week belongs to one
  month only, and a month has four or five);
- month: the month; quarter, half, year: the one holding the month (met as soon as reached).
A window is `met` with `times` valid patrols in it, `missed` once it is over without them, and
`due` while it is still running. A person is met in a month when every window is met, missed
when any is missed, due otherwise; `not_required` in a month outside the active months.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final

PERIODS: Final = ("week", "month", "quarter", "half", "year")
MET: Final = "met"
DUE: Final = "due"
MISSED: Final = "missed"
NOT_REQUIRED: Final = "not_required"
ALL_MONTHS: Final = tuple(range(1, 13))


@dataclass(frozen=True)
class FrequencyRule:
    period: str = "month"
    times: int = 1
    active_months: tuple[int, ...] = ALL_MONTHS

    def __post_init__(self) -> None:
        if self.period not in PERIODS:
            raise ValueError(f"period must be one of {', '.join(PERIODS)}")
        if not 1 <= self.times <= 1000:
            raise ValueError("times must lie between 1 and 1000")
        if not self.active_months or any(not 1 <= m <= 12 for m in self.active_months):
            raise ValueError("active months must be 1–12, at least one")


DEFAULTS: Final = {
    ("county", "chief"): FrequencyRule("quarter", 1),
    ("township", "chief"): FrequencyRule("month", 1),
    ("village", "chief"): FrequencyRule("week", 1),
    ("village", "patroller"): FrequencyRule("week", 1),
    ("township", "patroller"): FrequencyRule("week", 1),
    ("county", "patroller"): FrequencyRule("week", 1),
}


@dataclass(frozen=True)
class Window:
    key: str  # "2026-W48", "2026-11", "2026-Q4", "2026-H2", "2026"
    first: dt.date
    last: dt.date


def parse_month(text: str) -> tuple[int, int]:
    """'2026-11' -> (2026, 11); ValueError otherwise."""
    parts = text.strip().split("-")
    if len(parts) != 2 or len(parts[0]) != 4 or not all(p.isdigit() for p in parts):
        raise ValueError("period must be YYYY-MM")
    year, month = int(parts[0]), int(parts[1])
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        raise ValueError("period must be YYYY-MM")
    return year, month


def _month_last(year: int, month: int) -> dt.date:
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def windows(period: str, year: int, month: int) -> list[Window]:
    """The windows by which `period` is judged in the month `year-month`."""
    first, last = dt.date(year, month, 1), _month_last(year, month)
    if period == "week":
        monday = first + dt.timedelta(days=(7 - first.weekday()) % 7)
        found = []
        while monday <= last:
            iso = monday.isocalendar()
            found.append(
                Window(f"{iso.year}-W{iso.week:02d}", monday, monday + dt.timedelta(days=6))
            )
            monday += dt.timedelta(days=7)
        return found
    if period == "month":
        return [Window(f"{year}-{month:02d}", first, last)]
    if period == "quarter":
        q = (month - 1) // 3
        return [
            Window(f"{year}-Q{q + 1}", dt.date(year, 3 * q + 1, 1), _month_last(year, 3 * q + 3))
        ]
    if period == "half":
        h = (month - 1) // 6
        return [
            Window(f"{year}-H{h + 1}", dt.date(year, 6 * h + 1, 1), _month_last(year, 6 * h + 6))
        ]
    if period == "year":
        return [Window(str(year), dt.date(year, 1, 1), dt.date(year, 12, 31))]
    raise ValueError(f"unknown period {period}")


def window_status(count: int, times: int, window: Window, today: dt.date) -> str:
    if count >= times:
        return MET
    return MISSED if today > window.last else DUE


def person_status(statuses: list[str]) -> str:
    if not statuses:
        return NOT_REQUIRED
    if MISSED in statuses:
        return MISSED
    if DUE in statuses:
        return DUE
    return MET


def is_active(rule: FrequencyRule, month: int) -> bool:
    return month in rule.active_months
