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


class CalendarDay(models.Model):
    """A day off or a working day (调休) that the holiday calendar states explicitly."""

    SOURCES = [("package", _("chinese-calendar package")), ("office", _("entered by the office"))]

    date = models.DateField(_("date"), unique=True)
    is_working_day = models.BooleanField(_("working day"))
    name = models.CharField(_("name"), max_length=60, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=SOURCES, default="office")

    class Meta:
        ordering = ["date"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        constraints = [
            models.CheckConstraint(
                condition=Q(source__in=["package", "office"]), name="core_calendarday_source"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {'班' if self.is_working_day else '休'} {self.name}".strip()


class CalendarYear(models.Model):
    """Whether a year's State Council schedule is entered (official) or follows the fallback."""

    OFFICIAL = "official"
    FALLBACK = "fallback"
    STATUSES = [(OFFICIAL, _("official")), (FALLBACK, _("fallback"))]

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    status = models.CharField(_("status"), max_length=10, choices=STATUSES, default=FALLBACK)
    note = models.TextField(_("note"), blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Kept as text too: the package for seeded years, and the name after a user is removed.
    entered_by_name = models.CharField(_("entered by (name)"), max_length=150, blank=True)
    entered_at = models.DateTimeField(_("entered at"), null=True, blank=True)

    class Meta:
        ordering = ["year"]
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["official", "fallback"]), name="core_calendaryear_status"
            ),
            models.CheckConstraint(
                condition=Q(year__gte=1900, year__lte=2200), name="core_calendaryear_year_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.status}"


class Lease(models.Model):
    """A named lock with an expiry, shared by every process and node: one holder at a time.

    Taken with a conditional UPDATE (free, expired, or already ours), so it works the same on
    SQLite and PostgreSQL; a holder that dies loses it when it expires. See `core.leases`.
    """

    name = models.CharField(_("name"), max_length=60, unique=True)
    holder = models.CharField(_("holder"), max_length=120, blank=True)
    acquired_at = models.DateTimeField(_("acquired"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"))

    class Meta:
        verbose_name = _("lease")
        verbose_name_plural = _("leases")

    def __str__(self) -> str:
        return f"{self.name} ({self.holder or '-'})"
