"""Several processes at once, with real transactions and their own connections (PostgreSQL:
SQLite serialises whole writers, so there the interleaved single-connection tests stand in)."""

from __future__ import annotations

import pytest

from riverchief.notify import handler, outbox
from riverchief.notify.models import Channel, Delivery, HandledEvent, Notification
from riverchief.problems import services, signals
from riverchief.problems.models import Problem
from riverchief.registry.models import Division
from tests.concurrency import on_postgresql, run_together
from tests.notify.conftest import user

POINT = {"lon": 111.4125, "lat": 35.5205}  # on the matrix reach M-REACH in 东刘家村


@pytest.fixture
def real_transactions(django_db_setup, django_db_blocker, receiver):
    if not on_postgresql(django_db_blocker):
        pytest.skip("threads with their own transactions need PostgreSQL")
    with django_db_blocker.unblock():
        county = Division.objects.get(code="140826000000")
        channel = Channel.objects.create(
            name="并发测试渠道",
            kind="wecom_robot",
            target=f"{receiver.base}/wecom",
            division=county,
        )
        problems: list[int] = []
        try:
            yield channel, problems
        finally:
            Problem.objects.filter(pk__in=problems).delete()
            channel.delete()


def test_four_sweeps_at_once_send_each_due_message_once(real_transactions, receiver):
    channel, _problems = real_transactions
    for number in range(40):
        Delivery.objects.create(
            channel=channel,
            payload={"msgtype": "markdown", "markdown": {"content": f"消息 {number}"}},
            dedupe_key=f"race:{channel.pk}:{number}",
        )
    results = run_together(*[outbox.sweep for _ in range(4)])
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(r.get("sent", 0) for r in results) == 40
    contents = [r["body"]["markdown"]["content"] for r in receiver.received("/wecom")]
    assert sorted(contents) == sorted(f"消息 {number}" for number in range(40))
    assert set(Delivery.objects.filter(channel=channel).values_list("status", "attempts")) == {
        ("sent", 1)
    }


def test_the_hook_twice_at_once_queues_and_sends_everything_once(
    real_transactions, receiver, monkeypatch
):
    channel, problems = real_transactions
    monkeypatch.setattr(signals, "on_transition", [])  # the hook has not run yet
    problem, _created = services.report_problem(
        user("chief_dongliujia"),
        {"category": "luan_dui", "description": "并发通知测试", "reach_code": "M-REACH", **POINT},
    )
    problems.append(problem.pk)
    event = problem.events.get()
    results = run_together(
        *[lambda: handler.on_problem_event(problem.pk, event.pk) for _ in range(3)],
        outbox.sweep,
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    assert len(receiver.received("/wecom")) == 1
    assert list(
        Notification.objects.filter(event=event).values_list("recipient__username", flat=True)
    ) == ["admin"]
    assert Delivery.objects.filter(event=event).count() == 1
    assert HandledEvent.objects.filter(event=event).count() == 1
