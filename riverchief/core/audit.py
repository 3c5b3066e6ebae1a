"""Write audit entries. Services call `record` inside their transaction."""

from __future__ import annotations

import datetime
import decimal
import uuid
from typing import Any

from django.db import models
from django.db.models.fields.files import FieldFile

from riverchief.core.models import AuditEntry
from riverchief.core.requestlocal import current_ip

# Never written into the log, whatever a service passes.
SECRET_FIELDS = {"password", "key_digest"}


def snapshot(instance: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """A JSON-safe copy of the instance's concrete fields (foreign keys as their ids)."""
    data: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        if field.name in SECRET_FIELDS:
            continue
        data[field.name] = _json_safe(getattr(instance, field.attname))
    return data


def _json_safe(value: Any) -> Any:
    if isinstance(value, FieldFile):
        return value.name or ""
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [_json_safe(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _json_safe(item) for key, item in value.items()}
    return value


def record(
    actor,
    action: str,
    obj: models.Model | None = None,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    message: str = "",
    division_code: str = "",
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
) -> AuditEntry:
    """Append one entry. `actor` may be None for the system (CLI, sweeps, demo loader)."""
    row = entry(
        actor,
        action,
        obj,
        before=before,
        after=after,
        message=message,
        division_code=division_code,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr,
    )
    row.save(force_insert=True)
    return row


def entry(
    actor,
    action: str,
    obj: models.Model | None = None,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    message: str = "",
    division_code: str = "",
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
) -> AuditEntry:
    """An unsaved entry, for `record_many` (a sweep that changes thousands of rows at once)."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:200]
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEntry(
        actor=actor if authenticated else None,
        actor_name=actor.get_username() if authenticated else "system",
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr,
        division_code=division_code or "",
        before=_json_safe(before) if before is not None else None,
        after=_json_safe(after) if after is not None else None,
        message=message,
        ip=current_ip(),
    )


def record_many(entries: list[AuditEntry]) -> None:
    """Append many entries in one statement per batch."""
    AuditEntry.objects.bulk_create(entries, batch_size=500)


def changed(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the fields that differ, for a compact update entry."""
    keys = [key for key in after if before.get(key) != after.get(key)]
    return {key: before.get(key) for key in keys}, {key: after[key] for key in keys}
