"""Problems: a reach of our own in 东刘家村 (横水镇), photos made on the fly, API helpers."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from riverchief.core.workdays import TIME_ZONE
from riverchief.registry import routing
from riverchief.registry import services as registry_services

VILLAGE = "140826101201"  # 东刘家村, in 横水镇
# A short straight reach inside 东刘家村; ON_REACH lies on it, so routing finds it at ~0 m.
REACH_LINE = [[111.395, 35.490], [111.400, 35.495]]
ON_REACH = (111.3975, 35.4925)
FAR_AWAY = (112.55, 37.87)  # 太原: far outside 绛县
DEPARTMENT = "140826-SLJ"  # 绛县水利局 (dept_water)


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def reach(db):
    registry_services.save_water_body(
        None, {"code": "P-WB", "name": "问题测试河", "kind": "river", "division_code": "140826"}
    )
    row = registry_services.save_reach(
        None,
        {
            "code": "P-REACH",
            "name": "问题测试河东刘家段",
            "water_body_code": "P-WB",
            "division_code": VILLAGE,
            "geometry": {"type": "LineString", "coordinates": REACH_LINE},
        },
    )
    # The routing index is cached per process under a version counter that each test's
    # rollback winds back, so the next test's bump can match an index built for reach ids that
    # no longer exist (PostgreSQL does not reuse ids). Forget it: the next lookup rebuilds.
    routing._cache["version"] = None
    return row


def jpeg(name="site.jpg", *, size=(64, 48), exif_time=None, gps=None) -> SimpleUploadedFile:
    image = Image.new("RGB", size, "green")
    exif = Image.Exif()
    if exif_time:
        exif.get_ifd(0x8769)[36867] = exif_time
    if gps:
        lon, lat = gps
        exif.get_ifd(0x8825).update(
            {1: "N", 2: _dms(lat), 3: "E", 4: _dms(lon)},
        )
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def _dms(value: float) -> tuple[float, float, float]:
    degrees = int(value)
    minutes_full = (value - degrees) * 60
    minutes = int(minutes_full)
    return float(degrees), float(minutes), round((minutes_full - minutes) * 60, 4)


def post(client, url, data, **headers):
    return client.post(url, json.dumps(data), content_type="application/json", **headers)


def report(client, *, point=ON_REACH, **fields):
    body = {
        "category": "luan_dui",
        "description": "河道内倾倒建筑垃圾约 20 立方米",
        "lon": point[0],
        "lat": point[1],
        **fields,
    }
    return post(client, "/api/v1/problems", body)


def act(client, problem_id, action, files=None, **fields):
    url = f"/api/v1/problems/{problem_id}/transitions"
    if files:
        return client.post(url, {"action": action, **fields, "files": files})
    return post(client, url, {"action": action, **fields})


@pytest.fixture
def reported(signed_in, reach):
    """A problem chief_hengshui reported on P-REACH: (id, detail)."""
    answer = report(signed_in("chief_hengshui"))
    assert answer.status_code == 201, answer.content
    return answer.json()["id"]


def move_to(signed_in, problem_id, state: str) -> dict:
    """Drive a problem along the main path (admin accepts and assigns to 水利局, dept_water
    starts and submits) until it reaches `state`; returns the last detail."""
    path = [
        ("accepted", "admin", "accept", {}, None),
        ("assigned", "admin", "assign", {"department_code": DEPARTMENT, "deadline_days": 5}, None),
        ("in_progress", "dept_water", "start", {}, None),
        ("pending_verification", "dept_water", "submit", {"note": "已清运完毕"}, "photo"),
        ("closed", "admin", "close", {}, None),
    ]
    detail = None
    for target, username, action, fields, files in path:
        files = [jpeg("after.jpg")] if files else None
        answer = act(signed_in(username), problem_id, action, files=files, **fields)
        assert answer.status_code == 200, answer.content
        detail = answer.json()
        if target == state:
            return detail
    raise AssertionError(state)


def at(day: str, clock: str = "10:00") -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=TIME_ZONE)


@pytest.fixture
def clock(monkeypatch):
    """Set the platform's time: clock.set("2026-10-01", "08:00")."""

    class Clock:
        now = at("2026-09-21")

        def set(self, day: str, time: str = "10:00") -> dt.datetime:
            self.now = at(day, time)
            return self.now

    fixed = Clock()
    monkeypatch.setattr(timezone, "now", lambda: fixed.now)
    return fixed
