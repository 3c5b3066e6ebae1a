"""Who may use the escalation routes: the 通报 page and the problem statistics.

Each case gets a problem in 东刘家村 on the matrix reach M-REACH, assigned to 县水利局 and
escalated by the platform to a red card now, so it stands in this month's 通报 list and in this
month's statistics of 140826-SLJ. Actors outside 绛县 get the page and the numbers, without it.
"""

from __future__ import annotations

from tests.permission_matrix import ALL, Route

MARKER = "矩阵红牌（测试）"
POINT = {"lon": 111.4125, "lat": 35.5205}  # on M-REACH


def _red_problem() -> dict:
    from riverchief.accounts.models import User
    from riverchief.problems import services

    reporter = User.objects.get(username="chief_dongliujia")
    admin = User.objects.get(username="admin")
    problem, _created = services.report_problem(
        reporter, {"category": "luan_dui", "description": MARKER, "reach_code": "M-REACH", **POINT}
    )
    services.move(admin, problem.pk, "accept")
    services.move(admin, problem.pk, "assign", department_code="140826-SLJ", deadline_days=5)
    services.move(None, problem.pk, "escalate", level=2)
    return {"problem_id": problem.pk}


NOTICE_READERS = frozenset({"office", "leader", "chief_county", "chief_township", "chief_village"})

ESCALATION = [
    Route(
        "GET",
        "problems/notices/",
        "/problems/notices/",
        roles=NOTICE_READERS,
        marker=MARKER,
        setup=_red_problem,
    ),
    Route(
        "GET",
        "api/v1/problems/stats",
        "/api/v1/problems/stats?group=department",
        roles=ALL,
        anonymous=401,
        marker="140826-SLJ",
        sysadmin_sees_marker=True,
        setup=_red_problem,
    ),
]
