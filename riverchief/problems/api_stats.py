"""GET /api/v1/problems/stats: problem statistics for a period and a grouping, in my scope.

Registered in `riverchief.api` before the problems router, so that "stats" is not taken for a
problem id by GET /problems/{problem_id}.
"""

from __future__ import annotations

import datetime as dt

from ninja import Router, Schema

from riverchief.problems import stats

router = Router(tags=["problems"])


class StatsRowOut(Schema):
    key: str | None  # department code, township code (9 digits), username, or category code
    name: str
    received: int
    closed: int
    closed_on_time: int
    closed_late: int
    on_time_rate: float | None
    avg_handling_working_days: float | None
    overdue: int
    overdue_open: int
    reopened: int
    returned: int


class StatsOut(Schema):
    period: str
    kind: str
    start: dt.datetime
    end: dt.datetime
    overdue_at: dt.datetime
    group: str
    rows: list[StatsRowOut]
    total: StatsRowOut


@router.get(
    "/problems/stats",
    response=StatsOut,
    summary="Problem statistics by department, township, chief or category",
    description="`period`: 2026-10 (month), 2026-Q4 (quarter) or 2026 (year), Asia/Shanghai; "
    "default the current month. `group`: department, township, chief or category. Received, "
    "closed, closed on time (by the deadline, extensions included), on-time rate, average "
    "handling time in working days, overdue (open past the deadline at the period's end plus "
    "closed late), reopened, returned; only problems in my scope.",
)
def problem_stats(request, period: str = "", group: str = "department"):
    found = stats.problem_stats(request.user, stats.parse_period(period), group)
    return {
        "period": found.period.label,
        "kind": found.period.kind,
        "start": found.period.start,
        "end": found.period.end,
        "overdue_at": found.at,
        "group": found.group,
        "rows": [row.as_dict() for row in found.rows],
        "total": {**found.total.as_dict(), "name": "total"},
    }
