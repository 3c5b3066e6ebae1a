"""The working-day calendar as data: the office's edits, and the cached pure Calendar.

Every deadline asks `current_calendar()`, which keeps one `workdays.Calendar` per process and
rebuilds it when the calendar version (core.Setting, bumped by every edit in its transaction)
changes. The version is a random token rather than a counter, so a rolled-back edit can never
leave a stale calendar that a later edit's counter value would match.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from riverchief.core import audit, calendar_seed, settings_store
from riverchief.core.errors import DomainError
from riverchief.core.models import CalendarDay, CalendarYear
from riverchief.core.scoping import scope_of
from riverchief.core.workdays import (
    NAME_MAX_LENGTH,
    Calendar,
    DayOverride,
    ScheduleError,
    SpecialDay,
    parse_schedule,
)

VERSION_KEY = "calendar_version"
FIRST_YEAR, LAST_YEAR = 1900, 2200
KINDS = ("working", "holiday")

SCHEDULE_ERRORS = {
    "format": _('Write a date, then 休 or 班, then an optional name, e.g. "2027-01-01 休 元旦".'),
    "date": _("This is not a valid date."),
    "reversed": _("The range ends before it starts."),
    "range_too_long": _("A range may cover at most 31 days."),
    "kind": _("Write 休 (day off) or 班 (working day) after the date."),
    "name_too_long": _("The name may have at most 60 characters."),
    "wrong_year": _("This day does not lie in the year being entered."),
    "duplicate": _("This day already appears on an earlier line."),
}

_lock = threading.Lock()
_cache: dict[str, Any] = {"version": None, "calendar": None}


# --- reads ---------------------------------------------------------------------------------


def _build() -> Calendar:
    overrides = {
        day: DayOverride(working, name)
        for day, working, name in CalendarDay.objects.values_list("date", "is_working_day", "name")
    }
    official = CalendarYear.objects.filter(status=CalendarYear.OFFICIAL).values_list(
        "year", flat=True
    )
    return Calendar(overrides, official)


def current_calendar() -> Calendar:
    """The calendar as the table says now; cached per process until the next edit."""
    version = settings_store.get(VERSION_KEY)
    with _lock:
        if _cache["calendar"] is None or _cache["version"] != version:
            _cache["calendar"] = _build()
            _cache["version"] = version
        return _cache["calendar"]


def bump_version() -> None:
    """Called inside every edit's transaction: other processes rebuild on their next read."""
    settings_store.put(VERSION_KEY, uuid.uuid4().hex)


@dataclass(frozen=True)
class YearOverview:
    year: int
    source: str  # "official" | "fallback"
    row: CalendarYear | None
    days: list[SpecialDay]
    stored: dict[date, str]  # date -> "package" | "office" for the days in the table

    @property
    def holidays(self) -> list[SpecialDay]:
        return [day for day in self.days if not day.is_working_day]

    @property
    def working_days(self) -> list[SpecialDay]:
        return [day for day in self.days if day.is_working_day]


def year_overview(year: int) -> YearOverview:
    """What the year page shows: its source, who entered it, its holidays and 调休 days."""
    calendar = current_calendar()
    stored = dict(CalendarDay.objects.filter(date__year=year).values_list("date", "source"))
    return YearOverview(
        year=year,
        source=calendar.source_of(year),
        row=CalendarYear.objects.filter(year=year).first(),
        days=calendar.special_days(year),
        stored=stored,
    )


# --- writes ------------------------------------------------------------------------------


def _check_may_change(actor) -> None:
    """None is the system (CLI, migration); a person needs the office's capability."""
    if actor is not None:
        scope_of(actor).require("calendar.change")


def _division_code(actor) -> str:
    # The entry is filed under the actor's division so that their office can read it.
    return (scope_of(actor).division_code or "") if actor is not None else ""


def _check_year(year: Any, field: str = "year") -> int:
    try:
        number = int(year)
    except (TypeError, ValueError):
        raise DomainError(_("Enter a year such as 2027."), field=field) from None
    if not FIRST_YEAR <= number <= LAST_YEAR:
        raise DomainError(
            _("The year must lie between %(first)d and %(last)d."),
            field=field,
            params={"first": FIRST_YEAR, "last": LAST_YEAR},
        )
    return number


def _day_snapshot(row: CalendarDay | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {"is_working_day": row.is_working_day, "name": row.name, "source": row.source}


@transaction.atomic
def set_day(actor, day: date, kind: str, name: str = "") -> CalendarDay:
    """State one day as a working day or a holiday (with its name), overriding every rule."""
    _check_may_change(actor)
    if not isinstance(day, date):
        raise DomainError(_("Enter a date."), field="date", code="required")
    _check_year(day.year, "date")
    if kind not in KINDS:
        raise DomainError(_("Choose working day or holiday."), field="kind")
    name = (name or "").strip()
    if len(name) > NAME_MAX_LENGTH:
        raise DomainError(_("The name may have at most 60 characters."), field="name")
    row = CalendarDay.objects.select_for_update().filter(date=day).first()
    before = _day_snapshot(row)
    if row is None:
        row = CalendarDay(date=day)
    row.is_working_day = kind == "working"
    row.name = name
    row.source = "office"
    row.save()
    audit.record(
        actor,
        "calendar.set_day",
        row,
        before=before,
        after=_day_snapshot(row),
        division_code=_division_code(actor),
    )
    bump_version()
    return row


@transaction.atomic
def clear_day(actor, day: date) -> None:
    """Remove a day's explicit status: it follows the year's rule again."""
    _check_may_change(actor)
    row = CalendarDay.objects.select_for_update().filter(date=day).first()
    if row is None:
        return
    before = _day_snapshot(row)
    audit.record(
        actor,
        "calendar.clear_day",
        row,
        before=before,
        after=None,
        division_code=_division_code(actor),
    )
    row.delete()
    bump_version()


def schedule_error(error: ScheduleError) -> DomainError:
    reason = SCHEDULE_ERRORS.get(error.code, SCHEDULE_ERRORS["format"])
    return DomainError(
        _("Line %(line)d (%(text)s): %(reason)s"),
        field="schedule",
        code="schedule_line",
        params={"line": error.line_number, "text": error.line[:80], "reason": reason},
    )


@transaction.atomic
def enter_year(actor, year: Any, text: str, note: str = "") -> CalendarYear:
    """Replace a year's days with the State Council schedule pasted as text; the year becomes
    official. Nothing is written unless every line reads."""
    _check_may_change(actor)
    year = _check_year(year)
    try:
        lines = parse_schedule(text or "", year)
    except ScheduleError as error:
        raise schedule_error(error) from None
    if not lines:
        raise DomainError(_("The schedule is empty."), field="schedule", code="required")
    note = (note or "").strip()
    existing = CalendarYear.objects.select_for_update().filter(year=year).first()
    old_days = list(CalendarDay.objects.filter(date__year=year).order_by("date"))
    before = {
        "status": existing.status if existing else CalendarYear.FALLBACK,
        "entered_by": existing.entered_by_name if existing else "",
        "days": [_schedule_line(row.date, row.is_working_day, row.name) for row in old_days],
    }
    CalendarDay.objects.filter(date__year=year).delete()
    CalendarDay.objects.bulk_create(
        [
            CalendarDay(
                date=line.day, is_working_day=line.is_working_day, name=line.name, source="office"
            )
            for line in lines
        ]
    )
    row = existing or CalendarYear(year=year)
    row.status = CalendarYear.OFFICIAL
    row.note = note
    authenticated = actor is not None and actor.is_authenticated
    row.entered_by = actor if authenticated else None
    row.entered_by_name = actor.get_username() if authenticated else "system"
    row.entered_at = timezone.now()
    row.save()
    audit.record(
        actor,
        "calendar.enter_year",
        row,
        before=before,
        after={
            "status": row.status,
            "entered_by": row.entered_by_name,
            "days": [_schedule_line(line.day, line.is_working_day, line.name) for line in lines],
        },
        message=note,
        division_code=_division_code(actor),
    )
    bump_version()
    return row


def _schedule_line(day: date, working: bool, name: str) -> str:
    return f"{day.isoformat()} {'班' if working else '休'} {name}".strip()


@transaction.atomic
def seed_from_package(actor=None) -> list[int]:
    """Add the years a newer chinese-calendar knows that the table lacks (never overwrites)."""
    _check_may_change(actor)
    filled = calendar_seed.seed(CalendarDay, CalendarYear, now=timezone.now())
    if filled:
        audit.record(
            actor,
            "calendar.seed",
            object_type="core.calendaryear",
            object_repr=", ".join(str(year) for year in filled),
            message=calendar_seed.package_label(),
            division_code=_division_code(actor),
        )
        bump_version()
    return filled
