"""A straight 2 km test reach in 东刘家村 with its chief, patroller and a chief's assistant."""

from __future__ import annotations

import datetime as dt
import io
import uuid

import pytest
from django.test import Client
from PIL import Image, ImageDraw

from riverchief.accounts import services as account_services
from riverchief.accounts.models import User
from riverchief.registry import services as registry_services
from riverchief.registry.models import Division
from tests.patrols.synth import line

VILLAGE = "140826101201"
REACH = "P-REACH"


@pytest.fixture
def reach(db):
    registry_services.save_water_body(
        None, {"code": "P-WB", "name": "测巡河（测试）", "kind": "river", "division_code": "140826"}
    )
    registry_services.save_reach(
        None,
        {
            "code": REACH,
            "name": "测巡河东刘家段（测试）",
            "water_body_code": "P-WB",
            "division_code": VILLAGE,
            "level": "village",
            "geometry": {"type": "LineString", "coordinates": line(2000)},
        },
    )
    assistant = account_services.create_user(
        None,
        username="assistant_test",
        role="chief",
        division=Division.objects.get(code=VILLAGE),
        full_name="助理（测试）",
        password="riverchief-demo",
        must_change_password=False,
    )
    for username, role in (
        ("chief_dongliujia", "河长"),
        ("patroller_dongliujia", "巡河员"),
        ("assistant_test", "河长助理"),
    ):
        registry_services.assign_person(
            None,
            {
                "person_name": username,
                "username": username,
                "role": role,
                "level": "village",
                "reach_code": REACH,
                "start_date": "2026-01-01",
            },
        )
    return {"code": REACH, "assistant": assistant}


@pytest.fixture
def client_for(db):
    def make(username: str) -> Client:
        client = Client()
        client.force_login(User.objects.get(username=username))
        return client

    return make


def iso(t_ms: int) -> str:
    return dt.datetime.fromtimestamp(t_ms / 1000, dt.UTC).isoformat()


def body(points, **extra) -> dict:
    data = {
        "client_id": str(uuid.uuid4()),
        "reach_code": REACH,
        "kind": "normal",
        "started_at": iso(points[0][2]) if points else "2026-05-28T12:00:00+00:00",
        "ended_at": iso(points[-1][2]) if points else "2026-05-28T12:30:00+00:00",
        "points": points,
    }
    data.update(extra)
    return data


def jpeg(seed: int = 1, taken: str | None = None, lonlat: tuple[float, float] | None = None):
    """A photo with shapes (so its hash is informative) and optional EXIF time and place."""
    import numpy as np

    rng = np.random.default_rng(seed)
    image = Image.new("RGB", (320, 240), (90, 140, 200))
    draw = ImageDraw.Draw(image)
    for _ in range(25):
        x, y = (int(v) for v in rng.integers(0, 300, 2))
        colour = tuple(int(c) for c in rng.integers(0, 255, 3))
        draw.rectangle([x, y, x + int(rng.integers(10, 90)), y + int(rng.integers(10, 90))], colour)
    exif = Image.Exif()
    if taken:
        exif.get_ifd(0x8769)[36867] = taken
        exif.get_ifd(0x8769)[36881] = "+08:00"
    if lonlat:
        gps = exif.get_ifd(0x8825)
        lon, lat = lonlat
        gps[1], gps[3] = "N", "E"
        gps[2] = (float(int(lat)), float(int(lat % 1 * 60)), (lat * 3600) % 60)
        gps[4] = (float(int(lon)), float(int(lon % 1 * 60)), (lon * 3600) % 60)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif, quality=90)
    return buffer.getvalue()


def upload_photo(client: Client, data: bytes, client_id: str | None = None):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client_id = client_id or str(uuid.uuid4())
    response = client.post(
        "/api/v1/patrols/photos",
        {"client_id": client_id, "file": SimpleUploadedFile("p.jpg", data, "image/jpeg")},
    )
    return response, client_id
