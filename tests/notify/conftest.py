"""Notifications: a real SMTP server (aiosmtpd) and a real HTTP receiver on loopback ports, one
channel of each kind, and helpers to run a problem through the workflow with its hooks."""

from __future__ import annotations

import email
import email.policy
import json
import logging
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from aiosmtpd.controller import Controller

from riverchief.accounts.models import User
from riverchief.notify.models import Channel, Notification
from riverchief.problems.models import Problem
from riverchief.registry.models import Division
from tests.problems.conftest import (  # noqa: F401 - the fixtures, for the tests here
    ON_REACH,
    clock,
    reach,
)

DINGTALK_SECRET = "SEC0123456789abcdef-测试"  # noqa: S105 - a test robot's signing secret
OFFICE_MAILBOX = "hezhangban@example.org"
EMAILS = {
    "admin": "admin@example.org",
    "dept_water": "shuili@example.org",
    "chief_hengshui": "hengshui@example.org",
    "chief_dongliujia": "dongliujia@example.org",
    "out_office": "out-office@example.org",
}


REPORT = {
    "category": "luan_dui",
    "description": "河道内倾倒建筑垃圾约 20 立方米",
    "lon": ON_REACH[0],
    "lat": ON_REACH[1],
}


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def user(username: str) -> User:
    return User.objects.get(username=username)


def inbox_kinds(username: str, problem: Problem) -> list[str]:
    rows = Notification.objects.filter(recipient__username=username, problem=problem)
    return list(rows.order_by("created_at", "id").values_list("kind", flat=True))


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """committed(fn, ...) runs fn and then its after-commit hooks, as a real commit would."""

    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return run


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- SMTP ------------------------------------------------------------------------------------


class Mailbox:
    """What the SMTP server accepted: one dict per recipient of each message."""

    def __init__(self) -> None:
        self.messages: list[dict] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            for address in envelope.rcpt_tos:
                self.messages.append(
                    {
                        "to": address,
                        "from": envelope.mail_from,
                        "subject": str(message["subject"]),
                        "body": message.get_content(),
                    }
                )
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[dict]:
        with self.lock:
            return [m for m in self.messages if m["to"] == address]

    def clear(self) -> None:
        with self.lock:
            self.messages.clear()


@pytest.fixture(scope="session")
def smtp_server():
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every command
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller.hostname, controller.port, mailbox
    controller.stop()


@pytest.fixture
def mailbox(smtp_server, settings):
    host, port, box = smtp_server
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = host
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.DEFAULT_FROM_EMAIL = "riverchief@example.org"
    box.clear()
    yield box
    box.clear()


# --- HTTP ------------------------------------------------------------------------------------


class Receiver:
    """Records every POST; answers 500 while a path has failures left, else the robots' OK."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.failures: dict[str, int] = {}
        self.lock = threading.Lock()
        self.on_request = None  # called (in the server thread) before answering

    def handle(self, path: str, raw: bytes, headers) -> int:
        if self.on_request is not None:
            self.on_request()
        parts = urlsplit(path)
        with self.lock:
            failing = self.failures.get(parts.path, 0) > 0
            if failing:
                self.failures[parts.path] -= 1
            self.requests.append(
                {
                    "path": parts.path,
                    "query": parse_qs(parts.query),
                    "content_type": headers.get("Content-Type", ""),
                    "body": json.loads(raw.decode("utf-8")),
                    "ok": not failing,
                }
            )
        return 500 if failing else 200

    def received(self, path: str, *, ok: bool = True) -> list[dict]:
        with self.lock:
            return [r for r in self.requests if r["path"] == path and r["ok"] == ok]

    def clear(self) -> None:
        with self.lock:
            self.requests.clear()
            self.failures.clear()
        self.on_request = None


@pytest.fixture(scope="session")
def http_receiver():
    receiver = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status = receiver.handle(self.path, raw, self.headers)
            answer = {"errcode": 0, "errmsg": "ok"} if status == 200 else {"error": "boom"}
            body = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    receiver.base = f"http://127.0.0.1:{server.server_address[1]}"  # type: ignore[attr-defined]
    yield receiver
    server.shutdown()
    server.server_close()


@pytest.fixture
def receiver(http_receiver):
    http_receiver.clear()
    yield http_receiver
    http_receiver.clear()


# --- channels and people -----------------------------------------------------------------------


@pytest.fixture
def channels(db, receiver, mailbox):
    """One channel of each kind for 绛县; the plain JSON one only wants the main steps."""
    county = Division.objects.get(code="140826000000")
    base = receiver.base
    made = {
        "email": Channel.objects.create(
            name="县河长办邮箱", kind="email", target=OFFICE_MAILBOX, division=county
        ),
        "json": Channel.objects.create(
            name="数据平台",
            kind="webhook_json",
            target=f"{base}/json",
            division=county,
            event_kinds=["report", "assign", "submit", "close"],
        ),
        "wecom": Channel.objects.create(
            name="企业微信群",
            kind="wecom_robot",
            target=f"{base}/wecom?key=wecom-key",
            division=county,
        ),
        "dingtalk": Channel.objects.create(
            name="钉钉群",
            kind="dingtalk_robot",
            target=f"{base}/dingtalk?access_token=ding-token",
            secret=DINGTALK_SECRET,
            division=county,
        ),
    }
    for username, address in EMAILS.items():
        User.objects.filter(username=username).update(email=address)
    return made
