"""Notifications API: my inbox, and marking notifications read."""

from __future__ import annotations

import datetime as dt

from ninja import Router, Schema

from riverchief.notify import queries, services
from riverchief.notify.models import Notification

router = Router(tags=["notifications"])

MAX_LIMIT = 200


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    link: str
    problem_id: int | None
    problem_number: str | None
    created_at: dt.datetime
    read_at: dt.datetime | None
    read: bool


class NotificationPage(Schema):
    items: list[NotificationOut]
    count: int
    unread: int


class MarkedOut(Schema):
    marked: int
    unread: int


def record(row: Notification) -> dict:
    return {
        "id": row.pk,
        "kind": row.kind,
        "title": row.title,
        "body": row.body,
        "link": row.link,
        "problem_id": row.problem_id,
        "problem_number": row.problem.number if row.problem_id else None,
        "created_at": row.created_at,
        "read_at": row.read_at,
        "read": row.read_at is not None,
    }


@router.get("/notifications", response=NotificationPage, summary="My notifications (newest first)")
def notification_list(request, unread: bool = False, limit: int = 50, offset: int = 0):
    rows = queries.inbox(request.user)
    if unread:
        rows = rows.filter(read_at__isnull=True)
    limit = max(0, min(limit, MAX_LIMIT))
    offset = max(0, offset)
    return {
        "items": [record(row) for row in rows[offset : offset + limit]],
        "count": rows.count(),
        "unread": queries.unread_count(request.user),
    }


@router.post(
    "/notifications/{notification_id}/read",
    response=NotificationOut,
    summary="Mark one of my notifications read",
)
def notification_read(request, notification_id: int):
    return record(services.mark_read(request.user, notification_id))


@router.post(
    "/notifications/read-all", response=MarkedOut, summary="Mark all my notifications read"
)
def notification_read_all(request):
    marked = services.mark_all_read(request.user)
    return {"marked": marked, "unread": queries.unread_count(request.user)}
