"""A phone retrying one upload on several connections at once stores one patrol (PostgreSQL:
threads with their own transactions; SQLite serialises whole writers)."""

from __future__ import annotations

import uuid

import pytest

from riverchief.accounts.models import User
from riverchief.patrols import services
from riverchief.patrols.models import Patrol
from tests.concurrency import on_postgresql, run_together
from tests.permission_matrix import ROUTES  # noqa: F401 - loads the patrol list first
from tests.permission_matrix_patrols import BODY


def test_threads_retrying_one_patrol_on_postgresql_store_one(django_db_setup, django_db_blocker):
    if not on_postgresql(django_db_blocker):
        pytest.skip("threads with their own transactions need PostgreSQL")
    key = str(uuid.uuid4())
    with django_db_blocker.unblock():
        patroller = User.objects.get(username="patroller_dongliujia")
        try:
            results = run_together(
                *[
                    lambda: services.record_patrol(patroller, {**BODY, "client_id": key})
                    for _ in range(4)
                ]
            )
            assert not [r for r in results if isinstance(r, Exception)], results
            assert len({patrol.pk for patrol, _created in results}) == 1
            assert sum(created for _patrol, created in results) == 1
            assert Patrol.objects.filter(client_id=key).count() == 1
        finally:
            Patrol.objects.filter(client_id=key).delete()
