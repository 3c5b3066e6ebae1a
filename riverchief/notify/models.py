"""Notifications: the in-app inbox, the destinations the office configures, and the outbox."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from riverchief.core.scoping import NOTHING, Scope, ScopedManager, division_q


class Notification(models.Model):
    """One message in one user's inbox (站内信), about one problem event."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=30)  # the event's action, e.g. "assign"
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    link = models.CharField(_("link"), max_length=300, blank=True)
    problem = models.ForeignKey(
        "problems.Problem",
        verbose_name=_("problem"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    event = models.ForeignKey(
        "problems.ProblemEvent",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["recipient", "read_at", "created_at"])]
        constraints = [
            # An event reaches a person's inbox once, however often the hook runs.
            models.UniqueConstraint(
                fields=["event", "recipient"],
                condition=Q(event__isnull=False),
                name="notification_once_per_event_and_recipient",
            )
        ]

    def __str__(self) -> str:
        return self.title


class ChannelKind(models.TextChoices):
    EMAIL = "email", _("e-mail")
    WEBHOOK_JSON = "webhook_json", _("webhook (plain JSON)")
    WECOM_ROBOT = "wecom_robot", _("WeCom group robot (企业微信)")
    DINGTALK_ROBOT = "dingtalk_robot", _("DingTalk group robot (钉钉)")


class Channel(models.Model):
    """A destination the office configures: a mailbox or a webhook, for events in a scope."""

    name = models.CharField(_("name"), max_length=80)
    kind = models.CharField(_("kind"), max_length=20, choices=ChannelKind.choices)
    # A URL for webhooks; one or more addresses, separated by commas, for e-mail.
    target = models.CharField(_("URL or addresses"), max_length=500)
    # 钉钉's 加签 secret (SEC…); never shown again once saved.
    secret = models.CharField(_("signing secret"), max_length=200, blank=True)
    division = models.ForeignKey(
        "registry.Division",
        verbose_name=_("division"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    department = models.ForeignKey(
        "registry.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    event_kinds = models.JSONField(_("events"), default=list, blank=True)  # [] means every event
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    objects = ScopedManager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("notification channel")
        verbose_name_plural = _("notification channels")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["email", "webhook_json", "wecom_robot", "dingtalk_robot"]),
                name="channel_kind_known",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def scope_filter(cls, scope: Scope, action: str) -> Q:
        """Office admins: channels of a division or department in their scope."""
        if scope.everything:
            return Q()
        if scope.role != "office":
            return NOTHING
        return division_q("division__code", scope) | (
            Q(division__isnull=True) & division_q("department__division__code", scope)
        )

    @property
    def masked_target(self) -> str:
        """The target for lists and the audit log: a robot URL's token is a password."""
        if self.kind == ChannelKind.EMAIL:
            return self.target
        head, _sep, query = self.target.partition("?")
        if not query:
            return head
        names = [part.split("=", 1)[0] for part in query.split("&") if part]
        return head + "?" + "&".join(f"{name}=***" for name in names)

    def wants(self, action: str) -> bool:
        return self.active and (not self.event_kinds or action in self.event_kinds)


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("waiting")
    SENDING = "sending", _("sending")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed, will retry")
    DEAD = "dead", _("given up")


class Delivery(models.Model):
    """One message to send (the outbox): to a channel, or by e-mail to one person.

    `dedupe_key` is unique, e.g. "<event id>:channel:<channel id>", so a message is queued once
    even when the hook runs twice. A worker owns a row only after moving it from waiting (or
    failed) to sending with a conditional UPDATE, so two processes never send the same row.
    """

    channel = models.ForeignKey(
        Channel, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    address = models.CharField(_("address"), max_length=254, blank=True)  # personal e-mail
    problem = models.ForeignKey(
        "problems.Problem", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    event = models.ForeignKey(
        "problems.ProblemEvent", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    payload = models.JSONField(_("message"), default=dict)
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    dedupe_key = models.CharField(max_length=120, unique=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        indexes = [models.Index(fields=["status", "next_attempt_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "sending", "sent", "failed", "dead"]),
                name="delivery_status_known",
            ),
            models.CheckConstraint(
                condition=Q(channel__isnull=False) | ~Q(address=""),
                name="delivery_has_a_destination",
            ),
        ]

    def __str__(self) -> str:
        return self.dedupe_key


class HandledEvent(models.Model):
    """A problem event whose notifications are written; the sweep catches up on any other."""

    event = models.OneToOneField(
        "problems.ProblemEvent", primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return str(self.event_id)
