"""Signboards put up: which version of a reach's board is in the field, and since when."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from riverchief.core.scoping import NOTHING, Scope, ScopedManager, division_q


class SignboardPrint(models.Model):
    """The office's record that a reach's boards were printed and put up with this content.

    `content_hash` is `content.Board.content_hash()` at the time: when the current hash differs
    (a chief changed, a phone or the hotline changed) the boards in the field are out of date.
    """

    reach = models.ForeignKey(
        "registry.Reach", verbose_name=_("reach"), on_delete=models.PROTECT, related_name="+"
    )
    content_hash = models.CharField(_("content version"), max_length=12)
    printed_on = models.DateField(_("put up on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    objects = ScopedManager()

    class Meta:
        ordering = ["reach", "-printed_on", "-id"]
        verbose_name = _("signboard put up")
        verbose_name_plural = _("signboards put up")
        indexes = [models.Index(fields=["reach", "printed_on"])]

    def __str__(self) -> str:
        return f"{self.reach_id} {self.content_hash} {self.printed_on}"

    @classmethod
    def scope_filter(cls, scope: Scope, action: str) -> Q:
        if action == "view":
            return division_q("reach__division__code", scope)
        if scope.can("signboards.change"):
            return division_q("reach__division__code", scope)
        return NOTHING
