"""The problem hook: after an event commits, write the inbox and the outbox, then try to send.

`record` is idempotent: inbox rows are unique per (event, recipient) and deliveries per dedupe
key, so a hook that runs twice, or a sweep catching up at the same moment, queues every message
once. Writing happens in one transaction of its own; sending happens after it, outside any
transaction, and never raises (what fails is retried by the sweep).

The serving process writes on a thread of its own (`record_in_background`): the events of the
last COLLECT_FOR seconds are written together, with one set of lookups and one transaction, so
fifty reports a second cost a few writes a second instead of fifty (on SQLite every write takes
the installation's one write lock). Elsewhere (the CLI, tests) the hook writes at once. A
worker that stops writes what it holds on its way out; what a killed one held, the sweep
catches up (`catch_up`).
"""

from __future__ import annotations

import atexit
import datetime as dt
import logging
import queue
import threading
import time

from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from riverchief.notify import compose, outbox, recipients, senders
from riverchief.notify.models import Delivery, DeliveryStatus, HandledEvent, Notification
from riverchief.problems.models import ProblemEvent

logger = logging.getLogger(__name__)

# The sweep writes what a hook missed (the process stopped between commit and hook) for events
# at least this old and at most a day old.
CATCH_UP_AFTER = dt.timedelta(minutes=2)
CATCH_UP_WINDOW = dt.timedelta(days=1)


# A batch larger than this (the escalation sweep at midnight) is written here but sent by the
# outbox sweep, which runs right after the escalation task: a burst must not hold up the sweep.
SEND_INLINE_UP_TO = 20


# How long the serving process's writer collects events before writing them: short beside the
# time anyone takes to look at an inbox, long enough to gather a busy moment's reports.
COLLECT_FOR = 0.25


def on_problem_events(pairs) -> None:
    """Subscribed to `riverchief.problems.signals`: runs once the events' transaction commits."""
    event_ids = [event_id for _problem_id, event_id in pairs]
    small = len(event_ids) <= SEND_INLINE_UP_TO
    if small and _writer is not None:
        _writer.add(event_ids)
        return
    _write(event_ids, send=small)


def _write(event_ids: list[int], *, send: bool) -> None:
    try:
        due = record_many(event_ids)
    except Exception:
        logger.exception("notifications for %d problem events could not be written", len(event_ids))
        return
    if send:
        outbox.send_soon(due)


class _Writer:
    """A thread that writes the collected events' notifications COLLECT_FOR seconds after the
    first of them arrived, and sends the deliveries due (`outbox.send_soon`)."""

    def __init__(self) -> None:
        self.pending: queue.SimpleQueue[list[int] | None] = queue.SimpleQueue()  # None: stop
        self.thread = threading.Thread(target=self._run, name="riverchief-notify", daemon=True)
        self.thread.start()
        atexit.register(self.stop)  # a worker that stops writes what it holds

    def add(self, event_ids: list[int]) -> None:
        self.pending.put(event_ids)

    def stop(self, timeout: float = 10) -> None:
        """Write what is waiting and end the thread (its sending is left to the outbox sweep:
        a process on its way out sends nothing more)."""
        self.pending.put(None)
        self.thread.join(timeout)

    def _run(self) -> None:
        stopping = False
        while not stopping:
            batch = [self.pending.get()]
            if batch[0] is not None:
                time.sleep(COLLECT_FOR)
            while True:
                try:
                    batch.append(self.pending.get_nowait())
                except queue.Empty:
                    break
            stopping = None in batch
            event_ids = [event_id for ids in batch if ids for event_id in ids]
            try:
                if event_ids:
                    close_old_connections()  # as around a request: one past its age or broken
                    _write(event_ids, send=not stopping)
            except Exception:  # the thread must outlive any batch; the sweep catches up
                logger.exception("notifications for %d problem events failed", len(event_ids))
        connection.close()


_writer: _Writer | None = None


def record_in_background() -> None:
    """Called once in each serving worker after it started (after the fork)."""
    global _writer
    if _writer is None:
        _writer = _Writer()


def on_problem_event(problem_id: int, event_id: int) -> None:
    """One event (tests, and callers outside the hook)."""
    on_problem_events([(problem_id, event_id)])


def record(event_id: int) -> list[int]:
    """Write the event's notifications and deliveries once; the deliveries due now."""
    return record_many([event_id])


def record_many(event_ids) -> list[int]:
    """Write the notifications and deliveries of these events once; the deliveries due now.

    The events' lookups (offices, assignees, chiefs above, who may see what, channels) are
    shared across the batch, and the rows are written with one statement per table."""
    event_ids = list(event_ids)
    handled = HandledEvent.objects.filter(event_id__in=event_ids).values("event_id")
    events = list(
        ProblemEvent.objects.select_related(
            "problem__division", "problem__category", "problem__reach"
        )
        .defer("problem__division__geometry", "problem__reach__geometry")
        .filter(pk__in=event_ids)
        .exclude(pk__in=handled)
        .order_by("pk")
    )  # an event rolled back or deleted since has nothing to say
    if not events:
        return []
    _attach_assignees([event.problem for event in events])
    lookups = recipients.Lookups(event.problem for event in events)
    inbox: list[Notification] = []
    deliveries: list[Delivery] = []
    for event in events:
        _compose(event, lookups, inbox, deliveries)
    with transaction.atomic():
        Notification.objects.bulk_create(inbox, ignore_conflicts=True, batch_size=500)
        Delivery.objects.bulk_create(deliveries, ignore_conflicts=True, batch_size=500)
        HandledEvent.objects.bulk_create(
            [HandledEvent(event=event) for event in events],
            ignore_conflicts=True,
            batch_size=500,
        )
    if not deliveries:
        return []  # none written here; a twin run that wrote some sends its own
    return list(
        Delivery.objects.filter(
            event_id__in=[event.pk for event in events],
            status=DeliveryStatus.PENDING,
            next_attempt_at__lte=timezone.now(),
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _attach_assignees(problems: list) -> None:
    """The problems' assigned department and chief, fetched by id: no query while nobody is
    assigned (a new report). Joined, their two tables took PostgreSQL's planning of the events
    query from 0.6 to 1.6 ms (warm, province data); Django's prefetch_related builds a tuple
    lookup per id (~9 us each), where in_bulk passes a plain list."""
    from riverchief.accounts.models import User
    from riverchief.registry.models import Department

    departments = Department.objects.in_bulk(
        {p.assignee_department_id for p in problems if p.assignee_department_id}
    )
    users = User.objects.in_bulk({p.assignee_user_id for p in problems if p.assignee_user_id})
    for problem in problems:
        if problem.assignee_department_id:
            problem.assignee_department = departments[problem.assignee_department_id]
        if problem.assignee_user_id:
            problem.assignee_user = users[problem.assignee_user_id]


def _compose(event: ProblemEvent, lookups, inbox: list, deliveries: list) -> None:
    problem = event.problem
    people = recipients.for_event(problem, event, lookups)
    channels = recipients.channels_for(problem, event.action, lookups)
    if not people and not channels:
        return
    message = compose.for_event(problem, event)
    inbox += [
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
    deliveries += [
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


def catch_up(now: dt.datetime | None = None, limit: int = 500) -> int:
    """Write notifications for recent events whose hook never ran; how many."""
    now = now or timezone.now()
    missed = (
        ProblemEvent.objects.filter(at__gte=now - CATCH_UP_WINDOW, at__lte=now - CATCH_UP_AFTER)
        .exclude(pk__in=HandledEvent.objects.values("event_id"))
        .order_by("at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    missed = list(missed)
    try:
        record_many(missed)
    except Exception:
        logger.exception("notifications for %d missed events could not be written", len(missed))
        return 0
    return len(missed)


def forget_old_marks(now: dt.datetime | None = None) -> int:
    """Marks older than the catch-up window answer no question any more."""
    now = now or timezone.now()
    deleted, _rows = HandledEvent.objects.filter(at__lt=now - 2 * CATCH_UP_WINDOW).delete()
    return deleted
