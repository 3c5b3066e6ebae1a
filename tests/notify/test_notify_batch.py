"""A midnight burst: the escalation sweep hands thousands of events to the hook at once.

The hook writes the whole batch with shared lookups (the same people as one event at a time),
leaves the sending of a large batch to the outbox sweep that runs right after it, and in the
serving process a worker thread sends, so a slow receiver never holds up a response; another
writes the notifications of the events a busy moment brings, together.
"""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest

from riverchief.notify import handler, outbox, recipients, tasks
from riverchief.notify.models import Channel, Delivery, DeliveryStatus, HandledEvent, Notification
from riverchief.problems import escalation, services
from riverchief.problems.models import Problem, ProblemEvent
from riverchief.registry.models import Division
from tests.concurrency import on_postgresql
from tests.notify.conftest import user
from tests.problems.conftest import (
    DEPARTMENT,
    ON_REACH,
)

BURST = handler.SEND_INLINE_UP_TO + 5


def _assigned(count: int, due: str = "2026-09-30") -> list[int]:
    chief, admin = user("chief_hengshui"), user("admin")
    pks = []
    for number in range(count):
        problem, _created = services.report_problem(
            chief,
            {
                "category": "luan_dui",
                "description": f"批量通知 {number}",
                "lon": ON_REACH[0],
                "lat": ON_REACH[1],
            },
        )
        services.move(admin, problem.pk, "accept")
        services.move(admin, problem.pk, "assign", department_code=DEPARTMENT, deadline=due)
        pks.append(problem.pk)
    return pks


def test_a_burst_is_written_at_once_and_sent_by_the_outbox_sweep(
    channels, receiver, mailbox, reach, clock, committed, django_capture_on_commit_callbacks
):
    clock.set("2026-09-21")
    pks = committed(_assigned, BURST)
    # Rows are stamped due by the real clock, which this test's fake one lags: send them now.
    clock.now = dt.datetime.now(dt.UTC)
    tasks.sweep_task()
    receiver.clear()
    mailbox.clear()
    clock.set("2026-10-11", "00:05")  # red: 10-08, 10-09 and the make-up Saturday 10-10 passed
    with django_capture_on_commit_callbacks(execute=True):
        result = escalation.run_escalation()
    assert result.escalated == {2: BURST}
    events = ProblemEvent.objects.filter(problem_id__in=pks, action="escalate")
    assert events.count() == BURST
    # Written: every event's people, the same as the event alone would give them.
    for event in events.select_related("problem__division", "problem__reach"):
        expected = {u.username for u in recipients.for_event(event.problem, event)}
        told = set(
            Notification.objects.filter(event=event).values_list("recipient__username", flat=True)
        )
        assert told == expected and {"admin", "dept_water", "chief_hengshui"} <= told
    # Not sent by the hook: the burst waits for the outbox sweep, which sends each once.
    assert receiver.received("/wecom") == []
    pending = Delivery.objects.filter(event__in=events, status=DeliveryStatus.PENDING)
    assert pending.count() == Delivery.objects.filter(event__in=events).count() > 0
    clock.now = dt.datetime.now(dt.UTC)
    tasks.sweep_task()
    wecom = receiver.received("/wecom")
    assert len(wecom) == BURST
    assert len({r["body"]["markdown"]["content"] for r in wecom}) == BURST
    assert set(Delivery.objects.filter(event__in=events).values_list("status", "attempts")) == {
        (DeliveryStatus.SENT, 1)
    }
    tasks.sweep_task()
    assert len(receiver.received("/wecom")) == BURST


def test_a_single_move_is_still_sent_right_after_it_commits(
    channels, receiver, mailbox, reach, committed
):
    problem, _created = committed(
        services.report_problem,
        user("chief_hengshui"),
        {"category": "luan_dui", "description": "单条通知", "lon": ON_REACH[0], "lat": ON_REACH[1]},
    )
    assert len(receiver.received("/wecom")) == 1
    assert Delivery.objects.filter(problem=problem, status=DeliveryStatus.PENDING).count() == 0


def test_the_serving_process_sends_on_its_own_thread(
    django_db_setup, django_db_blocker, receiver, monkeypatch
):
    if not on_postgresql(django_db_blocker):
        pytest.skip("a second thread sees committed rows only on PostgreSQL here")
    gate = threading.Event()
    receiver.on_request = lambda: gate.wait(timeout=30)  # a receiver that answers slowly
    monkeypatch.setattr(outbox, "_sender", None)
    outbox.send_in_background()
    sender = outbox._sender
    with django_db_blocker.unblock():
        county = Division.objects.get(code="140826000000")
        channel = Channel.objects.create(
            name="慢速接收方", kind="wecom_robot", target=f"{receiver.base}/wecom", division=county
        )
        try:
            delivery = Delivery.objects.create(
                channel=channel,
                payload={"msgtype": "markdown", "markdown": {"content": "后台发送"}},
                dedupe_key=f"background:{channel.pk}",
            )
            outbox.send_soon([delivery.pk])  # returns while the receiver still waits
            delivery.refresh_from_db()
            assert delivery.status in (DeliveryStatus.PENDING, DeliveryStatus.SENDING)
            gate.set()
            sender.shutdown(wait=True)
            delivery.refresh_from_db()
            assert delivery.status == DeliveryStatus.SENT
            assert [r["body"]["markdown"]["content"] for r in receiver.received("/wecom")] == [
                "后台发送"
            ]
        finally:
            gate.set()
            Delivery.objects.filter(channel=channel).delete()
            channel.delete()
            assert not Problem.objects.filter(description="后台发送").exists()


def test_the_serving_process_writes_a_busy_moments_notifications_together(
    django_db_setup, django_db_blocker, monkeypatch
):
    """Reports committed within COLLECT_FOR of each other: their notifications are written by
    the worker's thread after the responses, in one batch, to the same people as at once."""
    if not on_postgresql(django_db_blocker):
        pytest.skip("a second thread sees committed rows only on PostgreSQL here")
    batches: list[list[int]] = []
    write = handler.record_many
    monkeypatch.setattr(handler, "record_many", lambda ids: batches.append(ids) or write(ids))
    monkeypatch.setattr(handler, "COLLECT_FOR", 3.0)  # well beyond three reports
    monkeypatch.setattr(handler, "_writer", None)
    handler.record_in_background()
    with django_db_blocker.unblock():
        try:
            chief = user("chief_hengshui")
            problems = [
                services.report_problem(
                    chief,
                    {
                        "category": "luan_dui",
                        "description": f"后台写通知 {n}",
                        "lon": ON_REACH[0],
                        "lat": ON_REACH[1],
                    },
                )[0]
                for n in range(3)
            ]
            events = list(ProblemEvent.objects.filter(problem__in=problems, action="report"))
            assert not Notification.objects.filter(event__in=events).exists()  # not yet
            for _ in range(100):
                if HandledEvent.objects.filter(event__in=events).count() == 3:
                    break
                time.sleep(0.1)
            assert batches == [sorted(event.pk for event in events)]
            for event in events:
                told = set(
                    Notification.objects.filter(event=event).values_list("recipient", flat=True)
                )
                expected = {u.pk for u in recipients.for_event(event.problem, event)}
                assert told == expected and user("admin").pk in told
        finally:
            handler._writer.stop()  # and its connection closed: the test database is dropped
            mine = Problem.objects.filter(description__startswith="后台写通知")
            Notification.objects.filter(problem__in=mine).delete()
            mine.delete()
