"""The 通报 list: problems at red (挂牌督办) or 通报 in a period, for the office, leaders and
chiefs, each in their scope; also as an Excel file."""

from __future__ import annotations

import io

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from riverchief.core.errors import DomainError
from riverchief.core.scoping import scope_of
from riverchief.problems import escalation, stats
from riverchief.problems.escalation_rules import NOTICE

NOTICE_ROLES = {"office", "leader", "chief"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def may_see_notices(user) -> bool:
    scope = scope_of(user)
    return scope.everything or scope.role in NOTICE_ROLES


@login_required
def notice_list(request):
    if not may_see_notices(request.user):
        raise PermissionDenied
    error = None
    try:
        period = stats.parse_period(request.GET.get("period"))
    except DomainError as problem:
        error = problem.message
        period = stats.parse_period("")
    rows = escalation.notice_list(request.user, period.start, period.end)
    if request.GET.get("format") == "xlsx":
        return _excel(period, rows)
    context = {
        "period": period,
        "rows": rows,
        "error": error,
        "notice_level": NOTICE,
        "notice_count": sum(1 for row in rows if row.level >= NOTICE),
        "now": timezone.now(),
    }
    return render(request, "problems/notices.html", context)


def _excel(period, rows) -> HttpResponse:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = period.label
    sheet.append(
        [
            _("Number"),
            _("Level"),
            _("Category"),
            _("Division"),
            _("Department"),
            _("Assigned chief"),
            _("Deadline"),
            _("Working days overdue"),
            _("Red card since"),
            _("State"),
            _("Closed"),
        ]
    )
    for row in rows:
        problem = row.problem
        sheet.append(
            [
                problem.number,
                _level_label(row.level),
                problem.category.name,
                problem.division.name,
                problem.assignee_department.name if problem.assignee_department else "",
                str(problem.assignee_user) if problem.assignee_user else "",
                _local(problem.deadline),
                row.overdue_working_days,
                _local(row.red_at),
                problem.get_state_display(),
                _local(problem.closed_at),
            ]
        )
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="notices-{period.label}.xlsx"'
    return response


def _local(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _level_label(level: int) -> str:
    return _("public notice (通报)") if level >= NOTICE else _("red card (挂牌督办)")
