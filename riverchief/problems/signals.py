"""Hooks that run after a problem's events are committed: notifications, statistics, the portal.

Subscribe with `subscribe(fn)`; each callable receives a list of (problem_id, event_id) pairs once
the transaction that wrote those events has committed, so a move that is rolled back notifies
nobody. A move hands over one pair; the escalation sweep hands over a whole batch, so a hook can
answer a midnight burst of thousands of events with a few queries instead of thousands. The
report itself is an event too (action "report"). A failing hook is logged and does not stop the
others.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from django.db import transaction

logger = logging.getLogger(__name__)

Pairs = Sequence[tuple[int, int]]
Hook = Callable[[Pairs], None]
on_transition: list[Hook] = []


def subscribe(hook: Hook) -> Hook:
    if hook not in on_transition:
        on_transition.append(hook)
    return hook


def queue(problem_id: int, event_id: int) -> None:
    """Called by the services inside their transaction."""
    queue_many([(problem_id, event_id)])


def queue_many(pairs: Pairs) -> None:
    """Called by batch work (the escalation sweep) inside its transaction."""
    pairs = list(pairs)
    if not pairs:
        return
    for hook in list(on_transition):
        transaction.on_commit(_runner(hook, pairs))


def _runner(hook: Hook, pairs: Pairs) -> Callable[[], None]:
    def run() -> None:
        try:
            hook(pairs)
        except Exception:
            logger.exception("problem hook %r failed for %d events", hook, len(pairs))

    return run
