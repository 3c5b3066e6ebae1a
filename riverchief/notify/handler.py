"""The problem hook: after an event commits, write the inbox and the outbox, then try to send.

`record` is idempotent: inbox rows are unique per (event, recipient) and deliveries per dedupe
key, so a hook that runs twice, or a sweep catching up at the same moment, queues every message
once. Writing happens in one transaction of its own; sending happens after it, outside any
transaction, and never raises (what fails is retried by the sweep).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone

from riverchief.notify import compose, outbox, recipients, senders
from riverchief.notify.models import Delivery, DeliveryStatus, HandledEvent, Notification
from riverchief.problems.models import ProblemEvent

logger = logging.getLogger(__name__)

# The sweep writes what a hook missed (the process stopped between commit and hook) for events
# at least this old and at most a day old.
CATCH_UP_AFTER = dt.timedelta(minutes=2)
CATCH_UP_WINDOW = dt.timedelta(days=1)


def on_problem_event(problem_id: int, event_id: int) -> None:
    """Subscribed to `riverchief.problems.signals`: runs once the event's transaction commits."""
    try:
        ids = record(event_id)
    except Exception:
        logger.exception("notifications for problem event %s could not be written", event_id)
        return
    outbox.send_now(ids)


def record(event_id: int) -> list[int]:
    """Write the event's notifications and deliveries once; the deliveries due now."""
    event = (
        ProblemEvent.objects.select_related(
            "problem__division",
            "problem__category",
            "problem__reach",
            "problem__assignee_department",
            "problem__assignee_user",
        )
        .filter(pk=event_id)
        .first()
    )
    if event is None:  # rolled back or deleted since: nothing to say
        return []
    if not HandledEvent.objects.filter(event_id=event_id).exists():
        _write(event)
    return list(
        Delivery.objects.filter(
            event_id=event_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=timezone.now()
        ).values_list("pk", flat=True)
    )


def _write(event: ProblemEvent) -> None:
    problem = event.problem
    people = recipients.for_event(problem, event)
    channels = recipients.channels_for(problem, event.action)
    if not people and not channels:
        HandledEvent.objects.bulk_create([HandledEvent(event=event)], ignore_conflicts=True)
        return
    message = compose.for_event(problem, event)
    inbox = [
        Notification(
            recipient=user,
            kind=event.action,
            title=message.title,
            body=message.inbox_text,
            link=message.link,
            problem=problem,
            event=event,
        )
        for user in people
    ]
    mailing = senders.email_enabled()
    deliveries = [
        Delivery(
            channel=channel,
            problem=problem,
            event=event,
            payload=compose.payload(channel.kind, message),
            dedupe_key=f"{event.pk}:channel:{channel.pk}",
        )
        for channel in channels
        if mailing or channel.kind != "email"
    ]
    if mailing:
        email = compose.payload("email", message)
        deliveries += [
            Delivery(
                recipient=user,
                address=user.email,
                problem=problem,
                event=event,
                payload=email,
                dedupe_key=f"{event.pk}:user:{user.pk}",
            )
            for user in people
            if user.email
        ]
    with transaction.atomic():
        Notification.objects.bulk_create(inbox, ignore_conflicts=True)
        Delivery.objects.bulk_create(deliveries, ignore_conflicts=True)
        HandledEvent.objects.bulk_create([HandledEvent(event=event)], ignore_conflicts=True)


def catch_up(now: dt.datetime | None = None, limit: int = 500) -> int:
    """Write notifications for recent events whose hook never ran; how many."""
    now = now or timezone.now()
    missed = (
        ProblemEvent.objects.filter(at__gte=now - CATCH_UP_WINDOW, at__lte=now - CATCH_UP_AFTER)
        .exclude(pk__in=HandledEvent.objects.values("event_id"))
        .order_by("at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    done = 0
    for event_id in list(missed):
        try:
            record(event_id)
        except Exception:
            logger.exception("notifications for problem event %s could not be written", event_id)
            continue
        done += 1
    return done


def forget_old_marks(now: dt.datetime | None = None) -> int:
    """Marks older than the catch-up window answer no question any more."""
    now = now or timezone.now()
    deleted, _rows = HandledEvent.objects.filter(at__lt=now - 2 * CATCH_UP_WINDOW).delete()
    return deleted
