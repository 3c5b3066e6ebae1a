"""Values a page computed, kept in this process's cache under the latest change they show.

The key holds the newest id of every table whose rows the value shows (`MAX` of a primary key:
an index lookup on SQLite and PostgreSQL, all tables in one query) and the current minute. A
change makes a new key at once; what only time changes (a deadline passing) shows within a
minute; nothing has to be told to forget. Each process keeps its own (Django's LocMem cache,
`CACHES` in settings): see docs/decisions.md, "Kept figures".
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from typing import Any

from django.apps import apps
from django.core.cache import cache
from django.db import connection
from django.utils import timezone
from django.utils.translation import get_language

MAX_SECONDS = 60  # the minute in the key: longer would only keep dead keys around


def latest_ids(labels: Iterable[str]) -> str:
    """The newest id of each model ("app.Model"), in one query; an app not installed is left
    out (it changes nothing)."""
    quote = connection.ops.quote_name
    selects = []
    for label in labels:
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        table, column = quote(model._meta.db_table), quote(model._meta.pk.column)
        selects.append(f"(SELECT MAX({column}) FROM {table})")  # noqa: S608 - model names
    if not selects:
        return ""
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(selects))
        row = cursor.fetchone()
    return ".".join(str(value or 0) for value in row)


def kept(name: str, build: Callable[[], Any], watched: Iterable[str], seconds: int = 60) -> Any:
    """`build()` kept under `name`, the language, the `watched` models' newest ids and the
    minute; `seconds` 0 or less builds it every time."""
    if seconds <= 0:
        return build()
    minute = int(timezone.now().timestamp() // 60)
    # Names may come from an address: hashed, so that any text makes a valid cache key.
    digest = hashlib.blake2b(name.encode(), digest_size=12).hexdigest()
    key = f"kept:{digest}:{get_language()}:{latest_ids(watched)}:{minute}"
    found = cache.get(key)
    if found is None:
        found = build()
        cache.set(key, found, min(seconds, MAX_SECONDS))
    return found
