"""Administrative divisions and departments: the tree every scope hangs from."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from riverchief.core import divcodes
from riverchief.core.scoping import NOTHING, Scope, ScopedManager, division_q


class DivisionLevel(models.IntegerChoices):
    PROVINCE = divcodes.Level.PROVINCE, _("province")
    CITY = divcodes.Level.CITY, _("city")
    COUNTY = divcodes.Level.COUNTY, _("county")
    TOWNSHIP = divcodes.Level.TOWNSHIP, _("township")
    VILLAGE = divcodes.Level.VILLAGE, _("village")


class Division(models.Model):
    """An administrative division (省/市/县/乡/村) with its 12-digit statistical code."""

    code = models.CharField(_("code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=60)
    level = models.PositiveSmallIntegerField(_("level"), choices=DivisionLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    is_demo = models.BooleanField(_("demo"), default=False)

    objects = ScopedManager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("division")
        verbose_name_plural = _("divisions")
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=r"^[0-9]{12}$"), name="division_code_12_digits"
            ),
            models.CheckConstraint(
                condition=Q(level=2, parent__isnull=True) | Q(level__gt=2, parent__isnull=False),
                name="division_parent_unless_province",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def short_code(self) -> str:
        return divcodes.short(self.code)

    def subtree(self):
        low, high = divcodes.subtree_bounds(self.code)
        return Division.objects.filter(code__gte=low, code__lte=high)

    def ancestors(self):
        return Division.objects.filter(code__in=divcodes.ancestors(self.code)).order_by("code")

    @classmethod
    def scope_filter(cls, scope: Scope, action: str) -> Q:
        if action == "view":
            return division_q("code", scope)
        if scope.can("registry.change"):
            return division_q("code", scope)
        return NOTHING


class Department(models.Model):
    """A member department (成员单位) of a division's river chief system, e.g. 县水利局."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=80)
    short_name = models.CharField(_("short name"), max_length=30, blank=True)
    division = models.ForeignKey(
        Division, verbose_name=_("division"), on_delete=models.PROTECT, related_name="departments"
    )
    is_demo = models.BooleanField(_("demo"), default=False)

    objects = ScopedManager()

    class Meta:
        ordering = ["division__code", "code"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self) -> str:
        return self.name

    @classmethod
    def scope_filter(cls, scope: Scope, action: str) -> Q:
        if action == "view":
            # A village chief must see the county departments to know whom to call: a
            # department is visible below its division as well as inside the scope.
            if scope.everything or not scope.division_code:
                return division_q("division__code", scope)
            above = divcodes.ancestors(scope.division_code) + [scope.division_code]
            return division_q("division__code", scope) | Q(division__code__in=above)
        if scope.can("registry.change"):
            return division_q("division__code", scope)
        return NOTHING
