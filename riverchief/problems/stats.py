"""Problem statistics for a period and a grouping: the numbers the assessment (考核) builds on.

Period: a month "2026-10", a quarter "2026-Q4" or a year "2026", from 00:00 of its first day to
00:00 of the next period's first day, Asia/Shanghai. Grouping: by the problem's assigned
department, its township (the first 9 digits of its division's code; a county-level problem
counts under the county), its assigned chief (the user it is assigned to), or its category, as
the problem stands now. Only problems the viewer may see count; rejected and duplicate reports
never count. Per group:

- received: problems reported in the period;
- closed: problems closed (销号) in the period (a reopened problem is closed again later);
- closed on time: of those, closed at or before the deadline (an approved extension is the new
  deadline; a problem without a deadline is on time); closed late: the others;
- on-time rate: closed on time / closed (None when nothing was closed);
- average handling working days: over the problems closed in the period, the working days from
  the (last) assignment to the (last) submission for verification, or to the closure where
  nothing was submitted; working days d with assigned day < d <= submitted day, on the office's
  calendar (holidays and 调休);
- overdue: held past the deadline at the period's end (or now, for a period not over: then the
  same problems as `queries.overdue_q()`), i.e. deadline before that moment, neither closed nor
  submitted by then (or held again after a return), plus the problems closed late in the period.
  A problem overdue at the end of one month and closed late in the next counts in both, as the
  deduction rules do (river-chief-system.md §4.5);
- reopened, returned: reopen and return events in the period.

Counts come from two aggregate queries; the working-day average streams one row per closed
problem through an O(1) working-day counter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, F, Q
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from riverchief.core.calendar_service import current_calendar
from riverchief.core.errors import DomainError
from riverchief.core.workdays import local_date
from riverchief.problems.escalation_rules import start_of_day
from riverchief.problems.models import Problem, ProblemEvent
from riverchief.problems.states import CLOCK_STATES, State

GROUPS = ("department", "township", "chief", "category")
NOT_COUNTED = (State.REJECTED, State.DUPLICATE)
_PERIOD = re.compile(r"^(?P<year>\d{4})(?:-(?:(?P<month>\d{1,2})|[Qq](?P<quarter>[1-4])))?$")


# --- periods ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    label: str  # "2026-10", "2026-Q4", "2026"
    kind: str  # "month", "quarter", "year"
    first: date
    next_first: date  # the first day after the period

    @property
    def start(self) -> datetime:
        return start_of_day(self.first)

    @property
    def end(self) -> datetime:
        return start_of_day(self.next_first)

    @property
    def last(self) -> date:
        return self.next_first - timedelta(days=1)


def _month(year: int, month: int) -> date:
    return date(year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


def parse_period(text: str | None, today: date | None = None) -> Period:
    """A month "2026-10", a quarter "2026-Q4" or a year "2026"; empty: the current month.

    Raises DomainError (field "period") for anything else."""
    value = (text or "").strip()
    if not value:
        today = today or local_date(timezone.now())
        value = f"{today:%Y-%m}"
    match = _PERIOD.match(value)
    year = int(match["year"]) if match else 0
    if match is None or not 1900 <= year <= 2200 or not 1 <= int(match["month"] or 1) <= 12:
        raise DomainError(
            _("Write the period as 2026-10 (a month), 2026-Q4 (a quarter) or 2026 (a year)."),
            field="period",
        )
    if match["month"]:
        month = int(match["month"])
        return Period(f"{year}-{month:02d}", "month", date(year, month, 1), _month(year, month + 1))
    if match["quarter"]:
        quarter = int(match["quarter"])
        first = date(year, 3 * quarter - 2, 1)
        return Period(f"{year}-Q{quarter}", "quarter", first, _month(year, 3 * quarter + 1))
    return Period(str(year), "year", date(year, 1, 1), date(year + 1, 1, 1))


# --- working days, fast -----------------------------------------------------------------------


class WorkdayCounter:
    """`Calendar.working_days_between` on dates in O(1), from per-year prefix counts."""

    def __init__(self, calendar) -> None:
        self._calendar = calendar
        self._years: dict[int, list[int]] = {}

    def _prefix(self, year: int) -> list[int]:
        counts = self._years.get(year)
        if counts is None:
            counts = [0]
            day = date(year, 1, 1)
            while day.year == year:
                counts.append(counts[-1] + int(self._calendar.is_working_day(day)))
                day += timedelta(days=1)
            self._years[year] = counts
        return counts

    def _through(self, day: date) -> int:
        return self._prefix(day.year)[day.timetuple().tm_yday]

    def between(self, a: date, b: date) -> int:
        """Working days d with a < d <= b (negative when b is before a)."""
        if b < a:
            return -self.between(b, a)
        if a.year == b.year:
            return self._through(b) - self._through(a)
        total = self._prefix(a.year)[-1] - self._through(a)
        for year in range(a.year + 1, b.year):
            total += self._prefix(year)[-1]
        return total + self._through(b)


# --- the numbers ----------------------------------------------------------------------------


@dataclass
class Row:
    key: str | None
    name: str
    received: int = 0
    closed: int = 0
    closed_on_time: int = 0
    closed_late: int = 0
    overdue_open: int = 0
    reopened: int = 0
    returned: int = 0
    handling_days_sum: int = 0
    handled: int = 0  # closed problems with an assignment time (the average's denominator)

    @property
    def on_time_rate(self) -> float | None:
        return round(self.closed_on_time / self.closed, 4) if self.closed else None

    @property
    def avg_handling_working_days(self) -> float | None:
        return round(self.handling_days_sum / self.handled, 2) if self.handled else None

    @property
    def overdue(self) -> int:
        return self.overdue_open + self.closed_late

    def add(self, other: Row) -> None:
        for name in (
            "received",
            "closed",
            "closed_on_time",
            "closed_late",
            "overdue_open",
            "reopened",
            "returned",
            "handling_days_sum",
            "handled",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict:
        return {
            "key": self.key,
            "name": self.name,
            "received": self.received,
            "closed": self.closed,
            "closed_on_time": self.closed_on_time,
            "closed_late": self.closed_late,
            "on_time_rate": self.on_time_rate,
            "avg_handling_working_days": self.avg_handling_working_days,
            "overdue": self.overdue,
            "overdue_open": self.overdue_open,
            "reopened": self.reopened,
            "returned": self.returned,
        }


@dataclass
class Stats:
    period: Period
    group: str
    at: datetime  # the moment "overdue at the period's end" was taken (end, or now)
    rows: list[Row] = field(default_factory=list)
    total: Row = field(default_factory=lambda: Row(None, ""))


_KEYS = {
    "department": "assignee_department_id",
    "chief": "assignee_user_id",
    "category": "category_id",
}


def _key(group: str, prefix: str = ""):
    if group == "township":
        return Substr(f"{prefix}division__code", 1, 9)
    return F(f"{prefix}{_KEYS[group]}")


def problem_stats(user, period: Period, group: str, now: datetime | None = None) -> Stats:
    """The statistics of the module's docstring, one row per group that has any number."""
    if group not in GROUPS:
        raise DomainError(
            _("Must be one of: %(values)s."), field="group", params={"values": ", ".join(GROUPS)}
        )
    now = now or timezone.now()
    start, end = period.start, period.end
    at = min(end, now)
    rows = Problem.objects.visible_to(user).exclude(state__in=NOT_COUNTED)
    received = Q(created_at__gte=start, created_at__lt=end)
    closed = Q(state=State.CLOSED, closed_at__gte=start, closed_at__lt=end)
    on_time = closed & (Q(deadline__isnull=True) | Q(closed_at__lte=F("deadline")))
    late = closed & Q(closed_at__gt=F("deadline"))
    overdue_open = (
        Q(deadline__lt=at)
        & (Q(closed_at__isnull=True) | Q(closed_at__gte=at))
        & (Q(submitted_at__isnull=True) | Q(submitted_at__gte=at) | Q(state__in=CLOCK_STATES))
    )
    found: dict[object, Row] = {}

    def row(key) -> Row:
        if key not in found:
            found[key] = Row(None if key is None else str(key), "")
        return found[key]

    counts = (
        rows.filter(received | closed | overdue_open)
        .annotate(group_key=_key(group))
        .values("group_key")
        .annotate(
            received=Count("pk", filter=received),
            closed=Count("pk", filter=closed),
            closed_on_time=Count("pk", filter=on_time),
            closed_late=Count("pk", filter=late),
            overdue_open=Count("pk", filter=overdue_open),
        )
        .order_by()
    )
    for item in counts:
        target = row(item.pop("group_key"))
        for name, value in item.items():
            setattr(target, name, value)
    events = (
        ProblemEvent.objects.filter(
            problem__in=rows.values("pk"),
            at__gte=start,
            at__lt=end,
            action__in=["reopen", "return"],
        )
        .annotate(group_key=_key(group, "problem__"))
        .values("group_key")
        .annotate(
            reopened=Count("pk", filter=Q(action="reopen")),
            returned=Count("pk", filter=Q(action="return")),
        )
        .order_by()
    )
    for item in events:
        target = row(item["group_key"])
        target.reopened, target.returned = item["reopened"], item["returned"]
    counter = WorkdayCounter(current_calendar())
    handled = (
        rows.filter(closed, assigned_at__isnull=False)
        .annotate(group_key=_key(group))
        .values_list("group_key", "assigned_at", "submitted_at", "closed_at")
        .order_by()
    )
    for key, assigned_at, submitted_at, closed_at in handled.iterator(chunk_size=2000):
        target = row(key)
        done = local_date(submitted_at or closed_at)
        target.handling_days_sum += max(0, counter.between(local_date(assigned_at), done))
        target.handled += 1
    _name_rows(group, found)
    result = Stats(period, group, at)
    result.rows = sorted(found.values(), key=lambda r: (r.key is None, r.key or ""))
    for item in result.rows:
        result.total.add(item)
    return result


def _name_rows(group: str, found: dict[object, Row]) -> None:
    """Turn ids into codes and names (one query)."""
    from riverchief.accounts.models import User
    from riverchief.problems.models import Category
    from riverchief.registry.models import Department, Division

    keys = [key for key in found if key is not None]
    names: dict[object, tuple[str, str]] = {}
    if group == "department":
        for pk, code, name in Department.objects.filter(pk__in=keys).values_list(
            "pk", "code", "name"
        ):
            names[pk] = (code, name)
    elif group == "chief":
        for pk, username, full_name in User.objects.filter(pk__in=keys).values_list(
            "pk", "username", "full_name"
        ):
            names[pk] = (username, full_name or username)
    elif group == "category":
        for pk, code, name in Category.objects.filter(pk__in=keys).values_list(
            "pk", "code", "name"
        ):
            names[pk] = (code, name)
    else:
        full = {f"{key}000": key for key in keys}
        for code, name in Division.objects.filter(code__in=full).values_list("code", "name"):
            names[full[code]] = (full[code], name)
    for key, target in found.items():
        if key is None:
            target.name = str(_("unassigned"))
        else:
            target.key, target.name = names.get(key, (str(key), str(key)))
