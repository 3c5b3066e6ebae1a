"""Leases: named locks with an expiry, kept in the database (`core.Lease`).

One process of one node at a time holds a lease, so a periodic job that every serving process
and every cron node starts runs once. Taking it is one conditional UPDATE, `… WHERE name = n AND
(expires_at <= now OR holder = me)`: on PostgreSQL the row lock makes a second taker wait and then
find the row taken; on SQLite writers are serialised anyway. A holder that dies (or hangs past
the expiry) loses the lease when it expires, so the work must be idempotent: a run cut short is
finished by the next one. Times are each node's clock (keep them in sync; expiries are minutes).
"""

from __future__ import annotations

import contextlib
import os
import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from riverchief.core.models import Lease


def new_token() -> str:
    """A holder name unique to this acquisition: host, process, and a random part (threads of one
    process are different holders too)."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def _ensure(name: str, now: datetime) -> None:
    if Lease.objects.filter(name=name).exists():
        return
    try:
        with transaction.atomic():
            Lease.objects.create(name=name, holder="", expires_at=now)
    except IntegrityError:
        pass  # another process created it first


def acquire(
    name: str, ttl: timedelta, *, token: str | None = None, now: datetime | None = None
) -> str | None:
    """Take the lease for `ttl`; the holder token, or None while someone else holds it."""
    now = now or timezone.now()
    token = token or new_token()
    _ensure(name, now)
    with transaction.atomic():
        taken = (
            Lease.objects.filter(name=name)
            .filter(Q(expires_at__lte=now) | Q(holder=token))
            .update(holder=token, acquired_at=now, expires_at=now + ttl)
        )
    return token if taken == 1 else None


def renew(name: str, token: str, ttl: timedelta, *, now: datetime | None = None) -> bool:
    """Push the expiry on; False when the lease was lost (expired and taken by another)."""
    now = now or timezone.now()
    with transaction.atomic():
        kept = Lease.objects.filter(name=name, holder=token).update(expires_at=now + ttl)
    return kept == 1


def release(name: str, token: str) -> None:
    """Give the lease back at once (nothing happens if it was lost meanwhile)."""
    with transaction.atomic():
        Lease.objects.filter(name=name, holder=token).update(holder="", expires_at=timezone.now())


def holder_of(name: str, *, now: datetime | None = None) -> str | None:
    """Who holds the lease now, or None."""
    now = now or timezone.now()
    row = Lease.objects.filter(name=name, expires_at__gt=now).exclude(holder="").first()
    return row.holder if row else None


@dataclass
class Held:
    """A lease this process holds."""

    name: str
    token: str
    ttl: timedelta

    def renew(self) -> bool:
        return renew(self.name, self.token, self.ttl)


@contextlib.contextmanager
def held(name: str, ttl: timedelta, *, keep: bool = False) -> Iterator[Held | None]:
    """`with held("escalation", ttl) as lease:` — lease is None when another holder has it.

    The lease is released at the end, unless `keep`: then it runs out by itself, which makes it
    a "once per ttl across all nodes" guard for a scheduler.
    """
    token = acquire(name, ttl)
    if token is None:
        yield None
        return
    try:
        yield Held(name, token, ttl)
    finally:
        if not keep:
            with contextlib.suppress(Exception):  # an expired lease simply runs out
                release(name, token)
