"""Users with a role and a jurisdiction scope; API tokens; failed-login records."""

from __future__ import annotations

from functools import cached_property

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from riverchief.accounts.roles import Role, capabilities
from riverchief.core.scoping import NOTHING, Scope, ScopedQuerySet, division_q


class RoleChoices(models.TextChoices):
    SYSADMIN = Role.SYSADMIN, _("System administrator")
    OFFICE = Role.OFFICE, _("River chief office")
    LEADER = Role.LEADER, _("Leader (read-only)")
    CHIEF = Role.CHIEF, _("River or lake chief")
    PATROLLER = Role.PATROLLER, _("Patroller / cleaner")
    DEPARTMENT = Role.DEPARTMENT, _("Department officer")
    VOLUNTEER = Role.VOLUNTEER, _("Volunteer chief (民间河长)")


class ScopedUserManager(UserManager.from_queryset(ScopedQuerySet)):  # type: ignore[misc]
    pass


class User(AbstractUser):
    """A person who signs in, acting in one division subtree or for one department."""

    full_name = models.CharField(_("full name"), max_length=60, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    title = models.CharField(_("position"), max_length=80, blank=True)
    role = models.CharField(_("role"), max_length=20, choices=RoleChoices.choices)
    division = models.ForeignKey(
        "registry.Division",
        verbose_name=_("division"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    department = models.ForeignKey(
        "registry.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    must_change_password = models.BooleanField(_("must change password"), default=False)
    is_demo = models.BooleanField(_("demo"), default=False)

    objects = ScopedUserManager()

    class Meta:
        ordering = ["username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=Q(role="sysadmin")
                | Q(role="department", department__isnull=False)
                | (~Q(role__in=["sysadmin", "department"]) & Q(division__isnull=False)),
                name="user_scope_matches_role",
            )
        ]

    def __str__(self) -> str:
        return self.full_name or self.username

    @cached_property
    def scope(self) -> Scope:
        """The user's scope; needs `division` and `department__division` (select_related)."""
        if not self.is_active:
            return Scope()
        if self.role == Role.SYSADMIN:
            return Scope(authenticated=True, everything=True, role=self.role)
        division_code = None
        if self.role == Role.DEPARTMENT and self.department_id:
            division_code = self.department.division.code
        elif self.division_id and self.role != Role.VOLUNTEER:
            # A volunteer's division says where they help; it opens no staff data to them.
            division_code = self.division.code
        return Scope(
            authenticated=True,
            division_code=division_code,
            department_id=self.department_id,
            role=self.role,
            capabilities=capabilities(self.role),
        )

    @classmethod
    def scope_filter(cls, scope: Scope, action: str) -> Q:
        capability = "users.view" if action == "view" else "users.change"
        if not scope.can(capability):
            return NOTHING
        if scope.everything:
            return Q()
        return division_q("division__code", scope) | division_q("department__division__code", scope)


class ApiToken(models.Model):
    """A bearer token for the API. Only a digest is stored; the token is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=80, blank=True)
    prefix = models.CharField(_("prefix"), max_length=8)
    key_digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})" if self.name else f"{self.prefix}…"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class LoginFailure(models.Model):
    """One failed sign-in, kept to apply the lockout rule."""

    username = models.CharField(max_length=150, db_index=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["username", "at"])]

    def __str__(self) -> str:
        return f"{self.username} {self.at:%Y-%m-%d %H:%M:%S}"
