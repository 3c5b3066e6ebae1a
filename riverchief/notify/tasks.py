"""The periodic notification work (`riverchief sweep`, task "notifications")."""

from __future__ import annotations

from riverchief.notify import handler, outbox


def sweep_task() -> str:
    """Write what a missed hook did not, then send every delivery that is due.

    Idempotent, and safe in two processes at once: events are recorded once (unique keys) and
    each delivery is claimed with a conditional UPDATE before it is sent.
    """
    caught_up = handler.catch_up()
    handler.forget_old_marks()
    counts = outbox.sweep()
    parts = [
        f"{counts.get('sent', 0)} sent",
        f"{counts.get('failed', 0)} to retry",
        f"{counts.get('dead', 0)} given up",
    ]
    if caught_up:
        parts.append(f"{caught_up} missed events recorded")
    if counts.get("released"):
        parts.append(f"{counts['released']} stale claims released")
    return "notifications: " + ", ".join(parts)
