"""Public reports (公众监督): the report behind a problem, its public photo copies, ratings,
the rate-limit keys, and the office's announcements (公告, 河长令)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from riverchief.core.scoping import NOTHING, Scope, ScopedManager, division_q


class Channel(models.TextChoices):
    WEB = "web", _("public site")
    OPEN311 = "open311", _("Open311")
    WECHAT = "wechat", _("WeChat")
    VOLUNTEER = "volunteer", _("volunteer chief (民间河长)")
    OTHER = "other", _("other")


class PublicReport(models.Model):
    """What a member of the public sent: private contact details, hashes for abuse control, the
    tracking code they follow it by. The problem it became carries the workflow."""

    tracking_code = models.CharField(_("tracking code"), max_length=16, unique=True)
    problem = models.OneToOneField(
        "problems.Problem", on_delete=models.PROTECT, related_name="public_report"
    )
    public_category = models.CharField(_("public category"), max_length=30)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    # Private: never shown on public pages, nor in any public API.
    name = models.CharField(_("name"), max_length=60, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    email = models.CharField(_("email"), max_length=120, blank=True)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("volunteer chief"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="public_reports",
    )
    device_hash = models.CharField(max_length=64, blank=True, db_index=True)
    ip_hash = models.CharField(max_length=64, blank=True, db_index=True)
    coordinate_system = models.CharField(max_length=10, default="wgs84")
    submitted_lon = models.FloatField(_("longitude as sent"))
    submitted_lat = models.FloatField(_("latitude as sent"))
    accuracy_m = models.FloatField(_("location accuracy (m)"), null=True, blank=True)
    consent = models.BooleanField(_("consent to publish"), default=True)
    answer_due = models.DateTimeField(_("public answer due"))
    answer_level = models.PositiveSmallIntegerField(_("answer escalation level"), default=0)
    # The route decided at submission (portal.routing), applied once the office accepts.
    reach_in_range = models.BooleanField(_("reach within the routing distance"), default=False)
    routed_department = models.ForeignKey(
        "registry.Department",
        verbose_name=_("routed to department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    fix_confirmed_at = models.DateTimeField(
        _("fix confirmed by the reporter"), null=True, blank=True
    )
    created_at = models.DateTimeField(_("submitted"), default=timezone.now, db_index=True)

    objects = ScopedManager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("public report")
        verbose_name_plural = _("public reports")
        indexes = [models.Index(fields=["answer_due"])]

    def __str__(self) -> str:
        return self.tracking_code

    @property
    def route_target(self) -> str:
        """ "department", "reach" or "office" (portal.routing)."""
        from riverchief.portal.routing import Route

        return Route(self.reach_in_range, self.routed_department_id).target

    @property
    def is_public(self) -> bool:
        """Published once the office has accepted the problem (never if rejected/duplicate)."""
        return self.problem.accepted_at is not None

    @classmethod
    def scope_filter(cls, scope: Scope, action: str) -> Q:
        if scope.everything:
            return Q()
        if scope.role != "office":
            return NOTHING
        return division_q("problem__division__code", scope)


def _public_photo_path(instance: PublicPhoto, filename: str) -> str:
    return f"portal/public/{timezone.now():%Y/%m}/{filename}"


class PublicPhoto(models.Model):
    """A re-encoded, downscaled copy without EXIF of a problem's photo, for public pages. The
    original (with EXIF, for verification) stays in `problems.Attachment`."""

    report = models.ForeignKey(PublicReport, on_delete=models.CASCADE, related_name="photos")
    attachment = models.OneToOneField(
        "problems.Attachment", on_delete=models.CASCADE, related_name="public_copy"
    )
    stage = models.CharField(max_length=10)  # before, after
    token = models.CharField(max_length=32, unique=True)
    file = models.FileField(upload_to=_public_photo_path, max_length=300)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["report", "stage", "id"]

    def __str__(self) -> str:
        return f"{self.report} {self.stage} {self.pk}"


class Rating(models.Model):
    """The reporter's rating after a closure (one per closure round)."""

    class Value(models.TextChoices):
        SATISFIED = "satisfied", _("Satisfied (满意)")
        BASICALLY = "basically", _("Basically satisfied (基本满意)")
        DISSATISFIED = "dissatisfied", _("Not satisfied (不满意)")

    report = models.ForeignKey(PublicReport, on_delete=models.CASCADE, related_name="ratings")
    round = models.PositiveSmallIntegerField(default=0)  # the problem's reopen_count when rated
    value = models.CharField(max_length=12, choices=Value.choices)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["report", "round"]
        constraints = [
            models.UniqueConstraint(fields=["report", "round"], name="rating_once_per_round"),
            models.CheckConstraint(
                condition=Q(value__in=["satisfied", "basically", "dissatisfied"]),
                name="rating_value_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report} {self.value}"

    @property
    def score(self) -> int:
        return SCORES[self.value]


SCORES = {"satisfied": 5, "basically": 3, "dissatisfied": 1}


class RateKey(models.Model):
    """One row per hashed IP or device: locked while a report is counted, so that concurrent
    requests from one source (any worker, any node) are counted one after the other."""

    key = models.CharField(max_length=80, unique=True)

    def __str__(self) -> str:
        return self.key


class Notice(models.Model):
    """An announcement (公告) or chief's order (河长令) the office publishes on the public site."""

    class Kind(models.TextChoices):
        ANNOUNCEMENT = "announcement", _("Announcement (公告)")
        ORDER = "order", _("Chief's order (河长令)")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=120)
    number = models.CharField(_("document number"), max_length=60, blank=True)
    body = models.TextField(_("text"))
    division = models.ForeignKey(
        "registry.Division", verbose_name=_("division"), on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager()

    class Meta:
        ordering = ["-published_at", "-created_at", "-id"]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["announcement", "order"]), name="notice_kind_known"
            )
        ]

    def __str__(self) -> str:
        return self.title

    @classmethod
    def scope_filter(cls, scope: Scope, action: str) -> Q:
        if scope.everything:
            return Q()
        if scope.role != "office":
            return NOTHING
        return division_q("division__code", scope)
