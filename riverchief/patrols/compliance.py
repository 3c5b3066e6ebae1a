"""Patrol frequency compliance per person for a month, by township and level, with drill-down,
an Excel export and the reminder sweep. The rule is `frequency.py`; this module counts.

People are the accounts holding an active chief or patroller assignment in the month, in the
viewer's scope, once per level and role kind. Valid patrols (and approved 视同巡河) made at that
level count for the person credited (the chief for a delegated patrol). Each window and level is
one GROUP BY on the covering index `(credited, level, local_date, credited_user)`, so a
province-sized month costs a handful of queries.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from riverchief.core import divcodes
from riverchief.core.errors import DomainError
from riverchief.core.scoping import ANONYMOUS, Scope, division_q, scope_of
from riverchief.patrols import access, frequency, rules
from riverchief.patrols.models import Patrol

STATUSES = (frequency.MET, frequency.DUE, frequency.MISSED, frequency.NOT_REQUIRED)
SYSTEM = Scope(authenticated=True, everything=True)


@dataclass
class Person:
    user_id: int
    username: str
    name: str
    level: str
    role: str
    township: str  # 12-digit code of the township, "" at county level and above
    rule: frequency.FrequencyRule | None = None
    # Windows, valid patrols in each and their status (kept as plain lists: a province has
    # 55k people, and only a page of them is ever rendered).
    spans: list[frequency.Window] = field(default_factory=list)
    counts: list[int] = field(default_factory=list)
    status: str = frequency.NOT_REQUIRED
    today: dt.date | None = None

    @property
    def windows(self) -> list[dict[str, Any]]:
        times = self.rule.times if self.rule else 1
        today = self.today or timezone.localdate()
        return [
            {
                "key": window.key,
                "first": window.first.isoformat(),
                "last": window.last.isoformat(),
                "count": count,
                "status": frequency.window_status(count, times, window, today),
            }
            for window, count in zip(self.spans, self.counts, strict=True)
        ]

    def row(self, townships: dict[str, str]) -> dict[str, Any]:
        return {
            "username": self.username,
            "name": self.name,
            "level": self.level,
            "role": self.role,
            "township_code": self.township,
            "township_name": townships.get(self.township, ""),
            "period": self.rule.period if self.rule else "",
            "times": self.rule.times if self.rule else 0,
            "valid_patrols": sum(self.counts),
            "windows": self.windows,
            "status": self.status,
        }


def parse_period(period: str) -> tuple[int, int]:
    try:
        return frequency.parse_month(period or "")
    except ValueError:
        raise DomainError(_("The period must be a month, YYYY-MM."), field="period") from None


TOWNSHIP_DIGITS = int(divcodes.Level.TOWNSHIP)


def _township(code: str, level: str) -> str:
    if level not in ("township", "village") or len(code) != divcodes.LENGTH:
        return ""
    return code[:TOWNSHIP_DIGITS] + "000"


def people(scope: Scope, first: dt.date, last: dt.date) -> list[Person]:
    """One row per person, level and role kind holding an assignment during [first, last]."""
    from riverchief.registry.models import ChiefAssignment

    rows = (
        ChiefAssignment.objects.filter(division_q("division__code", scope))
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=first), start_date__lte=last)
        .filter(user__isnull=False, user__is_active=True)
        .exclude(role__in=access.ASSISTANT_ROLES)
        .values_list(
            "user_id", "user__username", "user__full_name", "level", "role", "division__code"
        )
        .order_by("division__code", "user_id")
    )
    found: dict[tuple[int, str, str], Person] = {}
    for user_id, username, name, level, role, code in _raw(rows):
        kind = access.role_kind(role)
        key = (user_id, level, kind)
        if key not in found:
            found[key] = Person(
                user_id, username, name or username, level, kind, _township(code, level)
            )
    return list(found.values())


def _counts(window: frequency.Window, level: str) -> dict[int, int]:
    """Valid patrols per person made at `level` in the window (a county chief's quarterly
    patrol is one of the county reach, not a walk on their home village's)."""
    rows = (
        Patrol.objects.filter(
            credited=True, level=level, local_date__gte=window.first, local_date__lte=window.last
        )
        .values("credited_user_id")
        .annotate(n=Count("id"))
        .values_list("credited_user_id", "n")
    )
    return dict(_raw(rows))


def _raw(queryset) -> list[tuple]:
    """The queryset's rows as the driver returns them: Django's per-row converters cost more
    than the query itself on 50,000 grouped rows."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def evaluate(scope: Scope, year: int, month: int, today: dt.date | None = None) -> list[Person]:
    """Every person in the scope with their windows and status for the month."""
    today = today or timezone.localdate()
    first = dt.date(year, month, 1)
    last = frequency.windows("month", year, month)[0].last
    table = rules.frequency_rules()
    counted: dict[tuple[str, str], dict[int, int]] = {}
    spans = {period: frequency.windows(period, year, month) for period in frequency.PERIODS}
    found = people(scope, first, last)
    groups: dict[tuple[str, str], list[Person]] = defaultdict(list)
    for person in found:
        groups[(person.level, person.role)].append(person)
    for (level, role), members in groups.items():
        rule = table.get((level, role))
        if rule is None or not frequency.is_active(rule, month):
            for person in members:
                person.rule = rule
            continue
        windows = spans[rule.period]
        for window in windows:
            if (window.key, level) not in counted:
                counted[(window.key, level)] = _counts(window, level)
        maps = [counted[(window.key, level)] for window in windows]
        closed = [today > window.last for window in windows]
        times = rule.times
        for person in members:
            counts = [m.get(person.user_id, 0) for m in maps]
            person.rule, person.spans, person.counts, person.today = rule, windows, counts, today
            short = [c < times for c in counts]
            if not any(short):
                person.status = frequency.MET
            elif any(s and c for s, c in zip(short, closed, strict=True)):
                person.status = frequency.MISSED
            else:
                person.status = frequency.DUE
    return found


def _township_names(codes) -> dict[str, str]:
    from riverchief.registry.models import Division

    return dict(Division.objects.filter(code__in=set(codes)).values_list("code", "name"))


def summarise(found: list[Person], townships: dict[str, str]) -> list[dict[str, Any]]:
    groups: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: dict.fromkeys(STATUSES, 0))
    for person in found:
        groups[(person.township, person.level)][person.status] += 1
    rows = []
    for (township, level), counts in sorted(groups.items()):
        required = counts[frequency.MET] + counts[frequency.DUE] + counts[frequency.MISSED]
        rows.append(
            {
                "township_code": township,
                "township_name": townships.get(township, ""),
                "level": level,
                "people": sum(counts.values()),
                "required": required,
                **counts,
                "rate": round(counts[frequency.MET] / required, 4) if required else None,
            }
        )
    return rows


def report(
    user,
    period: str,
    *,
    township: str = "",
    level: str = "",
    status: str = "",
    limit: int = 100,
    offset: int = 0,
) -> dict[str, Any]:
    """The month's summary by township and level, and the people (filtered, paged)."""
    year, month = parse_period(period)
    scope = scope_of(user) if user is not None else SYSTEM
    if scope is ANONYMOUS:
        scope = Scope()
    found = evaluate(scope, year, month)
    townships = _township_names(p.township for p in found if p.township)
    chosen = found
    if township:
        code = township.ljust(divcodes.LENGTH, "0") if township != "county" else ""
        chosen = [p for p in chosen if p.township == code]
    if level:
        chosen = [p for p in chosen if p.level == level]
    if status:
        chosen = [p for p in chosen if p.status == status]
    return {
        "period": f"{year}-{month:02d}",
        "summary": summarise(found, townships),
        "people": {
            "items": [p.row(townships) for p in chosen[offset : offset + limit]],
            "count": len(chosen),
        },
    }


HEADERS = ["乡镇", "级别", "角色", "账号", "姓名", "频次要求", "有效巡河次数", "状态"]
LEVELS = {"county": "县级", "township": "乡级", "village": "村级", "city": "市级"}
ROLES = {"chief": "河长", "patroller": "巡河员"}
PERIODS = {"week": "周", "month": "月", "quarter": "季度", "half": "半年", "year": "年"}
STATUS_ZH = {"met": "已达标", "due": "进行中", "missed": "未达标", "not_required": "本月不要求"}


def workbook(user, period: str) -> tuple[bytes, str]:
    """The month's compliance as an .xlsx: a summary sheet and one row per person."""
    from openpyxl import Workbook

    year, month = parse_period(period)
    found = evaluate(scope_of(user), year, month)
    townships = _township_names(p.township for p in found if p.township)
    book = Workbook(write_only=True)
    summary = book.create_sheet("汇总")
    summary.append(["乡镇", "级别", "人数", "应巡", "已达标", "进行中", "未达标", "达标率"])
    for row in summarise(found, townships):
        summary.append(
            [
                row["township_name"] or "县级",
                LEVELS.get(row["level"], row["level"]),
                row["people"],
                row["required"],
                row["met"],
                row["due"],
                row["missed"],
                row["rate"],
            ]
        )
    detail = book.create_sheet("明细")
    detail.append(HEADERS)
    for person in found:
        rule = person.rule
        detail.append(
            [
                townships.get(person.township, "县级"),
                LEVELS.get(person.level, person.level),
                ROLES.get(person.role, person.role),
                person.username,
                person.name,
                f"{rule.times} 次/{PERIODS[rule.period]}" if rule else "",
                sum(person.counts),
                STATUS_ZH[person.status],
            ]
        )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue(), f"patrol-compliance-{year}-{month:02d}.xlsx"


# --- reminders ---------------------------------------------------------------------------------


def _reminder_due(window: dict[str, Any], today: dt.date) -> bool:
    """Remind in the last quarter of a window (at least its last two days)."""
    first = dt.date.fromisoformat(window["first"])
    last = dt.date.fromisoformat(window["last"])
    lead = max(2, ((last - first).days + 1) // 4)
    return window["status"] == frequency.DUE and (last - today).days < lead


def remind(today: dt.date | None = None) -> int:
    """Put a reminder in the inbox of each person due in a window ending soon, once a window."""
    from riverchief.notify.models import Notification
    from riverchief.patrols.models import Reminder

    today = today or timezone.localdate()
    sent = 0
    for person in evaluate(SYSTEM, today.year, today.month, today):
        for window in person.windows:
            if not _reminder_due(window, today):
                continue
            with transaction.atomic():
                _reminder, created = Reminder.objects.get_or_create(
                    user_id=person.user_id, window=window["key"]
                )
                if not created:
                    continue
                Notification.objects.create(
                    recipient_id=person.user_id,
                    kind="patrol_due",
                    title=f"巡河提醒：{window['key']} 尚需巡河 / patrol due in {window['key']}",
                    body=(
                        f"本期（{window['first']} 至 {window['last']}）您的有效巡河次数为 "
                        f"{window['count']}，要求 {person.rule.times if person.rule else 1} 次。"
                    ),
                    link="/patrols/",
                )
                sent += 1
    return sent


def sweep_task() -> str:
    return f"{remind()} patrol reminders sent"
