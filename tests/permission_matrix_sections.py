"""Water-quality sections: pages and API. Imported into tests/permission_matrix.py's ROUTES.

The section is the demo's SEC-SSH-DLJ in 东刘家村 (inside every 绛县 actor's scope); outside the
scope it is a 404. Lists answer everyone (empty outside). The lab import is for the office; an
alarm's problem is opened by the office (others in scope 403, outside 404).
"""

from __future__ import annotations

from tests.permission_matrix import Route

SECTION = "SEC-SSH-DLJ"
MARKER = "东刘家村（凤凰湾）断面"
OFFICE = frozenset({"office"})


def _alarm() -> dict:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from riverchief.monitoring import automatic
    from riverchief.monitoring.models import Alarm

    at = datetime(2030, 1, 1, 8, tzinfo=ZoneInfo("Asia/Shanghai"))
    automatic.record_automatic_values(SECTION, [(at, "TP", 0.9)])
    alarm = Alarm.objects.get(section__code=SECTION, cleared_at__isnull=True, parameter="TP")
    Alarm.objects.filter(pk=alarm.pk).update(problem=None)
    return {"alarm_id": alarm.pk}


SECTIONS = [
    Route("GET", "water-quality/", "/water-quality/", marker=MARKER),
    Route(
        "GET",
        "water-quality/sections/<str:code>/",
        f"/water-quality/sections/{SECTION}/",
        outside=404,
        marker=MARKER,
    ),
    Route("GET", "water-quality/monthly/", "/water-quality/monthly/", marker=MARKER),
    Route("GET", "water-quality/monthly.xlsx", "/water-quality/monthly.xlsx"),
    Route("GET", "water-quality/rivers/", "/water-quality/rivers/"),
    Route("GET", "water-quality/lakes/", "/water-quality/lakes/"),
    Route("GET", "water-quality/alarms/", "/water-quality/alarms/"),
    Route("GET", "water-quality/import/", "/water-quality/import/", roles=OFFICE),
    Route("GET", "api/v1/sections", "/api/v1/sections", anonymous=401, marker=SECTION),
    Route(
        "GET",
        "api/v1/sections.geojson",
        "/api/v1/sections.geojson",
        anonymous=401,
        marker=SECTION,
    ),
    Route(
        "GET",
        "api/v1/sections/<code>",
        f"/api/v1/sections/{SECTION}",
        anonymous=401,
        outside=404,
        marker=SECTION,
    ),
    Route(
        "GET",
        "api/v1/sections/<code>/samples",
        f"/api/v1/sections/{SECTION}/samples",
        anonymous=401,
        outside=404,
    ),
    Route(
        "GET",
        "api/v1/sections/<code>/evaluation",
        f"/api/v1/sections/{SECTION}/evaluation?period=2026",
        anonymous=401,
        outside=404,
    ),
    Route(
        "GET",
        "api/v1/sections/<code>/trend",
        f"/api/v1/sections/{SECTION}/trend",
        anonymous=401,
        outside=404,
    ),
    Route(
        "GET",
        "api/v1/sections/<code>/alarms",
        f"/api/v1/sections/{SECTION}/alarms",
        anonymous=401,
        outside=404,
    ),
    Route(
        "GET",
        "api/v1/sections/<code>/upstream",
        f"/api/v1/sections/{SECTION}/upstream",
        anonymous=401,
        outside=404,
        marker="OF-WWTP",
    ),
    # No file: the office is told to choose one (400); the others may not import at all.
    Route(
        "POST",
        "api/v1/samples/import",
        "/api/v1/samples/import",
        roles=OFFICE,
        ok=400,
        anonymous=401,
    ),
    Route("GET", "api/v1/alarms", "/api/v1/alarms", anonymous=401),
    Route("GET", "api/v1/alarm-thresholds", "/api/v1/alarm-thresholds", anonymous=401),
    Route(
        "POST",
        "api/v1/alarm-thresholds",
        "/api/v1/alarm-thresholds",
        roles=OFFICE,
        outside=404,
        anonymous=401,
        body={"section_code": SECTION, "parameter": "COD", "upper": 25},
    ),
    Route(
        "POST",
        "api/v1/alarms/<alarm_id>/problem",
        lambda ctx: f"/api/v1/alarms/{ctx['alarm_id']}/problem",
        roles=OFFICE,
        ok=201,
        outside=404,
        denied_outside=404,
        anonymous=401,
        setup=_alarm,
    ),
]
