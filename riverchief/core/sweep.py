"""Periodic work: idempotent functions that `riverchief sweep` (cron) runs once each.

Apps add theirs to TASKS. Each returns a short summary for the operator's log.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator


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


TASKS: dict[str, Callable[[], str]] = {
    "calendar": _seed_calendar,
    "login_failures": _purge_login_failures,
    "sessions": _clear_sessions,
}


def run_all() -> Iterator[tuple[str, str]]:
    for name, task in TASKS.items():
        yield name, task()
