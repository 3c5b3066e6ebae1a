"""Hooks that run after a problem's event is committed: notifications, statistics, the portal.

Subscribe with `@on_transition.append` or `subscribe(fn)`; each callable receives
(problem_id, event_id) once the transaction that wrote the event has committed, so a move that is
rolled back notifies nobody. The report itself is an event too (action "report"). A failing hook
is logged and does not stop the others.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import transaction

logger = logging.getLogger(__name__)

Hook = Callable[[int, int], None]
on_transition: list[Hook] = []


def subscribe(hook: Hook) -> Hook:
    if hook not in on_transition:
        on_transition.append(hook)
    return hook


def queue(problem_id: int, event_id: int) -> None:
    """Called by the services inside their transaction."""
    for hook in list(on_transition):
        transaction.on_commit(_runner(hook, problem_id, event_id))


def _runner(hook: Hook, problem_id: int, event_id: int) -> Callable[[], None]:
    def run() -> None:
        try:
            hook(problem_id, event_id)
        except Exception:
            logger.exception("problem hook %r failed for event %s", hook, event_id)

    return run
