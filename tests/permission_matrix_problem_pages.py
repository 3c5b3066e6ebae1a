"""Who may use each problem page: the list and its Excel export, my to-do, the report form,
the detail page and its actions, batch assign and the statistics. Imported into
tests/permission_matrix.py's ROUTES.

The problem is the matrix's own (tests/permission_matrix_problems.py): reported in 东刘家村 on
M-REACH, accepted and assigned to 县水利局. Everyone in scope sees it; outside the scope its page
is 404. Reporting is for every role but the leader; batch assign for the office; the statistics
for the office and the leader. An action follows the transition table: a transfer is for the
office and chiefs above the village (others 403).
"""

from __future__ import annotations

from tests.permission_matrix import Route
from tests.permission_matrix_problems import DISPATCHERS, MARKER, REPORTERS, _problem

OFFICE = frozenset({"office"})
SUPERVISORS = frozenset({"office", "leader"})

PROBLEM_PAGES = [
    Route("GET", "problems/", "/problems/?q=矩阵问题", marker=MARKER, setup=_problem),
    Route("GET", "problems/export.xlsx", "/problems/export.xlsx?q=矩阵问题", setup=_problem),
    Route("GET", "problems/todo/", "/problems/todo/", setup=_problem),
    Route("GET", "problems/new/", "/problems/new/", roles=REPORTERS),
    Route("GET", "problems/dashboard/", "/problems/dashboard/", roles=SUPERVISORS),
    Route("GET", "problems/batch-assign/", "/problems/batch-assign/", roles=OFFICE),
    # An unknown id is reported as a failure of that one problem, beside the others.
    Route(
        "POST",
        "problems/batch-assign/",
        "/problems/batch-assign/",
        roles=OFFICE,
        body={"ids": ["0"], "department_code": "140826-SLJ", "deadline_days": "5"},
    ),
    Route(
        "GET",
        "problems/<str:ref>/",
        lambda ctx: f"/problems/{ctx['problem_id']}/",
        outside=404,
        marker=MARKER,
        setup=_problem,
    ),
    Route(
        "POST",
        "problems/<str:ref>/act/",
        lambda ctx: f"/problems/{ctx['problem_id']}/act/",
        roles=DISPATCHERS,
        ok=302,
        outside=404,
        denied_outside=404,
        body={"action": "transfer", "department_code": "140826-STHJ", "note": "转办"},
        setup=_problem,
    ),
]
