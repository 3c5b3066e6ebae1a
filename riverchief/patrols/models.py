"""Patrols (巡河): the walk with its track and verdict, its checklist records, its photos, and
the office's rules for validity and frequency."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from riverchief.core.scoping import (
    NOTHING,
    Scope,
    ScopedManager,
    ScopedQuerySet,
    division_q,
    scope_of,
)


class Kind(models.TextChoices):
    NORMAL = "normal", _("patrol")
    DELEGATED = "delegated", _("delegated patrol (河长助理)")
    EQUIVALENT = "equivalent", _("counts as a patrol (视同巡河)")
    DRONE = "drone", _("drone patrol")
    UPLOAD = "upload", _("uploaded track")


class Verdict(models.TextChoices):
    VALID = "valid", _("valid (有效)")
    DOUBTFUL = "doubtful", _("doubtful (存疑)")
    INVALID = "invalid", _("invalid (无效)")


class Approval(models.TextChoices):
    NONE = "", _("not needed")
    PENDING = "pending", _("awaiting approval")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")


class Item(models.TextChoices):
    """The checklist (river-chief-system.md §3.3)."""

    WATER = "water", _("water body (水体)")
    SURFACE = "surface", _("water surface (河面)")
    CHANNEL = "channel", _("in the channel (河中)")
    BANK = "bank", _("bank (河岸)")
    OUTFALL = "outfall", _("outfalls (排污口)")
    SIGNBOARD = "signboard", _("signboard (公示牌)")
    STRUCTURE = "structure", _("hydraulic structures (水工设施)")
    OTHER = "other", _("other")


class PatrolQuerySet(ScopedQuerySet):
    def visible_to(self, user) -> PatrolQuerySet:
        """Patrols in the user's scope (supervisors see subordinates'), plus their own."""
        scope = scope_of(user)
        condition = Patrol.scope_filter(scope, "view")
        if scope.authenticated and not scope.everything:
            condition |= Q(user_id=user.pk) | Q(on_behalf_of_id=user.pk)
        return self.filter(condition)


class Patrol(models.Model):
    """One patrol of one reach by one person (or by an assistant on a chief's behalf)."""

    client_id = models.UUIDField(_("client id"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("patrolled by"),
        on_delete=models.PROTECT,
        related_name="patrols",
    )
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("on behalf of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="delegated_patrols",
    )
    # Whose patrol it is for the frequency count: the chief for a delegated patrol.
    credited_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reach = models.ForeignKey(
        "registry.Reach", verbose_name=_("reach"), on_delete=models.PROTECT, related_name="patrols"
    )
    division = models.ForeignKey(
        "registry.Division", verbose_name=_("division"), on_delete=models.PROTECT, related_name="+"
    )
    division_code = models.CharField(max_length=12, db_index=True)  # the reach's, for scope
    level = models.CharField(_("level"), max_length=20)  # of the assignment patrolled under
    role = models.CharField(_("role"), max_length=10)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    started_at = models.DateTimeField(_("started"))
    ended_at = models.DateTimeField(_("ended"))
    local_date = models.DateField(_("date"))  # started_at's date in Asia/Shanghai
    track = models.TextField(_("track"), blank=True)  # track.encode()
    point_count = models.PositiveIntegerField(_("points"), default=0)
    # The track's box: finds the earlier tracks a copy could match without decoding them all.
    track_min_lon = models.FloatField(null=True, blank=True, editable=False)
    track_min_lat = models.FloatField(null=True, blank=True, editable=False)
    track_max_lon = models.FloatField(null=True, blank=True, editable=False)
    track_max_lat = models.FloatField(null=True, blank=True, editable=False)
    pauses = models.JSONField(_("pauses"), default=list, blank=True)
    duration_s = models.FloatField(_("duration (s)"), default=0)
    distance_m = models.FloatField(_("distance (m)"), default=0)
    coverage = models.FloatField(_("coverage"), null=True, blank=True)
    median_speed_kmh = models.FloatField(_("median speed (km/h)"), default=0)
    max_speed_kmh = models.FloatField(_("maximum speed (km/h)"), default=0)
    metrics = models.JSONField(_("metrics"), default=dict, blank=True)
    verdict = models.CharField(_("verdict"), max_length=10, choices=Verdict.choices)
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    flags = models.JSONField(_("track repairs"), default=list, blank=True)
    # Counts for frequency compliance: valid, or an approved 视同巡河.
    credited = models.BooleanField(_("counts"), default=False)
    problem_count = models.PositiveIntegerField(_("problems reported"), default=0)
    approval = models.CharField(
        _("approval"), max_length=10, choices=Approval.choices, default="", blank=True
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    approval_note = models.TextField(_("approval note"), blank=True)
    note = models.TextField(_("note"), blank=True)
    source_file = models.CharField(_("track file"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    objects = models.Manager.from_queryset(PatrolQuerySet)()

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("patrol")
        verbose_name_plural = _("patrols")
        indexes = [
            # Compliance: one range scan per window and level, grouped by person (covering).
            models.Index(fields=["credited", "level", "local_date", "credited_user"]),
            models.Index(fields=["reach", "started_at"]),
            models.Index(fields=["credited_user", "started_at"]),
            models.Index(fields=["division_code", "started_at"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["user", "client_id"], name="patrol_once_per_client_id"),
            models.CheckConstraint(
                condition=Q(ended_at__gte=models.F("started_at")), name="patrol_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["normal", "delegated", "equivalent", "drone", "upload"]),
                name="patrol_kind_known",
            ),
            models.CheckConstraint(
                condition=Q(verdict__in=["valid", "doubtful", "invalid"]),
                name="patrol_verdict_known",
            ),
            models.CheckConstraint(
                condition=Q(kind="delegated", on_behalf_of__isnull=False)
                | (~Q(kind="delegated") & Q(on_behalf_of__isnull=True)),
                name="patrol_delegated_names_chief",
            ),
            models.CheckConstraint(
                condition=Q(coverage__isnull=True) | Q(coverage__gte=0, coverage__lte=1),
                name="patrol_coverage_0_1",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reach_id} {self.started_at:%Y-%m-%d %H:%M}"

    @classmethod
    def scope_filter(cls, scope: Scope, action: str) -> Q:
        if action == "view":
            return division_q("division_code", scope)
        if scope.everything or scope.role == "office":
            return division_q("division_code", scope)
        return NOTHING


def _photo_path(instance: PatrolPhoto, filename: str) -> str:
    return f"patrols/{instance.user_id}/{filename}"


class PatrolPhoto(models.Model):
    """A photo taken on a patrol, uploaded before the patrol (phones send photos first)."""

    client_id = models.UUIDField(_("client id"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="patrol_photos"
    )
    patrol = models.ForeignKey(
        Patrol, null=True, blank=True, on_delete=models.PROTECT, related_name="photos"
    )
    file = models.FileField(_("file"), upload_to=_photo_path)
    name = models.CharField(_("name"), max_length=200)
    content_type = models.CharField(max_length=40)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    exif_time = models.DateTimeField(_("taken"), null=True, blank=True)
    exif_lon = models.FloatField(null=True, blank=True)
    exif_lat = models.FloatField(null=True, blank=True)
    dhash = models.CharField(max_length=16)  # 64-bit difference hash, hex
    # The hash's four 16-bit bands, indexed: a near copy shares at least one (fraud.hash_bands).
    band0 = models.PositiveIntegerField()
    band1 = models.PositiveIntegerField()
    band2 = models.PositiveIntegerField()
    band3 = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "id"]
        indexes = [
            models.Index(fields=["band0"]),
            models.Index(fields=["band1"]),
            models.Index(fields=["band2"]),
            models.Index(fields=["band3"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["user", "client_id"], name="photo_once_per_client_id")
        ]

    def __str__(self) -> str:
        return self.name


class PatrolRecord(models.Model):
    """One checklist item seen on a patrol: normal or abnormal, with a note and photos."""

    patrol = models.ForeignKey(Patrol, on_delete=models.CASCADE, related_name="records")
    client_id = models.UUIDField()
    item = models.CharField(_("item"), max_length=12, choices=Item.choices)
    abnormal = models.BooleanField(_("abnormal"), default=False)
    note = models.TextField(_("note"), blank=True)
    lon = models.FloatField(null=True, blank=True)
    lat = models.FloatField(null=True, blank=True)
    at = models.DateTimeField(null=True, blank=True)
    photo_ids = models.JSONField(default=list, blank=True)  # PatrolPhoto client ids

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["patrol", "client_id"], name="record_once_per_patrol")
        ]

    def __str__(self) -> str:
        return self.item


class PatrolProblem(models.Model):
    """A problem found on a patrol, reported into the problem workflow."""

    patrol = models.ForeignKey(Patrol, on_delete=models.CASCADE, related_name="problem_links")
    client_id = models.UUIDField()
    problem = models.ForeignKey("problems.Problem", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["patrol", "client_id"], name="problem_once_per_patrol")
        ]

    def __str__(self) -> str:
        return f"{self.patrol_id} → {self.problem_id}"


class ValidityRule(models.Model):
    """Validity thresholds for a level and role (`validity.Rule`), edited by the office.
    An empty level or role applies to any; the most specific row wins."""

    level = models.CharField(_("level"), max_length=20, blank=True)
    role = models.CharField(_("role"), max_length=20, blank=True)  # chief | patroller | ""
    settings = models.JSONField(_("thresholds"), default=dict)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager()

    class Meta:
        ordering = ["level", "role"]
        constraints = [models.UniqueConstraint(fields=["level", "role"], name="validity_rule_once")]

    def __str__(self) -> str:
        return f"{self.level or '*'}/{self.role or '*'}"

    @classmethod
    def scope_filter(cls, scope: Scope, action: str) -> Q:
        if action == "view":
            return Q() if scope.authenticated else NOTHING
        return Q() if scope.everything or scope.role == "office" else NOTHING


class FrequencyRule(models.Model):
    """How often a level and role must patrol (`frequency.FrequencyRule`), edited by the office."""

    level = models.CharField(_("level"), max_length=20)
    role = models.CharField(_("role"), max_length=20)  # chief | patroller
    period = models.CharField(_("period"), max_length=10)
    times = models.PositiveSmallIntegerField(_("times"), default=1)
    active_months = models.JSONField(_("active months"), default=list)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager()

    class Meta:
        ordering = ["level", "role"]
        constraints = [
            models.UniqueConstraint(fields=["level", "role"], name="frequency_rule_once"),
            models.CheckConstraint(
                condition=Q(period__in=["week", "month", "quarter", "half", "year"]),
                name="frequency_period_known",
            ),
            models.CheckConstraint(condition=Q(times__gte=1), name="frequency_times_ge_1"),
        ]

    def __str__(self) -> str:
        return f"{self.level}/{self.role}: {self.times}/{self.period}"

    scope_filter = ValidityRule.scope_filter


class Reminder(models.Model):
    """A reminder sent to one person for one window: at most once (the sweep is idempotent)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    window = models.CharField(max_length=12)  # frequency.Window.key
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "window"], name="reminder_once_per_window")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.window}"
