"""Problems, their categories, assignment history, timeline and files."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from riverchief.core.divcodes import subtree_bounds
from riverchief.core.scoping import (
    NOTHING,
    Scope,
    ScopedManager,
    ScopedQuerySet,
    division_q,
    scope_of,
)
from riverchief.problems.states import State


class Source(models.TextChoices):
    """Where a problem came from (river-chief-system.md §4.1, Appendix A)."""

    PATROL = "patrol", _("patrol (巡河)")
    PUBLIC = "public", _("public report (公众)")
    HOTLINE = "hotline", _("hotline (热线)")
    HOTLINE_12314 = "hotline_12314", _("12314 hotline")
    VOLUNTEER = "volunteer", _("volunteer chief (民间河长)")
    INSPECTION = "inspection", _("inspection (检查)")
    COVERT_INSPECTION = "covert_inspection", _("covert inspection (暗访)")
    SUPERIOR = "superior", _("assigned from above (上级交办)")
    MONITORING = "monitoring", _("monitoring alarm (监测告警)")
    VIDEO = "video", _("video surveillance (视频)")
    MEDIA = "media", _("media (媒体)")
    CAMPAIGN = "campaign", _("special campaign (专项行动)")
    REMOTE_SENSING = "remote_sensing", _("remote sensing (遥感)")
    OTHER = "other", _("other")


class Severity(models.TextChoices):
    ORDINARY = "ordinary", _("ordinary (一般)")
    SERIOUS = "serious", _("serious (较严重)")
    MAJOR = "major", _("major (重大)")


class Category(models.Model):
    """A kind of problem, carrying its default handling deadline and department (data, not code)."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60)
    group = models.CharField(_("group"), max_length=30)
    help_text = models.TextField(_("definition"), blank=True)
    default_deadline_days = models.PositiveSmallIntegerField(
        _("default deadline (working days)"), default=10
    )
    default_department = models.ForeignKey(
        "registry.Department",
        verbose_name=_("default department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    objects = ScopedManager()

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("problem category")
        verbose_name_plural = _("problem categories")
        constraints = [
            models.CheckConstraint(
                condition=Q(default_deadline_days__gte=1, default_deadline_days__lte=365),
                name="category_deadline_1_365",
            )
        ]

    def __str__(self) -> str:
        return f"{self.group} · {self.name}" if self.group != self.name else self.name

    @classmethod
    def scope_filter(cls, scope: Scope, action: str) -> Q:
        if action == "view":
            return Q() if scope.authenticated else NOTHING
        if scope.everything or scope.role == "office":
            return Q()
        return NOTHING


# Beyond this many problems reported or held, the ids stay a subquery (slower, still right).
MAX_OWN_BEYOND_SCOPE = 5000
# Up to this many divisions outside a scope are named in the condition instead of joining the
# division table (`_divisions_of`).
FEW_DIVISIONS_OUTSIDE = 500


class ProblemQuerySet(ScopedQuerySet):
    def visible_to(self, user) -> ProblemQuerySet:
        """Rows in the user's scope, plus what they reported or were ever assigned."""
        scope = scope_of(user)
        condition = Problem.scope_filter(scope, "view")
        if scope.authenticated and not scope.everything and condition:  # Q(): sees every row
            condition |= _own_beyond(user, condition)
        return self.filter(condition)


def _own_beyond(user, inside: Q) -> Q:
    """The problems the user reported or was ever assigned outside their scope, as a list of ids.

    `scope OR reporter = me OR id IN (my assignments)` reads simply, but the OR of a join on the
    division's code with two other columns keeps both databases from using any index: with a
    million problems a township chief's list scanned them all. The ids outside the scope are few
    (a report made while visiting another township, a problem handed over from elsewhere), so they
    are looked up first by the reporter and assignment indexes, then by primary key, and the main
    query keeps the division index.
    """
    held = ProblemAssignment.objects.filter(user_id=user.pk).values("problem_id")
    limit = MAX_OWN_BEYOND_SCOPE
    reported = Problem.objects.filter(reporter_id=user.pk).order_by()  # by the reporter index
    mine = list(reported.values_list("pk", flat=True)[:limit])
    mine += list(held.order_by().values_list("problem_id", flat=True)[:limit])
    if len(mine) >= limit:
        return Q(reporter_id=user.pk) | Q(pk__in=held)
    beyond = Problem.objects.filter(pk__in=set(mine)).exclude(inside).order_by()
    found = sorted(beyond.values_list("pk", flat=True))
    return Q(pk__in=found)


def _divisions_of(scope: Scope) -> Q:
    """Problems in the scope's divisions. When the scope holds most divisions of the
    installation and only a few lie outside it (a province office on its province's
    installation, perhaps with a neighbour's few), the condition names those few, or is
    nothing when there are none; otherwise it compares the division's code.

    The code comparison joins the division: at a province's million problems that join made the
    database walk every problem for the newest twenty, and sort a province office's 16,000
    to-do candidates joined row by row (87 ms on SQLite, 45 without the join). A small scope
    keeps the join: its few divisions lead the database to their rows by the division index.
    """
    from riverchief.registry.models import Division

    if scope.division_code:
        low, high = subtree_bounds(scope.division_code)
        beyond = Division.objects.filter(Q(code__lt=low) | Q(code__gt=high)).order_by()
        outside = list(beyond.values_list("pk", flat=True)[: FEW_DIVISIONS_OUTSIDE + 1])
        if not outside:
            return Q()
        if len(outside) <= FEW_DIVISIONS_OUTSIDE:
            held = Division.objects.filter(code__gte=low, code__lte=high).order_by()
            if held[len(outside) : len(outside) + 1].exists():  # more inside than outside
                return ~Q(division_id__in=sorted(outside))
    return division_q("division__code", scope)


def _held_before(department_id: int) -> Q:
    """The problems a department held before a 转办 and holds no longer, as a list of ids.

    For the same reason as `_own_beyond`: `assignee_department = d OR id IN (d's assignment
    history)` defeats the department index, and a department's list scanned every problem. A
    holding ends only when the problem is handed on (assign, transfer, reopen: closing ends
    nothing), so the few ended rows are the candidates; those the department holds again are
    dropped, and the rest are added by primary key.
    """
    history = ProblemAssignment.objects.filter(department_id=department_id)
    ended = history.filter(end__isnull=False).order_by()
    ids = set(ended.values_list("problem_id", flat=True)[:MAX_OWN_BEYOND_SCOPE])
    if len(ids) >= MAX_OWN_BEYOND_SCOPE:
        return Q(pk__in=history.values("problem_id"))
    if not ids:
        return Q(pk__in=[])
    handed_on = Problem.objects.filter(pk__in=ids).exclude(assignee_department_id=department_id)
    return Q(pk__in=sorted(handed_on.order_by().values_list("pk", flat=True)))


class Problem(models.Model):
    """A reported problem on a river or lake, moved through `states.TRANSITIONS` only."""

    number = models.CharField(_("number"), max_length=20, unique=True, null=True, blank=True)
    tracking_code = models.CharField(_("tracking code"), max_length=32, unique=True)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="problems"
    )
    severity = models.CharField(
        _("severity"), max_length=10, choices=Severity.choices, default=Severity.ORDINARY
    )
    state = models.CharField(
        _("state"), max_length=24, choices=State.choices, default=State.REPORTED, editable=False
    )
    description = models.TextField(_("description"))
    lon = models.FloatField(_("longitude"))
    lat = models.FloatField(_("latitude"))
    address = models.CharField(_("address"), max_length=200, blank=True)
    reach = models.ForeignKey(
        "registry.Reach",
        verbose_name=_("reach"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="problems",
    )
    reach_distance_m = models.FloatField(_("distance to the reach (m)"), null=True, blank=True)
    # The division whose office and chiefs see the problem (the reach's, else as report_problem
    # decides); scoping hangs from it.
    division = models.ForeignKey(
        "registry.Division",
        verbose_name=_("division"),
        on_delete=models.PROTECT,
        related_name="problems",
    )
    out_of_area = models.BooleanField(_("outside the jurisdiction"), default=False)
    public = models.BooleanField(_("reported by the public"), default=False)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reporter"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reported_problems",
    )
    reporter_name = models.CharField(_("reporter name"), max_length=60, blank=True)
    reporter_phone = models.CharField(_("reporter phone"), max_length=20, blank=True)
    assignee_department = models.ForeignKey(
        "registry.Department",
        verbose_name=_("assigned department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="problems",
    )
    assignee_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned chief"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_problems",
    )
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    deadline_days = models.PositiveSmallIntegerField(
        _("deadline (working days)"), null=True, blank=True
    )
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("duplicate of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duplicates",
    )
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    return_count = models.PositiveSmallIntegerField(_("times returned"), default=0)
    dissatisfied = models.BooleanField(_("public not satisfied"), default=False)
    extension_requested_until = models.DateTimeField(
        _("extension requested until"), null=True, blank=True
    )
    extension_reason = models.TextField(_("extension reason"), blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("rectification submitted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    idempotency_key = models.CharField(max_length=100, null=True, blank=True)
    created_at = models.DateTimeField(_("reported"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    assigned_at = models.DateTimeField(_("assigned"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted for verification"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    objects = ProblemQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("problem")
        verbose_name_plural = _("problems")
        indexes = [
            # State and deadline for the sweep; the rest make an office's to-do (states,
            # extension, division, deadline order) a read of this index alone: a province's
            # 16,000 candidates in 8 ms instead of 40 on SQLite, without a row lookup each.
            models.Index(
                fields=["state", "deadline", "created_at", "division", "extension_requested_until"]
            ),
            models.Index(fields=["division", "state"]),
            models.Index(fields=["assignee_department", "state"]),
            models.Index(fields=["assignee_user", "state"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["reporter", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False, reporter__isnull=False),
                name="problem_idempotency_per_reporter",
            ),
            models.UniqueConstraint(
                fields=["idempotency_key"],
                condition=Q(idempotency_key__isnull=False, reporter__isnull=True),
                name="problem_idempotency_public",
            ),
            models.CheckConstraint(condition=Q(state__in=State.values), name="problem_state_known"),
            models.CheckConstraint(
                condition=Q(lon__gte=73, lon__lte=136, lat__gte=3, lat__lte=54),
                name="problem_point_in_china",
            ),
        ]

    def __str__(self) -> str:
        return self.number or f"#{self.pk}"

    @classmethod
    def scope_filter(cls, scope: Scope, action: str) -> Q:
        """Offices, leaders, chiefs and patrollers: problems in their divisions; department
        officers: problems assigned, now or before, to their department. Reporters and assigned
        chiefs are added by `ProblemQuerySet.visible_to`, which knows the user."""
        if scope.everything:
            return Q()
        if not scope.authenticated:
            return NOTHING
        if action != "view":
            return _divisions_of(scope) if scope.role == "office" else NOTHING
        if scope.role == "department":
            if scope.department_id is None:
                return NOTHING
            return Q(assignee_department_id=scope.department_id) | _held_before(scope.department_id)
        return _divisions_of(scope)

    @staticmethod
    def in_view_scope(scope: Scope, division_code: str) -> bool:
        """True when `scope_filter(scope, "view")` alone lets the scope see a problem of this
        division: decided without a query. False decides nothing (a department sees by
        assignment, anyone sees what they reported or held: `ProblemQuerySet.visible_to`)."""
        if scope.everything:
            return True
        if not scope.authenticated or scope.role == "department":
            return False
        return scope.covers_division(division_code)


class ProblemAssignment(models.Model):
    """Who held the problem, from when until when: 交办 and 转办 history."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="assignments")
    department = models.ForeignKey(
        "registry.Department", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    start = models.DateTimeField(default=timezone.now)
    end = models.DateTimeField(null=True, blank=True)
    deadline = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["problem", "start", "id"]
        indexes = [models.Index(fields=["department"]), models.Index(fields=["user"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(department__isnull=False) | Q(user__isnull=False),
                name="problem_assignment_has_holder",
            )
        ]

    def __str__(self) -> str:
        return f"{self.problem} → {self.department or self.user}"


class ProblemEvent(models.Model):
    """One step of a problem's timeline: who, when, what, with a note and attachments."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("time"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_name = models.CharField(_("actor name"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=30)
    from_state = models.CharField(_("from"), max_length=24, blank=True)
    to_state = models.CharField(_("to"), max_length=24, blank=True)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["problem", "at", "id"]
        verbose_name = _("problem event")
        verbose_name_plural = _("problem timeline")
        indexes = [models.Index(fields=["problem", "at"]), models.Index(fields=["action", "at"])]

    def __str__(self) -> str:
        return f"{self.problem} {self.action} {self.at:%Y-%m-%d %H:%M}"


class Stage(models.TextChoices):
    BEFORE = "before", _("at the report")
    AFTER = "after", _("after rectification")
    DOCUMENT = "document", _("document")


def _attachment_path(instance: Attachment, filename: str) -> str:
    now = timezone.now()
    return f"problems/{now:%Y/%m}/{instance.problem_id}/{filename}"


class Attachment(models.Model):
    """A photo, video or document of a problem, checked by content, with what EXIF says."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="attachments")
    event = models.ForeignKey(
        ProblemEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="attachments"
    )
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices)
    kind = models.CharField(_("kind"), max_length=10)  # image, video, document
    name = models.CharField(_("file name"), max_length=200)
    file = models.FileField(_("file"), upload_to=_attachment_path, max_length=300)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    exif_time = models.DateTimeField(_("taken at (EXIF)"), null=True, blank=True)
    exif_lon = models.FloatField(null=True, blank=True)
    exif_lat = models.FloatField(null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    class Meta:
        ordering = ["problem", "uploaded_at", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        constraints = [
            models.CheckConstraint(
                condition=Q(stage__in=["before", "after", "document"]),
                name="attachment_stage_known",
            )
        ]

    def __str__(self) -> str:
        return self.name
