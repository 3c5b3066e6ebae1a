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


class Located(models.Model):
    """A GeoJSON geometry (WGS84 lon/lat) with its bounding box in indexed columns.

    The box answers the map's `bbox=` filter on any database; exact geometry work happens in
    `riverchief.geo` with shapely. PostGIS can later replace this behind the same functions.
    """

    geometry = models.JSONField(_("geometry"), null=True, blank=True)
    min_lon = models.FloatField(null=True, blank=True, editable=False)
    min_lat = models.FloatField(null=True, blank=True, editable=False)
    max_lon = models.FloatField(null=True, blank=True, editable=False)
    max_lat = models.FloatField(null=True, blank=True, editable=False)

    class Meta:
        abstract = True

    def set_bounds(self, bounds: tuple[float, float, float, float] | None) -> None:
        if bounds is None:
            self.min_lon = self.min_lat = self.max_lon = self.max_lat = None
        else:
            self.min_lon, self.min_lat, self.max_lon, self.max_lat = bounds


def bbox_q(bbox: tuple[float, float, float, float]) -> Q:
    """Rows whose box intersects the given (min_lon, min_lat, max_lon, max_lat)."""
    min_lon, min_lat, max_lon, max_lat = bbox
    return Q(max_lon__gte=min_lon, min_lon__lte=max_lon, max_lat__gte=min_lat, min_lat__lte=max_lat)


def _in_scope_or_above(path: str, scope: Scope) -> Q:
    """Rows in the scope's subtree, or attached to a division above it (the county's river for
    a village chief). `path` leads to a 12-digit division code."""
    if scope.everything or not scope.division_code:
        return division_q(path, scope)
    above = divcodes.ancestors(scope.division_code) + [scope.division_code]
    return division_q(path, scope) | Q(**{f"{path}__in": above})


def registry_scope(
    scope: Scope, action: str, path: str = "division__code", *, above: bool = False, also=None
) -> Q:
    """The registry's one rule. View: rows in the scope (with `above`, also rows attached to a
    division above it; `also`, extra visible rows). Change: office admins inside their scope."""
    if action == "view":
        visible = _in_scope_or_above(path, scope) if above else division_q(path, scope)
        return visible | also if also is not None else visible
    if scope.can("registry.change"):
        return division_q(path, scope)
    return NOTHING


class Division(Located):
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
        # A province's cities and counties among its 22,000 divisions, in code order (the
        # problem list's area filter): walked by code alone, 5-7 ms on PostgreSQL.
        indexes = [models.Index(fields=["level", "code"])]
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
        return (
            Division.objects.filter(code__in=divcodes.ancestors(self.code))
            .defer("geometry")
            .order_by("code")
        )

    @classmethod
    def scope_filter(cls, scope: Scope, action: str) -> Q:
        return registry_scope(scope, action, "code")


class Department(models.Model):
    """A member department (成员单位) of a division's river chief system, e.g. 县水利局."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=80)
    short_name = models.CharField(_("short name"), max_length=30, blank=True)
    division = models.ForeignKey(
        Division, verbose_name=_("division"), on_delete=models.PROTECT, related_name="departments"
    )
    duties = models.TextField(_("duties"), blank=True)
    liaison_name = models.CharField(_("liaison"), max_length=60, blank=True)
    liaison_phone = models.CharField(_("liaison phone"), max_length=20, blank=True)
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
        # A village chief must see the county departments to know whom to call.
        return registry_scope(scope, action, above=True)


class WaterBodyKind(models.TextChoices):
    RIVER = "river", _("river")
    LAKE = "lake", _("lake")
    RESERVOIR = "reservoir", _("reservoir")
    CANAL = "canal", _("canal")
    POND = "pond", _("pond")


class ManagementLevel(models.TextChoices):
    PROVINCE = "province", _("province-managed")
    CITY = "city", _("city-managed")
    COUNTY = "county", _("county-managed")


class WaterBody(Located):
    """A river, lake, reservoir, canal or pond (一河一档's subject)."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=80)
    kind = models.CharField(_("kind"), max_length=20, choices=WaterBodyKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("tributary of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tributaries",
    )
    basin = models.CharField(_("basin"), max_length=120, blank=True)
    management_level = models.CharField(
        _("management level"), max_length=20, choices=ManagementLevel.choices, blank=True
    )
    # The smallest division that holds the whole water body (绛县 for 涑水河 inside the county).
    division = models.ForeignKey(
        Division, verbose_name=_("division"), on_delete=models.PROTECT, related_name="water_bodies"
    )
    length_m = models.FloatField(_("length (m)"), null=True, blank=True)
    area_km2 = models.FloatField(_("area (km²)"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)
    is_demo = models.BooleanField(_("demo"), default=False)

    objects = ScopedManager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("water body")
        verbose_name_plural = _("water bodies")
        constraints = [
            models.CheckConstraint(
                condition=Q(length_m__isnull=True) | Q(length_m__gte=0),
                name="waterbody_length_ge_0",
            ),
            models.CheckConstraint(
                condition=Q(area_km2__isnull=True) | Q(area_km2__gte=0), name="waterbody_area_ge_0"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def scope_filter(cls, scope: Scope, action: str) -> Q:
        # Visible where it lies, above, or wherever one of its reaches lies in the scope.
        reaches = None
        if action == "view":
            in_scope = Reach.objects.filter(division_q("division__code", scope))
            reaches = Q(pk__in=in_scope.values("water_body"))
        return registry_scope(scope, action, above=True, also=reaches)


class ChiefLevel(models.TextChoices):
    PROVINCE = "province", _("province level")
    CITY = "city", _("city level")
    COUNTY = "county", _("county level")
    TOWNSHIP = "township", _("township level")
    VILLAGE = "village", _("village level")


class Reach(Located):
    """A stretch of one water body inside one division, with its chiefs (河段)."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=80)
    water_body = models.ForeignKey(
        WaterBody, verbose_name=_("water body"), on_delete=models.PROTECT, related_name="reaches"
    )
    division = models.ForeignKey(
        Division, verbose_name=_("division"), on_delete=models.PROTECT, related_name="reaches"
    )
    level = models.CharField(_("chief level"), max_length=20, choices=ChiefLevel.choices)
    start_description = models.CharField(_("starts at"), max_length=120, blank=True)
    end_description = models.CharField(_("ends at"), max_length=120, blank=True)
    length_m = models.FloatField(_("length (m)"), null=True, blank=True)
    # Distance of the reach's start from the water body's source, for upstream ordering.
    start_chainage_m = models.FloatField(_("chainage at start (m)"), null=True, blank=True)
    is_dry = models.BooleanField(_("dry channel"), default=False)
    is_demo = models.BooleanField(_("demo"), default=False)

    objects = ScopedManager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("reach")
        verbose_name_plural = _("reaches")
        indexes = [models.Index(fields=["max_lon", "min_lon", "max_lat", "min_lat"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(length_m__isnull=True) | Q(length_m__gte=0), name="reach_length_ge_0"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def scope_filter(cls, scope: Scope, action: str) -> Q:
        return registry_scope(scope, action, above=True)


class Facility(Located):
    """A reservoir, check dam, sluice, outfall, intake, monitoring section or signboard.

    Common fields are columns; what a kind records besides (`facility_kinds.KINDS`) is `details`.
    """

    kind = models.CharField(_("kind"), max_length=20, db_index=True)
    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=80)
    division = models.ForeignKey(
        Division, verbose_name=_("division"), on_delete=models.PROTECT, related_name="facilities"
    )
    water_body = models.ForeignKey(
        WaterBody,
        verbose_name=_("water body"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="facilities",
    )
    reach = models.ForeignKey(
        Reach,
        verbose_name=_("reach"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="facilities",
    )
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    is_demo = models.BooleanField(_("demo"), default=False)

    objects = ScopedManager()

    class Meta:
        ordering = ["kind", "code"]
        verbose_name = _("facility")
        verbose_name_plural = _("facilities")
        indexes = [
            models.Index(fields=["kind", "max_lon", "min_lon", "max_lat", "min_lat"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    kind__in=[
                        "reservoir",
                        "check_dam",
                        "sluice",
                        "outfall",
                        "intake",
                        "section",
                        "signboard",
                    ]
                ),
                name="facility_kind_known",
            ),
            models.CheckConstraint(
                condition=(Q(lon__isnull=True) & Q(lat__isnull=True))
                | Q(lon__gte=73, lon__lte=136, lat__gte=3, lat__lte=54),
                name="facility_point_in_china",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def scope_filter(cls, scope: Scope, action: str) -> Q:
        return registry_scope(scope, action)


class AssignmentRole(models.TextChoices):
    CHIEF_GENERAL = "总河长", _("general chief")
    CHIEF_GENERAL_DEPUTY = "副总河长", _("deputy general chief")
    CHIEF = "河长", _("river chief")
    LAKE_CHIEF = "湖长", _("lake or reservoir chief")
    REACH_CHIEF = "河段长", _("reach chief")
    ASSISTANT = "河长助理", _("chief's assistant")
    PATROLLER = "巡河员", _("patroller")
    CLEANER = "保洁员", _("cleaner")
    VOLUNTEER = "民间河长", _("volunteer chief")


# Roles of which a reach has at most one active holder per level.
SINGLE_HOLDER_ROLES = ("河长", "湖长")


class ChiefAssignment(models.Model):
    """A person holding a role for a water body or reach, from a date until a date.

    Changing a chief ends the old row and starts a new one; rows are never deleted.
    """

    person_name = models.CharField(_("name"), max_length=60)
    person_phone = models.CharField(_("phone"), max_length=20, blank=True)
    position = models.CharField(_("position"), max_length=80, blank=True)
    user = models.ForeignKey(
        "accounts.User",
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assignments",
    )
    role = models.CharField(_("role"), max_length=10, choices=AssignmentRole.choices)
    level = models.CharField(_("level"), max_length=20, choices=ChiefLevel.choices)
    water_body = models.ForeignKey(
        WaterBody,
        verbose_name=_("water body"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    reach = models.ForeignKey(
        Reach,
        verbose_name=_("reach"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    # The division the assignment belongs to (the reach's, or the water body's), for scope.
    division = models.ForeignKey(
        Division, verbose_name=_("division"), on_delete=models.PROTECT, related_name="assignments"
    )
    contact_department = models.ForeignKey(
        Department,
        verbose_name=_("contact department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("until"), null=True, blank=True)
    is_demo = models.BooleanField(_("demo"), default=False)

    objects = ScopedManager()

    class Meta:
        ordering = ["division__code", "-start_date", "id"]
        verbose_name = _("chief assignment")
        verbose_name_plural = _("chief assignments")
        indexes = [models.Index(fields=["reach", "end_date"]), models.Index(fields=["user"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(water_body__isnull=False) | Q(reach__isnull=False),
                name="assignment_has_a_target",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="assignment_ends_after_start",
            ),
            models.UniqueConstraint(
                fields=["reach", "level", "role"],
                condition=Q(
                    end_date__isnull=True, role__in=SINGLE_HOLDER_ROLES, reach__isnull=False
                ),
                name="one_active_chief_per_reach_and_level",
            ),
            models.UniqueConstraint(
                fields=["water_body", "level", "role", "division"],
                condition=Q(
                    end_date__isnull=True, role__in=SINGLE_HOLDER_ROLES, reach__isnull=True
                ),
                name="one_active_chief_per_water_body_and_level",
            ),
        ]

    def __str__(self) -> str:
        target = self.reach or self.water_body
        return f"{self.person_name} · {self.get_role_display()} · {target}"

    @property
    def is_active(self) -> bool:
        return self.end_date is None

    @classmethod
    def scope_filter(cls, scope: Scope, action: str) -> Q:
        return registry_scope(scope, action, above=True)


class DocumentKind(models.TextChoices):
    PLAN = "plan", _("一河一策 plan")
    ARCHIVE = "archive", _("一河一档 archive")
    DEMARCATION = "demarcation", _("management-range demarcation")
    OTHER = "other", _("other")


def _document_path(instance, filename: str) -> str:
    return f"registry/documents/{instance.water_body_id or 0}/{filename}"


class Document(models.Model):
    """A file kept in a water body's or reach's archive (一河一策 plans and others)."""

    water_body = models.ForeignKey(
        WaterBody, on_delete=models.PROTECT, related_name="documents", null=True, blank=True
    )
    reach = models.ForeignKey(
        Reach, on_delete=models.PROTECT, related_name="documents", null=True, blank=True
    )
    division = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=20, choices=DocumentKind.choices)
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to=_document_path)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    uploaded_by = models.ForeignKey(
        "accounts.User", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        ordering = ["-uploaded_at"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        constraints = [
            models.CheckConstraint(
                condition=Q(water_body__isnull=False) | Q(reach__isnull=False),
                name="document_has_a_target",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @classmethod
    def scope_filter(cls, scope: Scope, action: str) -> Q:
        return registry_scope(scope, action, above=True)
