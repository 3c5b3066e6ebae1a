"""Who may use each problems route. Imported into tests/permission_matrix.py's ROUTES.

Each case gets a fresh problem in 东刘家村 on the matrix reach M-REACH (set up inside the case's
rolled-back transaction): reported by chief_dongliujia, accepted and assigned by the office to
县水利局 (so dept_water sees it), with one photo. Everyone in scope sees it; an actor outside the
scope gets 404 for it. Moves follow the transition table: a transfer may be made by the office and
by chiefs above the village; correcting details (PATCH) by the office only.
"""

from __future__ import annotations

from tests.permission_matrix import ALL, Route

MARKER = "矩阵问题（测试）"
POINT = {"lon": 111.4125, "lat": 35.5205}  # on M-REACH


def _problem() -> dict:
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from riverchief.accounts.models import User
    from riverchief.problems import services

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(buffer, "JPEG")
    photo = SimpleUploadedFile("site.jpg", buffer.getvalue(), content_type="image/jpeg")
    reporter = User.objects.get(username="chief_dongliujia")
    admin = User.objects.get(username="admin")
    problem, _created = services.report_problem(
        reporter,
        {"category": "luan_dui", "description": MARKER, "reach_code": "M-REACH", **POINT},
        [photo],
    )
    services.move(admin, problem.pk, "accept")
    services.move(admin, problem.pk, "assign", department_code="140826-SLJ", deadline_days=5)
    return {"problem_id": problem.pk, "attachment_id": problem.attachments.get().pk}


REPORTERS = frozenset(ALL - {"leader"})
DISPATCHERS = frozenset({"office", "chief_county", "chief_township"})

PROBLEMS = [
    Route(
        "GET",
        "api/v1/problems",
        "/api/v1/problems?q=矩阵问题",
        anonymous=401,
        marker=MARKER,
        setup=_problem,
    ),
    Route(
        "POST",
        "api/v1/problems",
        "/api/v1/problems",
        roles=REPORTERS,
        ok=201,
        anonymous=401,
        # Outside actors may report too: the point is then flagged as outside their county.
        body={
            "category": "luan_dui",
            "description": "矩阵上报（测试）",
            "division_code": "140826101201",  # used only by system administrators
            **POINT,
        },
    ),
    Route(
        "GET",
        "api/v1/problems/<problem_id>",
        lambda ctx: f"/api/v1/problems/{ctx['problem_id']}",
        outside=404,
        anonymous=401,
        marker=MARKER,
        setup=_problem,
    ),
    Route(
        "PATCH",
        "api/v1/problems/<problem_id>",
        lambda ctx: f"/api/v1/problems/{ctx['problem_id']}",
        roles=frozenset({"office"}),
        outside=404,
        denied_outside=404,
        anonymous=401,
        body={"severity": "major"},
        setup=_problem,
    ),
    Route(
        "POST",
        "api/v1/problems/<problem_id>/transitions",
        lambda ctx: f"/api/v1/problems/{ctx['problem_id']}/transitions",
        roles=DISPATCHERS,
        outside=404,
        denied_outside=404,
        anonymous=401,
        body={"action": "transfer", "department_code": "140826-STHJ", "note": "转办"},
        setup=_problem,
    ),
    Route(
        "GET",
        "api/v1/problems/<problem_id>/attachments/<attachment_id>",
        lambda ctx: f"/api/v1/problems/{ctx['problem_id']}/attachments/{ctx['attachment_id']}",
        outside=404,
        anonymous=401,
        setup=_problem,
    ),
    Route(
        "GET",
        "api/v1/problem-categories",
        "/api/v1/problem-categories?limit=100",
        anonymous=401,
    ),
    # Categories are installation-wide: any office admin tunes them.
    Route(
        "PATCH",
        "api/v1/problem-categories/<code>",
        "/api/v1/problem-categories/luan_dui",
        roles=frozenset({"office"}),
        anonymous=401,
        body={"default_deadline_days": 15},
    ),
]
