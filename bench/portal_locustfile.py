"""Locust users for bench/portal_load.py (run as its own process, locust imported first).

BENCH_MODE=reach   GET /p/reaches/<code>, the codes taken in turn from BENCH_REACHES
BENCH_MODE=report  GET /p/report (CSRF cookie and token), then POST /p/report with a ~1 MB
                   JPEG, a category, a point on a reach and a fresh idempotency key; a 302 to
                   the receipt counts as success; each user sends from an address of its own

Every user keeps one request in flight (no pause): the figures are the server's capacity. The
test stops BENCH_DURATION seconds after the first request.
"""

from __future__ import annotations

import itertools
import os
import re
import secrets
from pathlib import Path

from locust import FastHttpUser, constant, events, task

MODE = os.environ.get("BENCH_MODE", "reach")
REACHES = [code for code in os.environ.get("BENCH_REACHES", "").split(",") if code]
POINTS = [
    tuple(float(x) for x in pair.split(":"))
    for pair in os.environ.get("BENCH_POINTS", "").split(",")
    if pair
]
PHOTO = Path(os.environ.get("BENCH_PHOTO", "photo.jpg"))
DURATION = float(os.environ.get("BENCH_DURATION", "30"))
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

_reaches = itertools.cycle(REACHES or ["SSH-140826101"])
_points = itertools.cycle(POINTS or [(111.49, 35.4655)])
_photo = PHOTO.read_bytes() if PHOTO.exists() else b""


@events.test_start.add_listener
def _stop_later(environment, **_kwargs):
    import gevent

    gevent.spawn_later(DURATION, environment.runner.quit)


_addresses = itertools.count(1)


class PublicUser(FastHttpUser):
    wait_time = constant(0)

    def on_start(self):
        # Each user is a phone of its own, behind the reverse proxy a county puts in front
        # (the server runs with RIVERCHIEF_PROXY_COUNT=1). From one address the reports would
        # queue on that address's rate-limit row, as they should: the limit allows 5 an hour.
        number = next(_addresses)
        self.address = f"10.{number // 65536 % 256}.{number // 256 % 256}.{number % 256}"

    @task
    def visit(self):
        if MODE == "reach":
            code = next(_reaches)
            self.client.get(f"/p/reaches/{code}", name="/p/reaches/{code}")
            return
        page = self.client.get(
            "/p/report", name="GET /p/report", headers={"X-Forwarded-For": self.address}
        )
        found = CSRF.search(page.text or "")
        if not found:
            return
        lon, lat = next(_points)
        form = {
            "csrfmiddlewaretoken": found.group(1),
            "category": "rubbish",
            "description": "基准测试：河边有垃圾",
            "lon": f"{lon:.6f}",
            "lat": f"{lat:.6f}",
            "coordinate_system": "wgs84",
            "consent": "on",
            "device_id": secrets.token_hex(8),
            "idempotency_key": secrets.token_urlsafe(12),
        }
        boundary = secrets.token_hex(16)
        body = _multipart(boundary, form, _photo)
        with self.client.post(
            "/p/report",
            data=body,
            headers={
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "Referer": self.host + "/p/report",
                "X-Forwarded-For": self.address,
                # Each report is a phone of its own: its connection ends with it. Kept open,
                # the eight users' connections stayed with whichever worker accepted them
                # first (all eight on one worker, the other idle: measured).
                "Connection": "close",
            },
            name="POST /p/report (1 MB photo)",
            allow_redirects=False,
            catch_response=True,
        ) as answer:
            if answer.status_code == 302:
                answer.success()
            else:
                answer.failure(f"status {answer.status_code}")


def _multipart(boundary: str, fields: dict, photo: bytes) -> bytes:
    parts = []
    for name, value in fields.items():
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
        parts.append(f"{head}{value}\r\n".encode())
    parts.append(
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="photos"; '
            f'filename="site.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'
        ).encode()
        + photo
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts)
