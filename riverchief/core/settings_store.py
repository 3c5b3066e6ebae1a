"""Installation-wide values kept in the database (core.Setting)."""

from __future__ import annotations

from django.core.cache import cache
from django.db import DatabaseError

from riverchief.core.models import Setting

DEMO_KEY = "demo_database"


def get(key: str, default=None):
    row = Setting.objects.filter(key=key).first()
    return row.value if row is not None else default


def put(key: str, value) -> None:
    Setting.objects.update_or_create(key=key, defaults={"value": value})
    cache.delete(f"setting:{key}")


def is_demo_database() -> bool:
    """True on a demo database; cached briefly because every page asks."""
    cached = cache.get(f"setting:{DEMO_KEY}")
    if cached is None:
        try:
            cached = bool(get(DEMO_KEY, False))
        except DatabaseError:
            return False
        cache.set(f"setting:{DEMO_KEY}", cached, 30)
    return cached
