"""Public reports: a reach of our own in 东刘家村, photos made on the fly (with EXIF), helpers."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from riverchief.registry import routing
from riverchief.registry import services as registry_services

VILLAGE = "140826101201"  # 东刘家村, in 横水镇
REACH_LINE = [[111.395, 35.490], [111.400, 35.495]]
ON_REACH = (111.3975, 35.4925)
DEPARTMENT = "140826-SLJ"


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.RIVERCHIEF_PORTAL_CACHE_SECONDS = 0  # each test sees its own writes at once


@pytest.fixture
def reach(db):
    registry_services.save_water_body(
        None, {"code": "PT-WB", "name": "公众测试河", "kind": "river", "division_code": "140826"}
    )
    row = registry_services.save_reach(
        None,
        {
            "code": "PT-REACH",
            "name": "公众测试河东刘家段",
            "water_body_code": "PT-WB",
            "division_code": VILLAGE,
            "geometry": {"type": "LineString", "coordinates": REACH_LINE},
        },
    )
    routing._cache["version"] = None  # see tests/problems/conftest.py
    return row


def _dms(value: float):
    degrees = int(value)
    minutes_full = (value - degrees) * 60
    minutes = int(minutes_full)
    seconds = round((minutes_full - minutes) * 60, 4)
    return (float(degrees), float(minutes), float(seconds))


def image_bytes(fmt="JPEG", *, size=(640, 480), gps=None, exif_time=None, noise=False) -> bytes:
    image = Image.new("RGB", size, "green")
    if noise:
        image = Image.effect_noise(size, 80).convert("RGB")
    buffer = io.BytesIO()
    if fmt == "JPEG":
        exif = Image.Exif()
        exif[0x0110] = "TestPhone X"  # camera model
        if exif_time:
            exif.get_ifd(0x8769)[36867] = exif_time
        if gps:
            lon, lat = gps
            exif.get_ifd(0x8825).update({1: "N", 2: _dms(lat), 3: "E", 4: _dms(lon)})
        image.save(buffer, "JPEG", exif=exif.tobytes())
    else:
        image.save(buffer, fmt)
    return buffer.getvalue()


def photo(name="site.jpg", **kwargs) -> SimpleUploadedFile:
    fmt = {"png": "PNG", "webp": "WEBP"}.get(kwargs.pop("fmt", ""), "JPEG")
    return SimpleUploadedFile(name, image_bytes(fmt, **kwargs), content_type="image/jpeg")


def report_data(**overrides) -> dict:
    data = {
        "category_code": "rubbish",
        "description": "河边堆了很多建筑垃圾",
        "lon": ON_REACH[0],
        "lat": ON_REACH[1],
        "ip": "203.0.113.7",
        "device_id": "device-1",
    }
    data.update(overrides)
    return data


@pytest.fixture
def close(django_capture_on_commit_callbacks):
    """close_problem, running the after-commit hooks (the portal's public photo copies)."""

    def run(problem_id: int, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            close_problem(problem_id, **kwargs)

    return run


def close_problem(problem_id: int, *, after_photo=True, answer="垃圾已清理完毕，感谢监督。"):
    """Drive a problem through the workflow as the office and the department would."""
    from riverchief.accounts.models import User
    from riverchief.problems import services as problem_services

    admin = User.objects.get(username="admin")
    dept = User.objects.get(username="dept_water")
    problem_services.move(admin, problem_id, "accept")
    problem_services.move(admin, problem_id, "assign", department_code=DEPARTMENT, deadline_days=5)
    problem_services.move(dept, problem_id, "start")
    files = [photo("after.jpg", gps=ON_REACH)] if after_photo else []
    problem_services.move(dept, problem_id, "submit", note="已清理", files=files)
    problem_services.move(admin, problem_id, "close", note=answer)
