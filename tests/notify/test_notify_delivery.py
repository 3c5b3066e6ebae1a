"""A problem's events reach the right inboxes, mailboxes and group robots, once, after commit.

Real servers: aiosmtpd for e-mail and an http.server receiver for the webhooks, on loopback.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import time

import pytest
from django.db import transaction
from django.utils import timezone

from riverchief.core.errors import DomainError
from riverchief.notify import compose, handler, outbox, tasks
from riverchief.notify.models import Delivery, HandledEvent, Notification
from riverchief.problems import services
from riverchief.problems.models import Problem, ProblemEvent
from tests.notify.conftest import (
    DINGTALK_SECRET,
    EMAILS,
    OFFICE_MAILBOX,
    REPORT,
    inbox_kinds,
    user,
)
from tests.problems.conftest import DEPARTMENT, jpeg

ALL_STEPS = ["report", "accept", "assign", "start", "submit", "close"]


def run_to_closed(committed) -> Problem:
    """chief_hengshui reports; admin accepts and assigns to 水利局; dept_water starts and submits;
    admin verifies and closes."""
    chief, admin, dept = user("chief_hengshui"), user("admin"), user("dept_water")
    problem, _created = committed(services.report_problem, chief, REPORT)
    committed(services.move, admin, problem.pk, "accept")
    committed(
        services.move, admin, problem.pk, "assign", department_code=DEPARTMENT, deadline_days=5
    )
    committed(services.move, dept, problem.pk, "start")
    committed(services.move, dept, problem.pk, "submit", files=[jpeg()], note="已清运完毕")
    committed(services.move, admin, problem.pk, "close", note="现场核查属实")
    return problem


def test_report_to_close_reaches_each_person_and_channel_exactly_once(
    channels, receiver, mailbox, reach, committed
):
    problem = run_to_closed(committed)
    problem.refresh_from_db()

    # The inbox: the office hears of the report and of the rectification to verify, the
    # department of its assignment, the reporter of the closing; nobody hears of their own act.
    assert inbox_kinds("admin", problem) == ["report", "submit"]
    assert inbox_kinds("dept_water", problem) == ["assign"]
    assert inbox_kinds("chief_hengshui", problem) == ["close"]
    told = set(Notification.objects.filter(problem=problem).values_list("recipient__username"))
    assert told == {("admin",), ("dept_water",), ("chief_hengshui",)}

    # Group robots and the office mailbox hear of every step; the JSON channel of the main ones.
    assert [r["body"]["event"] for r in receiver.received("/json")] == [
        "report",
        "assign",
        "submit",
        "close",
    ]
    assert len(receiver.received("/wecom")) == len(ALL_STEPS)
    assert len(receiver.received("/dingtalk")) == len(ALL_STEPS)
    assert not receiver.received("/json", ok=False)
    office_mail = mailbox.to(OFFICE_MAILBOX)
    assert len(office_mail) == len(ALL_STEPS)
    assert len({m["subject"] for m in office_mail}) == len(ALL_STEPS)
    # People with an e-mail address get their own notifications by e-mail too.
    assert len(mailbox.to(EMAILS["admin"])) == 2
    assert [m["subject"] for m in mailbox.to(EMAILS["dept_water"])] == [
        Notification.objects.get(problem=problem, recipient__username="dept_water").title
    ]
    assert len(mailbox.to(EMAILS["chief_hengshui"])) == 1
    assert mailbox.to(EMAILS["chief_dongliujia"]) == []
    assert mailbox.to(EMAILS["out_office"]) == []
    assert problem.number in office_mail[0]["subject"]
    assert office_mail[0]["from"] == "riverchief@example.org"

    deliveries = Delivery.objects.filter(problem=problem)
    assert set(deliveries.values_list("status", "attempts")) == {("sent", 1)}

    # The hook again for every event, then a sweep: nothing new anywhere.
    before = (len(receiver.requests), len(mailbox.messages), Notification.objects.count())
    for event in ProblemEvent.objects.filter(problem=problem):
        handler.on_problem_event(problem.pk, event.pk)
        handler.on_problem_event(problem.pk, event.pk)
    tasks.sweep_task()
    after = (len(receiver.requests), len(mailbox.messages), Notification.objects.count())
    assert after == before


def test_wecom_markdown_and_plain_json_bodies(
    channels, receiver, mailbox, reach, committed, settings
):
    settings.RIVERCHIEF_SITE_URL = "https://hzz.example.gov.cn"
    chief = user("chief_hengshui")
    problem, _created = committed(services.report_problem, chief, REPORT)
    [wecom] = receiver.received("/wecom")
    assert wecom["query"] == {"key": ["wecom-key"]}
    assert wecom["content_type"].startswith("application/json")
    body = wecom["body"]
    assert set(body) == {"msgtype", "markdown"}
    assert body["msgtype"] == "markdown"
    assert set(body["markdown"]) == {"content"}
    content = body["markdown"]["content"]
    assert content.startswith("### ") and problem.number in content
    assert "横水镇" in content or "东刘家村" in content
    assert len(content.encode("utf-8")) <= 4096
    path = compose.problem_link(problem)  # the problem's page
    link = f"https://hzz.example.gov.cn{path}"
    assert content.endswith(f"({link})")

    [plain] = receiver.received("/json")
    assert {"event", "problem", "text"} <= set(plain["body"])
    assert plain["body"]["event"] == "report"
    assert plain["body"]["problem"]["number"] == problem.number
    assert plain["body"]["problem"]["state"] == "reported"
    assert plain["body"]["problem"]["division_code"] == "140826101201"
    assert problem.number in plain["body"]["text"]
    assert plain["body"]["problem"]["url"] == link
    [mail] = mailbox.to(OFFICE_MAILBOX)
    assert link in mail["body"]
    inbox = Notification.objects.get(problem=problem, recipient__username="admin")
    assert inbox.link == path
    assert "https://" not in inbox.body


def test_the_dingtalk_robot_gets_a_correct_signature(channels, receiver, mailbox, reach, committed):
    started_ms = int(time.time() * 1000)
    committed(services.report_problem, user("chief_hengshui"), REPORT)
    [ding] = receiver.received("/dingtalk")
    query = ding["query"]
    assert query["access_token"] == ["ding-token"]
    timestamp = query["timestamp"][0]
    assert started_ms - 1000 <= int(timestamp) <= int(time.time() * 1000)
    # 钉钉's rule, computed here independently: Base64(HmacSHA256(secret, "timestamp\nsecret")).
    expected = base64.b64encode(
        hmac.new(
            DINGTALK_SECRET.encode("utf-8"),
            f"{timestamp}\n{DINGTALK_SECRET}".encode(),
            hashlib.sha256,
        ).digest()
    ).decode()
    assert query["sign"] == [expected]  # parse_qs undid the URL encoding of + / =
    body = ding["body"]
    assert body["msgtype"] == "markdown"
    assert set(body["markdown"]) == {"title", "text"}
    assert body["markdown"]["title"] in body["markdown"]["text"]


def test_nothing_is_sent_for_a_rolled_back_transaction(
    channels, receiver, mailbox, reach, django_capture_on_commit_callbacks
):
    chief = user("chief_hengshui")
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.report_problem(chief, REPORT)
        raise RuntimeError("the request failed after the report was written")
    assert callbacks == []
    assert Problem.objects.filter(description=REPORT["description"]).count() == 0
    assert (receiver.requests, mailbox.messages) == ([], [])
    assert Notification.objects.count() == Delivery.objects.count() == 0


def test_a_refused_move_sends_nothing(channels, receiver, mailbox, reach, committed):
    problem, _created = committed(services.report_problem, user("chief_hengshui"), REPORT)
    receiver.clear()
    mailbox.clear()
    admin, dept = user("admin"), user("dept_water")
    committed(services.move, admin, problem.pk, "accept")
    committed(services.move, admin, problem.pk, "assign", department_code=DEPARTMENT)
    committed(services.move, dept, problem.pk, "start")
    sent = (len(receiver.requests), len(mailbox.messages))
    with pytest.raises(DomainError):
        committed(services.move, dept, problem.pk, "submit", note="没有照片")  # no photo
    assert (len(receiver.requests), len(mailbox.messages)) == sent
    assert not Notification.objects.filter(problem=problem, kind="submit").exists()


def test_a_receiver_that_fails_twice_gets_the_message_on_the_third_attempt(
    channels, receiver, mailbox, reach, committed
):
    json_channel = channels["json"]
    json_channel.__class__.objects.exclude(pk=json_channel.pk).update(active=False)
    receiver.failures["/json"] = 2
    committed(services.report_problem, user("chief_hengshui"), REPORT)
    delivery = Delivery.objects.get(channel=json_channel)
    assert (delivery.status, delivery.attempts) == ("failed", 1)
    assert_waits(delivery, minutes=1)
    assert "HTTP 500" in delivery.last_error

    tasks.sweep_task()  # not due yet: nothing happens
    delivery.refresh_from_db()
    assert delivery.attempts == 1 and len(receiver.requests) == 1

    make_due(delivery)
    tasks.sweep_task()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("failed", 2)
    assert_waits(delivery, minutes=2)

    make_due(delivery)
    tasks.sweep_task()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("sent", 3, "")
    assert len(receiver.received("/json", ok=False)) == 2
    assert len(receiver.received("/json")) == 1

    make_due(delivery)
    tasks.sweep_task()
    assert len(receiver.requests) == 3  # sent is sent


def test_a_receiver_that_never_answers_is_given_up_after_ten_attempts(
    channels, receiver, mailbox, reach, committed
):
    json_channel = channels["json"]
    json_channel.__class__.objects.exclude(pk=json_channel.pk).update(active=False)
    receiver.failures["/json"] = 100
    committed(services.report_problem, user("chief_hengshui"), REPORT)
    delivery = Delivery.objects.get(channel=json_channel)
    waits = [minutes_until(delivery)]
    for _attempt in range(outbox.MAX_ATTEMPTS - 1):
        make_due(delivery)
        tasks.sweep_task()
        delivery.refresh_from_db()
        if delivery.status == "failed":
            waits.append(minutes_until(delivery))
    assert waits == [1, 2, 4, 8, 16, 32, 64, 128, 256]
    assert (delivery.status, delivery.attempts) == ("dead", outbox.MAX_ATTEMPTS)
    make_due(delivery)
    tasks.sweep_task()
    assert len(receiver.requests) == outbox.MAX_ATTEMPTS


def test_a_sweep_running_while_a_message_is_being_sent_does_not_send_it_twice(
    channels, receiver, mailbox, reach, committed, monkeypatch
):
    """Two workers: the second sweeps while the first is in the middle of a send."""
    wecom = channels["wecom"]
    wecom.__class__.objects.exclude(pk=wecom.pk).update(active=False)
    receiver.failures["/wecom"] = 2
    admin = user("admin")
    problem, _created = committed(services.report_problem, user("chief_hengshui"), REPORT)
    committed(services.move, admin, problem.pk, "accept")
    waiting = list(Delivery.objects.filter(channel=wecom))
    assert [d.status for d in waiting] == ["failed", "failed"]
    for delivery in waiting:
        make_due(delivery)

    from riverchief.notify import senders

    real_send = senders.send
    interleaved = []

    def send_while_another_worker_sweeps(delivery):
        if not interleaved:
            interleaved.append(delivery.pk)
            interleaved.append(outbox.sweep())  # the other worker, while this one holds a row
        real_send(delivery)

    monkeypatch.setattr(senders, "send", send_while_another_worker_sweeps)
    counts = outbox.sweep()
    assert interleaved[1] == {"sent": 1}  # the other worker sent only the row nobody held
    assert counts == {"sent": 1}
    ok = receiver.received("/wecom")
    titles = {r["body"]["markdown"]["content"].split("\n")[0] for r in ok}
    assert len(ok) == len(titles) == 2  # the report and the acceptance, each once
    assert set(Delivery.objects.filter(channel=wecom).values_list("status", flat=True)) == {"sent"}


def test_a_worker_that_died_while_sending_is_released_by_the_sweep(
    channels, receiver, mailbox, reach, committed
):
    wecom = channels["wecom"]
    wecom.__class__.objects.exclude(pk=wecom.pk).update(active=False)
    receiver.failures["/wecom"] = 1
    committed(services.report_problem, user("chief_hengshui"), REPORT)
    delivery = Delivery.objects.get(channel=wecom)
    make_due(delivery)
    assert outbox.claim(delivery.pk)  # a worker took it, then its process was killed
    assert outbox.sweep() == {}  # still held: nobody else sends it
    Delivery.objects.filter(pk=delivery.pk).update(
        claimed_at=timezone.now() - outbox.LEASE - dt.timedelta(minutes=1)
    )
    assert outbox.sweep() == {"sent": 1, "released": 1}
    assert len(receiver.received("/wecom")) == 1


def test_the_sweep_writes_what_a_hook_missed(channels, receiver, mailbox, reach, monkeypatch):
    """The process stopped between the commit and the hook: the sweep catches up, once."""
    from riverchief.problems import signals

    monkeypatch.setattr(signals, "on_transition", [])
    problem, _created = services.report_problem(user("chief_hengshui"), REPORT)
    event = problem.events.get()
    assert not HandledEvent.objects.filter(event=event).exists()
    assert handler.catch_up() == 0  # too fresh: its hook may still be running
    ProblemEvent.objects.filter(pk=event.pk).update(at=event.at - handler.CATCH_UP_AFTER * 2)
    tasks.sweep_task()
    assert inbox_kinds("admin", problem) == ["report"]
    assert len(receiver.received("/wecom")) == 1
    tasks.sweep_task()
    assert len(receiver.received("/wecom")) == 1
    # Days later the mark is forgotten, and the event, now outside the window, stays done.
    long_ago = timezone.now() - dt.timedelta(days=3)
    ProblemEvent.objects.filter(pk=event.pk).update(at=long_ago)
    HandledEvent.objects.filter(event=event).update(at=long_ago)
    tasks.sweep_task()
    assert not HandledEvent.objects.filter(event=event).exists()
    assert len(receiver.received("/wecom")) == 1


# --- helpers -------------------------------------------------------------------------------------


def make_due(delivery: Delivery) -> None:
    """Move the retry time into the past instead of waiting for it."""
    Delivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() - dt.timedelta(seconds=1)
    )


def minutes_until(delivery: Delivery) -> int:
    return round((delivery.next_attempt_at - timezone.now()).total_seconds() / 60)


def assert_waits(delivery: Delivery, *, minutes: int) -> None:
    wait = (delivery.next_attempt_at - timezone.now()).total_seconds()
    assert minutes * 60 - 10 <= wait <= minutes * 60, wait
