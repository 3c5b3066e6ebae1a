"""Periodic work: idempotent functions that `riverchief sweep` (cron) runs once each.

Apps add theirs to TASKS. Each returns a short summary for the operator's log.

The serving processes run them too (`Scheduler`, started by `riverchief serve` and `demo` in
every gunicorn worker): every RIVERCHIEF_SWEEP_INTERVAL seconds (default 300, 0: off) one of
them, on one node, takes the lease "sweep" for the interval and runs every task, so a county needs
no cron. Tasks that must never overlap (the escalation sweep) hold a lease of their own too, which
keeps a cron run and the serving process apart.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable, Iterator
from datetime import timedelta

logger = logging.getLogger(__name__)


def _purge_login_failures() -> str:
    from riverchief.accounts.services import purge_old_login_failures

    return f"{purge_old_login_failures()} old failed sign-ins forgotten"


def _clear_sessions() -> str:
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    deleted, _unused = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return f"{deleted} expired sessions removed"


def _seed_calendar() -> str:
    from riverchief.core.calendar_service import seed_from_package

    years = seed_from_package(None)
    return (
        f"holiday calendar: {len(years)} new years from the package"
        if years
        else "calendar up to date"
    )


def _escalate_problems() -> str:
    from riverchief.problems.escalation import sweep_task

    return sweep_task()


def _public_answers() -> str:
    from riverchief.portal.tasks import sweep_task

    return sweep_task()


def _remind_patrols() -> str:
    from riverchief.patrols.compliance import sweep_task

    return sweep_task()


def _send_notifications() -> str:
    from riverchief.notify.tasks import sweep_task

    return sweep_task()


def _silent_stations() -> str:
    from riverchief.monitoring.alarms import sweep_task

    return sweep_task()


TASKS: dict[str, Callable[[], str]] = {
    "calendar": _seed_calendar,
    "login_failures": _purge_login_failures,
    "sessions": _clear_sessions,
    "escalation": _escalate_problems,
    "public_answers": _public_answers,
    "patrol_reminders": _remind_patrols,
    "notifications": _send_notifications,
    "station_silence": _silent_stations,
}


def run_all() -> Iterator[tuple[str, str]]:
    for name, task in TASKS.items():
        yield name, task()


# --- in the serving processes ----------------------------------------------------------------

SCHEDULER_LEASE = "sweep"


def run_due(interval: int) -> list[tuple[str, str]] | None:
    """Run every task, unless a process of any node already did in the last `interval` seconds
    (None then). A failing task is logged and the others still run."""
    from riverchief.core import leases

    if leases.acquire(SCHEDULER_LEASE, timedelta(seconds=interval)) is None:
        return None
    results = []
    for name, task in TASKS.items():
        try:
            results.append((name, task()))
        except Exception:
            logger.exception("sweep task %s failed", name)
            results.append((name, "failed"))
    return results


class Scheduler:
    """A daemon thread that calls `run_due` every few seconds; never lets an error out."""

    def __init__(self, interval: int, poll: float | None = None) -> None:
        self.interval = interval
        self.poll = poll if poll is not None else min(60.0, max(5.0, interval / 5))
        self._stop = threading.Event()
        self.thread: threading.Thread | None = None

    def start(self) -> Scheduler | None:
        if self.interval <= 0:
            return None
        self.thread = threading.Thread(target=self._loop, name="riverchief-sweep", daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def _loop(self) -> None:
        # Workers start together: spread their first look over one poll.
        if self._stop.wait(random.uniform(1.0, max(1.0, self.poll))):
            return
        while True:
            self.tick()
            if self._stop.wait(self.poll):
                return

    def tick(self) -> list[tuple[str, str]] | None:
        from django.db import connections

        try:
            results = run_due(self.interval)
            for name, summary in results or ():
                logger.info("sweep %s: %s", name, summary)
            return results
        except Exception:
            logger.exception("sweep failed")
            return None
        finally:
            connections.close_all()  # this thread's connections only
