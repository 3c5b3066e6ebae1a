"""Routes of the working-day calendar: office admins and leaders read it; office admins edit it.

The calendar is national, not a division's: an office admin outside 绛县 reads and edits the same
table, so the outside actors get the same answers as the inside ones.
"""

from __future__ import annotations

from tests.permission_matrix import Route

VIEWERS = frozenset({"office", "leader"})
EDITORS = frozenset({"office"})

CALENDAR = [
    Route("GET", "calendar/", "/calendar/?year=2026", roles=VIEWERS),
    Route(
        "POST",
        "calendar/day/",
        "/calendar/day/",
        roles=EDITORS,
        ok=302,
        body={"date": "2031-06-03", "kind": "holiday", "name": "矩阵（测试）"},
    ),
    Route(
        "POST",
        "calendar/year/",
        "/calendar/year/",
        roles=EDITORS,
        ok=302,
        body={"year": "2031", "schedule": "2031-01-01 休 元旦", "note": "矩阵（测试）"},
    ),
]
