"""Demo patrols for the demo accounts: walks along their reaches over the last five weeks.

Recorded through `services.record_patrol`, so metrics and verdicts are the real ones. Client ids
are derived from fixed names (uuid5), so a second run stores nothing new. One patrol has a GPS
jump, so the pages show a 存疑 verdict beside the 有效 ones.
"""

from __future__ import annotations

import datetime as dt
import uuid

import numpy as np
from django.utils import timezone

NAMESPACE = uuid.UUID("8a4c53d2-6b1e-4d55-9e1f-6a2f0c7d1b00")
# (account, reach, weeks ago, weekday, minutes walked, start offset along the reach in m)
PLAN = [
    ("chief_dongliujia", "SSH-140826101201", 1, 1, 32, 0),
    ("chief_dongliujia", "SSH-140826101201", 2, 3, 28, 200),
    ("chief_dongliujia", "SSH-140826101201", 3, 1, 35, 0),
    ("patroller_dongliujia", "SSH-140826101201", 0, 0, 25, 100),
    ("patroller_dongliujia", "SSH-140826101201", 1, 2, 30, 0),
    ("patroller_dongliujia", "SSH-140826101201", 2, 2, 26, 300),
    ("patroller_dongliujia", "SSH-140826101201", 3, 4, 31, 0),
    ("chief_hengshui", "SSH-140826101", 2, 2, 45, 500),
    ("chief_chencun", "SSH-140826102", 3, 3, 40, 0),
    ("chief_sushui", "SSH-140826", 4, 1, 50, 2000),
]
JUMP = ("patroller_dongliujia", "SSH-140826101201", 4, 1, 30, 0)
SPEED_MPS = 1.15
EVERY_S = 5


def _walk(reach, start: dt.datetime, minutes: int, offset_m: float, seed: int, jump: bool):
    """Points along the reach's line at a walking pace, with a few metres of GPS noise."""
    from pyproj import Transformer
    from shapely.geometry import shape

    from riverchief.geo.projection import to_metric, utm_zone

    line = shape(reach.geometry)
    if line.geom_type == "MultiLineString":
        line = max(line.geoms, key=lambda part: part.length)
    zone = utm_zone(line.centroid.x)
    metric = to_metric(line, zone)
    back = Transformer.from_crs(f"EPSG:{32600 + zone}", "EPSG:4326", always_xy=True)
    rng = np.random.default_rng(seed)
    count = minutes * 60 // EVERY_S + 1
    along = offset_m + np.arange(count) * EVERY_S * SPEED_MPS
    along = np.minimum(along, metric.length)
    points = [metric.interpolate(float(d)) for d in along]
    x = np.array([p.x for p in points]) + rng.normal(0, 3, count)
    y = np.array([p.y for p in points]) + rng.normal(0, 3, count)
    if jump:
        x[count // 2] += 9000  # a fix 9 km away for five seconds
    lons, lats = back.transform(x, y)
    t0 = int(start.timestamp() * 1000)
    return [
        [round(float(lon), 7), round(float(lat), 7), t0 + i * EVERY_S * 1000, 5.0]
        for i, (lon, lat) in enumerate(zip(lons, lats, strict=True))
    ]


def _start(weeks_ago: int, weekday: int, today: dt.date) -> dt.datetime:
    monday = today - dt.timedelta(days=today.weekday()) - dt.timedelta(weeks=weeks_ago)
    day = min(monday + dt.timedelta(days=weekday), today - dt.timedelta(days=1))
    return timezone.make_aware(dt.datetime.combine(day, dt.time(9, 0)))


def load() -> int:
    """Record the demo patrols that are not there yet; returns how many were stored."""
    from riverchief.accounts.models import User
    from riverchief.patrols import services
    from riverchief.registry.models import Reach

    today = timezone.localdate()
    stored = 0
    for index, plan in enumerate([*PLAN, JUMP]):
        username, code, weeks_ago, weekday, minutes, offset = plan
        user = User.objects.filter(username=username).first()
        reach = Reach.objects.filter(code=code).first()
        if user is None or reach is None or not reach.geometry:
            continue
        start = _start(weeks_ago, weekday, today)
        points = _walk(reach, start, minutes, offset, index, plan is JUMP)
        data = {
            "client_id": str(uuid.uuid5(NAMESPACE, f"{username}/{code}/{index}")),
            "reach_code": code,
            "kind": "normal",
            "started_at": start.isoformat(),
            "ended_at": (start + dt.timedelta(minutes=minutes)).isoformat(),
            "points": points,
            "note": "演示巡河",
            "records": [
                {
                    "client_id": str(uuid.uuid5(NAMESPACE, f"{username}/{index}/{item}")),
                    "item": item,
                }
                for item in ("water", "surface", "bank", "signboard")
            ],
        }
        _patrol, created = services.record_patrol(user, data)
        stored += created
    return stored
