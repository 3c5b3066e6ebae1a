"""Reads: a user's inbox and unread count, the office's channels and their recent deliveries."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from riverchief.notify.models import Channel, Delivery, Notification
from riverchief.problems.models import Problem


def inbox(user) -> QuerySet[Notification]:
    """The user's own notifications, only about problems they may still see."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    visible = Problem.objects.visible_to(user).values("pk")
    return (
        Notification.objects.filter(recipient_id=user.pk)
        .filter(Q(problem__isnull=True) | Q(problem__in=visible))
        .select_related("problem")
    )


def unread_count(user) -> int:
    return inbox(user).filter(read_at__isnull=True).count()


def channels_visible_to(user) -> QuerySet[Channel]:
    return Channel.objects.visible_to(user).select_related("division", "department")


def recent_deliveries(channel: Channel, limit: int = 20) -> list[Delivery]:
    return list(channel.deliveries.order_by("-created_at", "-id")[:limit])
