"""The outbox: claim a delivery, send it, record the result, retry with back-off.

A worker owns a delivery only after a conditional UPDATE moved it from waiting (or failed) to
sending; of two processes that try at once, one gets the row and the other gets nothing, on
SQLite and PostgreSQL alike. A failed attempt waits 1, 2, 4, 8 … minutes (attempt n waits
2^(n-1) minutes); after the 10th failure, or an error no retry can cure, the delivery is given up
(dead). A worker that died while sending leaves a claim that the sweep releases after 10 minutes.
"""

from __future__ import annotations

import datetime as dt
import logging
from concurrent.futures import ThreadPoolExecutor

from django.db import connection
from django.db.models import F
from django.utils import timezone

from riverchief.notify import senders
from riverchief.notify.models import Delivery, DeliveryStatus

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
LEASE = dt.timedelta(minutes=10)
SWEEP_BATCH = 200
TEST_PREFIX = "test:"
RETRYABLE = (DeliveryStatus.PENDING, DeliveryStatus.FAILED)


def backoff(attempts: int) -> dt.timedelta:
    """How long to wait after the `attempts`-th failed attempt: 1, 2, 4, 8 … minutes."""
    return dt.timedelta(minutes=2 ** max(0, attempts - 1))


def claim(delivery_id: int, now: dt.datetime | None = None) -> bool:
    """Take the delivery for this worker if it is due and nobody holds it."""
    now = now or timezone.now()
    taken = Delivery.objects.filter(
        pk=delivery_id, status__in=RETRYABLE, next_attempt_at__lte=now
    ).update(status=DeliveryStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    return taken == 1


def attempt(delivery_id: int) -> str | None:
    """Claim, send and record one delivery; its new status, or None if it was not ours."""
    if not claim(delivery_id):
        return None
    delivery = Delivery.objects.select_related("channel").get(pk=delivery_id)
    try:
        _check_still_wanted(delivery)
        senders.send(delivery)
    except senders.SendError as error:
        return _failed(delivery, str(error), permanent=error.permanent)
    except Exception as error:  # a bug must not leave the row claimed until the lease ends
        logger.exception("notification delivery %s failed unexpectedly", delivery_id)
        return _failed(delivery, f"{type(error).__name__}: {error}", permanent=False)
    Delivery.objects.filter(pk=delivery_id, status=DeliveryStatus.SENDING).update(
        status=DeliveryStatus.SENT, sent_at=timezone.now(), claimed_at=None, last_error=""
    )
    return DeliveryStatus.SENT


def _check_still_wanted(delivery: Delivery) -> None:
    # Test messages go to inactive channels too: that is how a new channel is tried out.
    channel = delivery.channel
    if channel is not None and delivery.event_id is not None and not channel.active:
        raise senders.SendError("the channel was deactivated", permanent=True)


def _failed(delivery: Delivery, error: str, *, permanent: bool) -> str:
    now = timezone.now()
    # A test message is tried once: the office is watching the page for the answer.
    once = delivery.dedupe_key.startswith(TEST_PREFIX)
    give_up = permanent or once or delivery.attempts >= MAX_ATTEMPTS
    status = DeliveryStatus.DEAD if give_up else DeliveryStatus.FAILED
    Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING).update(
        status=status,
        claimed_at=None,
        last_error=error[:2000],
        next_attempt_at=now if give_up else now + backoff(delivery.attempts),
    )
    logger.warning(
        "notification delivery %s attempt %s failed (%s): %s",
        delivery.pk,
        delivery.attempts,
        status,
        error[:300],
    )
    return status


def send_now(delivery_ids) -> dict[str, int]:
    """Best effort, right after the event: what fails stays queued for the sweep."""
    counts: dict[str, int] = {}
    for delivery_id in delivery_ids:
        try:
            status = attempt(delivery_id)
        except Exception:  # the database went away: the sweep tries again later
            logger.exception("notification delivery %s could not be attempted", delivery_id)
            continue
        if status is not None:
            counts[status] = counts.get(status, 0) + 1
    return counts


# The serving process sends on a thread of its own (`send_in_background`), so a slow or
# unreachable webhook never holds up the response of the person who acted. Elsewhere (the CLI,
# the sweep, tests) `send_soon` sends at once.
_sender: ThreadPoolExecutor | None = None


def send_in_background() -> None:
    """Called once in each serving worker after it started (after the fork)."""
    global _sender
    if _sender is None:
        _sender = ThreadPoolExecutor(max_workers=1, thread_name_prefix="riverchief-send")


def send_soon(delivery_ids) -> None:
    """Send these deliveries after the response (see above); what fails stays queued."""
    ids = list(delivery_ids)
    if not ids:
        return
    if _sender is None:
        send_now(ids)
        return
    _sender.submit(_send_on_thread, ids)


def _send_on_thread(ids: list[int]) -> None:
    try:
        send_now(ids)
    finally:
        connection.close()  # this thread's own connection; the next batch opens a fresh one


def release_stale(now: dt.datetime | None = None) -> int:
    """Claims older than the lease belong to a worker that stopped: make them due again."""
    now = now or timezone.now()
    return Delivery.objects.filter(
        status=DeliveryStatus.SENDING, claimed_at__lt=now - LEASE
    ).update(
        status=DeliveryStatus.FAILED,
        claimed_at=None,
        next_attempt_at=now,
        last_error="the worker stopped while sending",
    )


def due_ids(now: dt.datetime | None = None, limit: int = SWEEP_BATCH) -> list[int]:
    now = now or timezone.now()
    rows = Delivery.objects.filter(status__in=RETRYABLE, next_attempt_at__lte=now)
    return list(rows.order_by("next_attempt_at", "id").values_list("pk", flat=True)[:limit])


SWEEP_BUDGET_S = 120.0  # one run sends for at most this long; the next run goes on


def sweep(now: dt.datetime | None = None) -> dict[str, int]:
    """Retry what is due, batch after batch (a midnight burst is sent here, not by the hook).
    Safe to run in two processes at once: each row is claimed first."""
    import time

    released = release_stale(now)
    counts: dict[str, int] = {}
    started = time.monotonic()
    tried: set[int] = set()
    while time.monotonic() - started < SWEEP_BUDGET_S:
        batch = [pk for pk in due_ids(now) if pk not in tried]
        if not batch:
            break
        tried.update(batch)
        for status, count in send_now(batch).items():
            counts[status] = counts.get(status, 0) + count
    if released:
        counts["released"] = released
    return counts
