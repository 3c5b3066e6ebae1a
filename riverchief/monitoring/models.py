"""Water-quality data: parameters, lab samples and their values, automatic values, alarms.

Sections are registry facilities of kind `section` (target class and water-body type in their
`details`); everything here hangs from one and is scoped through its division.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from riverchief.core.scoping import NOTHING, Scope, ScopedManager, division_q


def _section_scope(scope: Scope, action: str, path: str) -> Q:
    """Rows of sections in the scope; changes by those who may change monitoring data."""
    if action == "view" or scope.can("monitoring.change"):
        return division_q(path, scope)
    return NOTHING


class Parameter(models.Model):
    """A measured item (参数): code as in the contract, names, unit, usual detection limit."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=40)
    name_en = models.CharField(_("English name"), max_length=60)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    # The usual method detection limit in `unit`: "ND" without a limit of its own takes this one.
    detection_limit = models.FloatField(_("detection limit"), null=True, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("parameter")
        verbose_name_plural = _("parameters")
        constraints = [
            models.CheckConstraint(
                condition=Q(detection_limit__isnull=True) | Q(detection_limit__gt=0),
                name="parameter_detection_limit_gt_0",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Sample(models.Model):
    """One lab sample of a section at one time (手工监测), with its values as reported.

    Duplicate policy: one sample per section and time (a database constraint). Importing the same
    sample again with the same values changes nothing; with other values it is refused unless the
    import asks to replace (a lab's correction), which is audited with the values before.
    """

    section = models.ForeignKey(
        "registry.Facility",
        verbose_name=_("section"),
        on_delete=models.PROTECT,
        related_name="samples",
        limit_choices_to={"kind": "section"},
    )
    sampled_at = models.DateTimeField(_("sampled at"))
    lab = models.CharField(_("laboratory"), max_length=100, blank=True)
    method = models.CharField(_("method"), max_length=200, blank=True)
    do_saturation_pct = models.FloatField(_("DO saturation (%)"), null=True, blank=True)
    # {column header: cell text} exactly as the lab reported the row.
    raw = models.JSONField(_("as reported"), default=dict, blank=True)
    source_file = models.CharField(_("file"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ScopedManager()

    class Meta:
        ordering = ["section_id", "sampled_at"]
        verbose_name = _("sample")
        verbose_name_plural = _("samples")
        constraints = [
            models.UniqueConstraint(fields=["section", "sampled_at"], name="sample_once_per_time")
        ]

    def __str__(self) -> str:
        return f"{self.section_id} {self.sampled_at:%Y-%m-%d %H:%M}"

    @classmethod
    def scope_filter(cls, scope: Scope, action: str) -> Q:
        return _section_scope(scope, action, "section__division__code")


class SampleValue(models.Model):
    """One item of a sample: the value used (½ DL below detection) and the text reported."""

    sample = models.ForeignKey(Sample, on_delete=models.CASCADE, related_name="values")
    parameter = models.CharField(_("parameter"), max_length=20)
    value = models.FloatField(_("value"))  # in the parameter's unit
    below_detection = models.BooleanField(_("below detection limit"), default=False)
    detection_limit = models.FloatField(_("detection limit"), null=True, blank=True)
    raw = models.CharField(_("as reported"), max_length=60, blank=True)

    class Meta:
        ordering = ["sample_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["sample", "parameter"], name="sample_value_once"),
            models.CheckConstraint(condition=Q(value__gte=0), name="sample_value_ge_0"),
        ]

    def __str__(self) -> str:
        return f"{self.parameter}={self.value}"


class AutoValue(models.Model):
    """An automatic station's value for a section (自动监测), one per item and time."""

    section = models.ForeignKey(
        "registry.Facility", on_delete=models.CASCADE, related_name="automatic_values"
    )
    parameter = models.CharField(_("parameter"), max_length=20)
    observed_at = models.DateTimeField(_("observed at"))
    value = models.FloatField(_("value"))
    source = models.CharField(_("source"), max_length=20, default="sta")

    objects = ScopedManager()

    class Meta:
        ordering = ["section_id", "observed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["section", "parameter", "observed_at"], name="auto_value_once"
            )
        ]
        indexes = [models.Index(fields=["section", "observed_at"])]

    def __str__(self) -> str:
        return f"{self.parameter}={self.value} @ {self.observed_at:%Y-%m-%d %H:%M}"

    @classmethod
    def scope_filter(cls, scope: Scope, action: str) -> Q:
        return _section_scope(scope, action, "section__division__code")


class AlarmKind(models.TextChoices):
    CLASS = "class", _("worse than the target class")
    THRESHOLD = "threshold", _("beyond a threshold")
    SILENCE = "silence", _("station silent")


class Threshold(models.Model):
    """A configured alarm limit for an item, at one section or (section empty) at all."""

    section = models.ForeignKey(
        "registry.Facility",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="alarm_thresholds",
    )
    parameter = models.CharField(_("parameter"), max_length=20)
    upper = models.FloatField(_("upper limit"), null=True, blank=True)
    lower = models.FloatField(_("lower limit"), null=True, blank=True)

    class Meta:
        ordering = ["parameter", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["section", "parameter"], name="threshold_once_per_section"
            ),
            models.CheckConstraint(
                condition=Q(upper__isnull=False) | Q(lower__isnull=False),
                name="threshold_has_a_limit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.parameter} [{self.lower}, {self.upper}]"


class Alarm(models.Model):
    """One ongoing (or past) condition at a section: opened once, updated, cleared by itself."""

    section = models.ForeignKey(
        "registry.Facility", on_delete=models.CASCADE, related_name="alarms"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=AlarmKind.choices)
    parameter = models.CharField(_("parameter"), max_length=20, blank=True)
    opened_at = models.DateTimeField(_("opened"))
    last_at = models.DateTimeField(_("last seen"))
    cleared_at = models.DateTimeField(_("cleared"), null=True, blank=True)
    first_value = models.FloatField(null=True, blank=True)
    worst_value = models.FloatField(null=True, blank=True)
    last_value = models.FloatField(null=True, blank=True)
    values_count = models.PositiveIntegerField(default=0)
    limit = models.FloatField(null=True, blank=True)
    message = models.CharField(_("message"), max_length=300, blank=True)
    problem = models.ForeignKey(
        "problems.Problem", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ScopedManager()

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("alarm")
        verbose_name_plural = _("alarms")
        constraints = [
            # One alarm per ongoing condition: a second open one for the same condition fails.
            models.UniqueConstraint(
                fields=["section", "kind", "parameter"],
                condition=Q(cleared_at__isnull=True),
                name="alarm_one_open_per_condition",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.parameter} @ {self.section_id}"

    @property
    def is_open(self) -> bool:
        return self.cleared_at is None

    @classmethod
    def scope_filter(cls, scope: Scope, action: str) -> Q:
        return _section_scope(scope, action, "section__division__code")
