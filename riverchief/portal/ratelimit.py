"""Reports per IP and per device in the last hour, counted in the database.

Why the database and not Django's cache: the default cache is per process (LocMemCache), so each
gunicorn worker would count on its own and a county has no Redis. The count is the reports
themselves (no second ledger to drift), and a `RateKey` row per source is locked while counting,
so two requests from one source at once, in any worker or on any node, are counted in turn.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from riverchief.core.errors import DomainError
from riverchief.portal.models import PublicReport, RateKey

DEFAULT_PER_HOUR = 5
WINDOW = timedelta(hours=1)


class RateLimited(DomainError):
    status = 429
    code = "rate_limited"


def per_hour() -> int:
    return int(getattr(settings, "RIVERCHIEF_PORTAL_REPORTS_PER_HOUR", DEFAULT_PER_HOUR))


def digest(kind: str, value: str) -> str:
    """A keyed hash: the IP or device id itself is never stored."""
    if not value:
        return ""
    text = f"{kind}:{value}:{settings.SECRET_KEY}".encode()
    return hashlib.sha256(text).hexdigest()


def check(ip_hash: str, device_hash: str, now=None) -> None:
    """Inside the report's transaction: lock each source's key, then count its recent reports."""
    limit = per_hour()
    since = (now or timezone.now()) - WINDOW
    for field, value in (("ip_hash", ip_hash), ("device_hash", device_hash)):
        if not value:
            continue
        _lock(f"{field}:{value}")
        count = PublicReport.objects.filter(**{field: value, "created_at__gte": since}).count()
        if count >= limit:
            raise RateLimited(
                _("Too many reports from here: at most %(n)d an hour. Please try again later."),
                params={"n": limit},
            )


def _lock(key: str) -> None:
    """Lock the source's row, creating it on its first report (the new row is locked by its
    insert; a twin inserting it at the same moment waits for ours, then locks it in turn)."""
    if RateKey.objects.select_for_update().filter(key=key).exists():
        return
    try:
        with transaction.atomic():
            RateKey.objects.create(key=key)
    except IntegrityError:
        RateKey.objects.select_for_update().filter(key=key).exists()
