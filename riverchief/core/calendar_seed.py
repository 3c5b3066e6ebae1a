"""The holiday table's starting point: every year the `chinese-calendar` package knows.

Only days that differ from the weekday rule are stored: holidays on weekdays and working weekends
(调休). Years the package does not know raise NotImplementedError there (2027 in version 1.11);
they are left out and follow the fallback rule until the office enters them.

Used by the data migration (with historical models) and by `calendar_service.seed_from_package`,
so it takes the two model classes as arguments and imports no models itself.
"""

from __future__ import annotations

from datetime import date, timedelta
from importlib import metadata

import chinese_calendar

PACKAGE = "chinese-calendar"
FIRST_YEAR_TRIED = 2000
SOURCE_PACKAGE = "package"


def package_label() -> str:
    try:
        return f"{PACKAGE} {metadata.version(PACKAGE)}"
    except metadata.PackageNotFoundError:  # pragma: no cover - it is a dependency
        return PACKAGE


def _supports(year: int) -> bool:
    try:
        chinese_calendar.is_holiday(date(year, 1, 1))
        chinese_calendar.is_holiday(date(year, 12, 31))
    except NotImplementedError:
        return False
    return True


def package_years(until: int | None = None) -> list[int]:
    """The years the package has a schedule for (2004–2026 in version 1.11)."""
    last = until if until is not None else date.today().year + 3
    return [year for year in range(FIRST_YEAR_TRIED, last + 1) if _supports(year)]


def _chinese_name(english: str | None) -> str:
    if not english:
        return ""
    try:
        return chinese_calendar.Holiday(english).chinese
    except ValueError:
        return english


def package_days(year: int) -> list[tuple[date, bool, str]]:
    """(day, is working day, Chinese name) for the year's days that differ from the weekday rule."""
    found = []
    day = date(year, 1, 1)
    while day.year == year:
        on_holiday, english = chinese_calendar.get_holiday_detail(day)
        weekend = day.weekday() >= 5
        if on_holiday != weekend:
            found.append((day, not on_holiday, _chinese_name(english)))
        day += timedelta(days=1)
    return found


def seed(calendar_day_model, calendar_year_model, *, now, years=None) -> list[int]:
    """Fill every package year that has no CalendarYear row yet; returns the years filled.

    A year the office has entered (or reset) keeps its row and is never overwritten.
    """
    label = package_label()
    taken = set(calendar_year_model.objects.values_list("year", flat=True))
    filled = []
    for year in years if years is not None else package_years():
        if year in taken:
            continue
        rows = package_days(year)
        # Days the office set one by one in a year not yet entered keep the office's word.
        kept = set(
            calendar_day_model.objects.filter(date__year=year).values_list("date", flat=True)
        )
        calendar_day_model.objects.bulk_create(
            [
                calendar_day_model(
                    date=day, is_working_day=working, name=name, source=SOURCE_PACKAGE
                )
                for day, working, name in rows
                if day not in kept
            ]
        )
        calendar_year_model.objects.create(
            year=year,
            status="official",
            note=label,
            entered_by_name=label,
            entered_at=now,
        )
        filled.append(year)
    return filled
