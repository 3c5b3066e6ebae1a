"""API keys of the applications that post reports through Open311 GeoReport v2."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from riverchief.core.scoping import NOTHING, Scope, ScopedManager, division_q


class ApiKey(models.Model):
    """A key given to one client application (a WeChat mini-program, a FixMyStreet instance).

    Not a user's API token: an Open311 key may post public reports and nothing else, and it
    belongs to the office that issued it, not to a person. Only a digest is stored.
    """

    name = models.CharField(_("application"), max_length=80)
    contact = models.CharField(_("contact"), max_length=120, blank=True)
    prefix = models.CharField(_("prefix"), max_length=10)
    key_digest = models.CharField(max_length=64, unique=True)
    division = models.ForeignKey(
        "registry.Division",
        verbose_name=_("division"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = ScopedManager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("Open311 API key")
        verbose_name_plural = _("Open311 API keys")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @classmethod
    def scope_filter(cls, scope: Scope, action: str) -> Q:
        if not scope.can("open311.keys"):
            return NOTHING
        return division_q("division__code", scope)
