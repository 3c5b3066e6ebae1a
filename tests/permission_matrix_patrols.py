"""Who may use each patrol route. Imported into tests/permission_matrix.py's ROUTES.

`PATROLS` (the API) is kept by the patrols-server work; the pages' routes go in a second list,
`PATROL_PAGES`, appended to `PATROLS` at the end of this file.

Each case gets (inside its rolled-back transaction) chief_dongliujia as 河段长 of the matrix
reach M-REACH in 东刘家村, a patrol there by patroller_dongliujia (who patrols his village's
reaches) with one photo, and a 视同巡河 awaiting the office's approval. Everyone in 绛县 sees them
(supervisors see subordinates' patrols); actors in 垣曲县 get 404. Only the reach's own people
may record a patrol on it (a chief elsewhere gets 403); only the office approves a 视同巡河.
"""

from __future__ import annotations

import datetime as dt

from tests.permission_matrix import Route

MARKER = "矩阵河东刘家段"  # the reach's name, in every patrol record
T0 = 1_780_000_000_000
# 15 minutes along M-REACH (111.41, 35.52 → 111.415, 35.521), a point every 10 s.
POINTS = [
    [111.41 + 0.005 * i / 90, 35.52 + 0.001 * i / 90, T0 + i * 10_000, 5.0] for i in range(91)
]


def _iso(t_ms: int) -> str:
    return dt.datetime.fromtimestamp(t_ms / 1000, dt.UTC).isoformat()


BODY = {
    "client_id": "6f1d0c1e-2b7a-4a57-9d53-1f0d3c9a0001",
    "reach_code": "M-REACH",
    "kind": "normal",
    "started_at": _iso(POINTS[0][2]),
    "ended_at": _iso(POINTS[-1][2]),
    "points": POINTS,
}


def _patrols() -> dict:
    import io
    import uuid

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from riverchief.accounts.models import User
    from riverchief.patrols import photos, services
    from riverchief.patrols.models import ValidityRule
    from riverchief.registry import services as registry_services

    registry_services.assign_person(
        None,
        {
            "person_name": "刘东（演示）",
            "username": "chief_dongliujia",
            "role": "河段长",
            "level": "village",
            "reach_code": "M-REACH",
            "start_date": "2026-01-01",
        },
    )
    patroller = User.objects.get(username="patroller_dongliujia")
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), "green").save(buffer, "JPEG")
    photo, _created = photos.upload_photo(
        patroller, SimpleUploadedFile("p.jpg", buffer.getvalue(), "image/jpeg"), uuid.uuid4()
    )
    patrol, _created = services.record_patrol(
        patroller,
        {**BODY, "client_id": str(uuid.uuid4()), "photo_ids": [str(photo.client_id)]},
    )
    evidence, _created = photos.upload_photo(
        patroller, SimpleUploadedFile("e.jpg", buffer.getvalue(), "image/jpeg"), uuid.uuid4()
    )
    meeting, _created = services.record_patrol(
        patroller,
        {
            "client_id": str(uuid.uuid4()),
            "reach_code": "M-REACH",
            "kind": "equivalent",
            "started_at": BODY["started_at"],
            "ended_at": BODY["ended_at"],
            "note": "现场处置（矩阵测试）",
            "photo_ids": [str(evidence.client_id)],
        },
    )
    from riverchief.patrols.models import FrequencyRule

    return {
        "patrol_id": patrol.pk,
        "photo_id": photo.pk,
        "meeting_id": meeting.pk,
        "validity_rule_id": ValidityRule.objects.get(level="", role="").pk,
        "frequency_rule_id": FrequencyRule.objects.get(level="village", role="chief").pk,
    }


PATROLLERS = frozenset({"office", "chief_county", "chief_township", "chief_village", "patroller"})
OFFICE = frozenset({"office"})

PATROLS = [
    Route(
        "POST",
        "api/v1/patrols/photos",
        "/api/v1/patrols/photos",
        # The matrix posts JSON, not a file: permitted roles get 400 (file required).
        roles=PATROLLERS,
        ok=400,
        anonymous=401,
    ),
    Route(
        "POST",
        "api/v1/patrols",
        "/api/v1/patrols",
        # Only the reach's own people: its village chief and the village's patroller.
        roles=frozenset({"chief_village", "patroller"}),
        ok=201,
        outside=403,
        sysadmin=403,
        anonymous=401,
        body=BODY,
        setup=_patrols,
    ),
    Route(
        "GET",
        "api/v1/patrols",
        "/api/v1/patrols?reach=M-REACH",
        anonymous=401,
        marker=MARKER,
        setup=_patrols,
    ),
    Route("GET", "api/v1/patrols/my-reaches", "/api/v1/patrols/my-reaches", anonymous=401),
    Route(
        "GET",
        "api/v1/patrols/compliance",
        "/api/v1/patrols/compliance?period=2026-05",
        anonymous=401,
        marker="patroller_dongliujia",
        sysadmin_sees_marker=True,
    ),
    Route(
        "GET",
        "api/v1/patrols/compliance/export",
        "/api/v1/patrols/compliance/export?period=2026-05",
        anonymous=401,
    ),
    Route("GET", "api/v1/patrols/rules", "/api/v1/patrols/rules", anonymous=401),
    Route(
        "PATCH",
        "api/v1/patrols/rules/validity/<rule_id>",
        lambda ctx: f"/api/v1/patrols/rules/validity/{ctx['validity_rule_id']}",
        roles=OFFICE,  # the rules are the installation's
        anonymous=401,
        body={"min_minutes": 15},
        setup=_patrols,
    ),
    Route(
        "PATCH",
        "api/v1/patrols/rules/frequency/<rule_id>",
        lambda ctx: f"/api/v1/patrols/rules/frequency/{ctx['frequency_rule_id']}",
        roles=OFFICE,
        anonymous=401,
        body={"times": 2},
        setup=_patrols,
    ),
    Route(
        "GET",
        "api/v1/patrols/<patrol_id>",
        lambda ctx: f"/api/v1/patrols/{ctx['patrol_id']}",
        outside=404,
        anonymous=401,
        marker=MARKER,
        setup=_patrols,
    ),
    Route(
        "POST",
        "api/v1/patrols/<patrol_id>/approval",
        lambda ctx: f"/api/v1/patrols/{ctx['meeting_id']}/approval",
        roles=OFFICE,
        outside=404,
        denied_outside=404,
        anonymous=401,
        body={"approve": True, "note": "同意"},
        setup=_patrols,
    ),
    Route(
        "GET",
        "api/v1/patrols/<patrol_id>/photos/<photo_id>",
        lambda ctx: f"/api/v1/patrols/{ctx['patrol_id']}/photos/{ctx['photo_id']}",
        outside=404,
        anonymous=401,
        setup=_patrols,
    ),
]


# --- the pages (patrols-pwa work) ----------------------------------------------------------------

PATROL_PAGES = [
    Route("GET", "patrols/", "/patrols/?reach=M-REACH", marker=MARKER, setup=_patrols),
    Route("GET", "patrols/go/", "/patrols/go/"),
    # The service worker and the manifest hold no data: public, like any static file.
    Route("GET", "patrols/go/sw.js", "/patrols/go/sw.js", anonymous=200),
    Route(
        "GET", "patrols/go/manifest.webmanifest", "/patrols/go/manifest.webmanifest", anonymous=200
    ),
    Route("GET", "patrols/compliance/", "/patrols/compliance/?period=2026-05"),
    Route(
        "GET",
        "patrols/<int:pk>/",
        lambda ctx: f"/patrols/{ctx['patrol_id']}/",
        outside=404,
        marker=MARKER,
        setup=_patrols,
    ),
    Route(
        "POST",
        "patrols/<int:pk>/approval/",
        lambda ctx: f"/patrols/{ctx['meeting_id']}/approval/",
        roles=OFFICE,
        ok=302,
        outside=404,
        denied_outside=404,
        body={"decision": "approve", "note": "同意"},
        setup=_patrols,
    ),
]

PATROLS = PATROLS + PATROL_PAGES
