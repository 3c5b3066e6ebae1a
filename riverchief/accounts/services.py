"""Every change to accounts: sign-in with lockout, users, passwords, API tokens.

Each function validates, writes, and records the audit entry in one transaction.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from django.conf import settings
from django.contrib.auth import authenticate as django_authenticate
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from riverchief.accounts import lockout
from riverchief.accounts.models import ApiToken, LoginFailure, User
from riverchief.accounts.roles import Role, needs_department, needs_division
from riverchief.core import audit
from riverchief.core.errors import (
    DomainError,
    Forbidden,
    NotFound,
    Unauthorized,
    render_in_both,
)
from riverchief.core.requestlocal import current_ip
from riverchief.core.scoping import scope_of
from riverchief.registry.models import Department, Division


class InvalidCredentials(Unauthorized):
    code = "invalid_credentials"


class AccountLocked(DomainError):
    status = 429
    code = "account_locked"


BAD_CREDENTIALS = _("Wrong username or password.")


def account_locked_until(username: str, now: datetime | None = None) -> datetime | None:
    now = now or timezone.now()
    horizon = now - settings.LOGIN_LOCKOUT_WINDOW - settings.LOGIN_LOCKOUT_DURATION
    failures = LoginFailure.objects.filter(username=username, at__gt=horizon).values_list(
        "at", flat=True
    )
    return lockout.locked_until(
        failures,
        now,
        limit=settings.LOGIN_LOCKOUT_FAILURES,
        window=settings.LOGIN_LOCKOUT_WINDOW,
        duration=settings.LOGIN_LOCKOUT_DURATION,
    )


def sign_in(request, username: str, password: str) -> User:
    """Check the password, applying the lockout rule; the error never says which part was wrong."""
    username = (username or "").strip()
    if account_locked_until(username):
        raise AccountLocked(
            _("Too many failed sign-ins. This account is locked for %(minutes)d minutes."),
            field="username",
            params={"minutes": settings.LOGIN_LOCKOUT_DURATION.total_seconds() // 60},
        )
    user = django_authenticate(request, username=username, password=password)
    if user is None:
        with transaction.atomic():
            LoginFailure.objects.create(username=username, ip=current_ip())
            if account_locked_until(username):
                audit.record(
                    None,
                    "account_locked",
                    object_type="accounts.user",
                    object_id=username,
                    object_repr=username,
                    message="too many failed sign-ins",
                )
        raise InvalidCredentials(BAD_CREDENTIALS)
    return user


def purge_old_login_failures(now: datetime | None = None) -> int:
    """Periodic: forget failures that can no longer lock anybody."""
    now = now or timezone.now()
    horizon = now - settings.LOGIN_LOCKOUT_WINDOW - settings.LOGIN_LOCKOUT_DURATION
    deleted, _unused = LoginFailure.objects.filter(at__lt=horizon).delete()
    return deleted


# --- API tokens -------------------------------------------------------------------------------


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


@transaction.atomic
def issue_token(user: User, name: str = "") -> tuple[ApiToken, str]:
    """Create a token; the raw value is returned once and never stored."""
    raw = "rc_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name.strip()[:80],
        prefix=raw[:8],
        key_digest=_digest(raw),
        expires_at=timezone.now() + settings.API_TOKEN_LIFETIME,
    )
    audit.record(
        user,
        "token_issued",
        token,
        after={"name": token.name, "prefix": token.prefix, "expires_at": token.expires_at},
        division_code=_division_code(user),
    )
    return token, raw


def user_for_token(raw: str) -> User | None:
    """The active user behind a bearer token, or None when it is unknown, revoked or expired."""
    if not raw or len(raw) > 200:
        return None
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("user", "user__division", "user__department__division")
        .defer("user__division__geometry", "user__department__division__geometry")
        .filter(key_digest=_digest(raw), revoked_at__isnull=True, expires_at__gt=now)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    # Touch at most once a minute: a busy client must not turn every read into a write.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


@transaction.atomic
def revoke_token(actor: User, token_id: int) -> ApiToken:
    token = ApiToken.objects.select_for_update().filter(pk=token_id).first()
    if token is None or (
        token.user_id != actor.pk and not User.objects.editable_by(actor).filter(pk=token.user_id)
    ):
        raise NotFound(_("No such token."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(
            actor,
            "token_revoked",
            token,
            before={"revoked_at": None},
            after={"revoked_at": token.revoked_at},
            division_code=_division_code(token.user),
        )
    return token


# --- users and passwords ----------------------------------------------------------------------


def _division_code(user: User) -> str:
    if user.division_id:
        return user.division.code
    if user.department_id:
        return user.department.division.code
    return ""


def _validate_password(password: str, user: User, *, field: str) -> None:
    """Django's password rules; the refusal carries the reasons in Chinese and English."""
    try:
        password_validation.validate_password(password, user)
    except ValidationError as error:

        def reasons() -> str:
            try:
                password_validation.validate_password(password, user)
            except ValidationError as again:
                return " ".join(again.messages)
            return ""

        raise DomainError(render_in_both(reasons), field=field, code="weak_password") from error


def generate_password() -> str:
    """A password an officer can read out over the phone: no 0/O, 1/l/I."""
    alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(14))


@transaction.atomic
def create_user(
    actor: User | None,
    *,
    username: str,
    role: str,
    division: Division | None = None,
    department: Department | None = None,
    full_name: str = "",
    phone: str = "",
    title: str = "",
    password: str | None = None,
    must_change_password: bool | None = None,
    is_demo: bool = False,
) -> tuple[User, str | None]:
    """Create a user inside the actor's scope. Returns the user and the generated password, if any.

    `actor=None` is the command line or the demo loader, which act for the whole installation.
    """
    username = (username or "").strip()
    if not username:
        raise DomainError(_("A username is required."), field="username")
    if User.objects.filter(username=username).exists():
        raise DomainError(_("This username is taken."), field="username", code="duplicate")
    if role not in {r.value for r in Role}:
        raise DomainError(_("Unknown role."), field="role")
    if needs_division(role) and division is None:
        raise DomainError(_("This role needs a division."), field="division")
    if needs_department(role) and department is None:
        raise DomainError(_("This role needs a department."), field="department")
    if actor is not None:
        scope = scope_of(actor)
        scope.require("users.change")
        if role == Role.SYSADMIN and not scope.everything:
            raise Forbidden(_("Only a system administrator may create one."), field="role")
        target = division.code if division else department.division.code if department else None
        if not scope.covers_division(target):
            raise Forbidden(_("That division lies outside your scope."), field="division")
    generated = None
    if password is None:
        password = generated = generate_password()
    user = User(
        username=username,
        role=role,
        division=division if needs_division(role) else None,
        department=department if needs_department(role) else None,
        full_name=full_name,
        phone=phone,
        title=title,
        is_demo=is_demo,
        must_change_password=(generated is not None)
        if must_change_password is None
        else must_change_password,
    )
    if generated is None:
        _validate_password(password, user, field="password")
    user.set_password(password)
    user.save()
    audit.record(
        actor, "create", user, after=audit.snapshot(user), division_code=_division_code(user)
    )
    return user, generated


@transaction.atomic
def change_password(user: User, new_password: str) -> None:
    """The user sets a new password; a forced change is then done."""
    _validate_password(new_password, user, field="new_password1")
    user.set_password(new_password)
    was_forced = user.must_change_password
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    audit.record(
        user,
        "password_changed",
        user,
        before={"must_change_password": was_forced},
        after={"must_change_password": False},
        division_code=_division_code(user),
    )


@transaction.atomic
def reset_password(actor: User | None, user: User) -> str:
    """An office admin (or the CLI) gives the user a new generated password to change at once."""
    if actor is not None and not User.objects.editable_by(actor).filter(pk=user.pk).exists():
        raise NotFound(_("No such user."))
    password = generate_password()
    user.set_password(password)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    audit.record(actor, "password_reset", user, division_code=_division_code(user))
    return password
