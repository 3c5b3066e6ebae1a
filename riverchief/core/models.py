"""Shared tables: the append-only audit log and installation-wide settings."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from riverchief.core.scoping import NOTHING, Scope, ScopedManager, division_q


class AuditEntry(models.Model):
    """Who changed what, when, with the state before and after. The database refuses edits."""

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,  # the log outlives anything it mentions
    )
    actor_name = models.CharField(_("actor name"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=40, db_index=True)
    object_type = models.CharField(_("object type"), max_length=60, blank=True, db_index=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True, db_index=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    division_code = models.CharField(_("division code"), max_length=12, blank=True, db_index=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    message = models.TextField(_("message"), blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    objects = ScopedManager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        indexes = [models.Index(fields=["object_type", "object_id", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.object_repr}"

    @classmethod
    def scope_filter(cls, scope: Scope, action: str) -> Q:
        # Office admins read the entries about their part of the tree; nobody changes them.
        if action != "view" or not scope.can("audit.view"):
            return NOTHING
        return division_q("division_code", scope)


class Setting(models.Model):
    """A small installation-wide value, such as whether this database holds demo data."""

    key = models.CharField(max_length=60, unique=True)
    value = models.JSONField(null=True)

    class Meta:
        verbose_name = _("setting")

    def __str__(self) -> str:
        return self.key
