"""Two people acting on one problem at once: one wins, the other gets 409 and the current state."""

from __future__ import annotations

import pytest

from riverchief.accounts.models import User
from riverchief.core.errors import Conflict
from riverchief.problems import services
from riverchief.problems.models import Problem
from tests.concurrency import on_postgresql, run_together
from tests.problems.conftest import act


def test_two_moves_with_the_same_expected_version_one_wins(signed_in, reported):
    admin = User.objects.get(username="admin")
    services.move(admin, reported, "accept", expected_version=1)
    with pytest.raises(Conflict) as refused:
        services.move(admin, reported, "reject", expected_version=1, reason="重复上报")
    body = refused.value.as_dict()
    assert body["state"] == "accepted"
    assert body["version"] == 2
    assert "assign" in body["allowed_actions"]
    problem = Problem.objects.get(pk=reported)
    assert (problem.state, problem.version, problem.events.count()) == ("accepted", 2, 2)


def test_the_api_answers_409_with_the_current_state_to_the_slower_person(signed_in, reported):
    first = act(signed_in("admin"), reported, "accept", expected_version=1)
    assert first.status_code == 200
    second = act(signed_in("admin"), reported, "reject", expected_version=1, reason="x")
    assert second.status_code == 409
    assert second.json()["state"] == "accepted"
    assert second.json()["version"] == 2
    assert {"code", "message", "message_en"} <= second.json().keys()


# --- real threads, real transactions: PostgreSQL only (SQLite serialises whole writers) ------


REPORT = {"category": "luan_dui", "description": "并发测试", "lon": 111.4125, "lat": 35.5205}


def test_threads_racing_on_postgresql_lose_no_update(django_db_setup, django_db_blocker):
    if not on_postgresql(django_db_blocker):
        pytest.skip("threads with their own transactions need PostgreSQL")
    created: list[int] = []
    with django_db_blocker.unblock():
        admin = User.objects.get(username="admin")
        try:
            for _round in range(3):
                problem, _ = services.report_problem(admin, {**REPORT, "reach_code": "M-REACH"})
                created.append(problem.pk)
                results = run_together(
                    lambda pk=problem.pk: services.move(admin, pk, "accept").state,
                    lambda pk=problem.pk: services.move(admin, pk, "reject", reason="重复").state,
                )
                wins = [r for r in results if isinstance(r, str)]
                losses = [r for r in results if isinstance(r, Conflict)]
                assert len(wins) == 1 and len(losses) == 1, results
                assert losses[0].extra["state"] == wins[0]
                row = Problem.objects.get(pk=problem.pk)
                assert (row.state, row.version, row.events.count()) == (wins[0], 2, 2)
        finally:
            Problem.objects.filter(pk__in=created).delete()


def test_threads_retrying_one_report_on_postgresql_create_one(django_db_setup, django_db_blocker):
    if not on_postgresql(django_db_blocker):
        pytest.skip("threads with their own transactions need PostgreSQL")
    with django_db_blocker.unblock():
        chief = User.objects.get(username="chief_hengshui")
        try:
            results = run_together(
                *[
                    lambda: services.report_problem(chief, REPORT, idempotency_key="race-key-1")
                    for _ in range(4)
                ]
            )
            assert not [r for r in results if isinstance(r, Exception)], results
            assert len({problem.pk for problem, _created in results}) == 1
            assert sum(created for _problem, created in results) == 1
            assert Problem.objects.filter(idempotency_key="race-key-1").count() == 1
        finally:
            Problem.objects.filter(idempotency_key="race-key-1").delete()
