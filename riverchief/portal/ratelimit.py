"""Reports per IP and per device in the last hour, counted in the database.

Why the database and not Django's cache: the default cache is per process (LocMemCache), so each
gunicorn worker would count on its own and a county has no Redis. The count is the reports
themselves (no second ledger to drift), and a `RateKey` row per source is locked while counting,
so two requests from one source at once, in any worker or on any node, are counted in turn.
"""

from __future__ import annotations

import hashlib
import operator
from datetime import timedelta
from functools import reduce

from django.conf import settings
from django.db.models import Count, Q
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
    """Inside the report's transaction: lock each source's key, then count its recent reports.

    Three statements whatever the sources: the keys created if new (a no-op otherwise), both
    locked in one order (two requests sharing one of them cannot deadlock), both counted."""
    limit = per_hour()
    since = (now or timezone.now()) - WINDOW
    sources = {
        field: value
        for field, value in (("ip_hash", ip_hash), ("device_hash", device_hash))
        if value
    }
    if not sources:
        return
    keys = sorted(f"{field}:{value}" for field, value in sources.items())
    RateKey.objects.bulk_create([RateKey(key=key) for key in keys], ignore_conflicts=True)
    list(RateKey.objects.select_for_update().filter(key__in=keys).order_by("key").values_list("pk"))
    # The OR of the two indexed sources, not the hour's reports of everyone (a busy hour has
    # tens of thousands).
    mine = reduce(operator.or_, (Q(**{field: value}) for field, value in sources.items()))
    counts = PublicReport.objects.filter(mine, created_at__gte=since).aggregate(
        **{field: Count("pk", filter=Q(**{field: value})) for field, value in sources.items()}
    )
    if any(count >= limit for count in counts.values()):
        raise RateLimited(
            _("Too many reports from here: at most %(n)d an hour. Please try again later."),
            params={"n": limit},
        )
