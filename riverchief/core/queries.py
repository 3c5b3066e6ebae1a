"""Audit log search, through the viewer's scope."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import Q
from django.utils import timezone

from riverchief.core.models import AuditEntry


def search_audit(
    viewer,
    *,
    text: str = "",
    actor: str = "",
    action: str = "",
    object_type: str = "",
    object_id: str = "",
    since: date | None = None,
    until: date | None = None,
):
    rows = AuditEntry.objects.visible_to(viewer)
    if text:
        rows = rows.filter(Q(object_repr__icontains=text) | Q(message__icontains=text))
    if actor:
        rows = rows.filter(actor_name=actor)
    if action:
        rows = rows.filter(action=action)
    if object_type:
        rows = rows.filter(object_type=object_type)
    if object_id:
        rows = rows.filter(object_id=object_id)
    # Dates are the office's calendar days (Asia/Shanghai), stored times are UTC.
    zone = timezone.get_current_timezone()
    if since:
        rows = rows.filter(at__gte=datetime.combine(since, time.min, tzinfo=zone))
    if until:
        rows = rows.filter(
            at__lt=datetime.combine(until + timedelta(days=1), time.min, tzinfo=zone)
        )
    return rows
