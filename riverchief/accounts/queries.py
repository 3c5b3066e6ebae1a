"""Reads about accounts, always through the caller's scope."""

from __future__ import annotations

from django.db.models import Q

from riverchief.accounts.models import ApiToken, RoleChoices, User
from riverchief.accounts.roles import Role
from riverchief.core import divcodes
from riverchief.core.scoping import division_q, scope_of


def users_visible_to(viewer):
    return User.objects.visible_to(viewer).select_related("division", "department__division")


def count_users_visible_to(viewer) -> int:
    """`users_visible_to(viewer).count()`, fast with a province's 55,000 users.

    User.scope_filter ORs two ranges reached through two outer joins (the user's division, or
    their department's division), which no index serves: the database reads every user, 30-100
    ms per home page at province size, even for a county with 700 users. Counted here as two
    indexed parts of the same rule: users whose division is in scope, plus users whose
    department is in scope and whose own division is not (so nobody is counted twice).
    """
    scope = scope_of(viewer)
    if not scope.can("users.view"):
        return 0
    if scope.everything:
        return User.objects.count()
    own_division = division_q("division__code", scope)
    through_department = division_q("department__division__code", scope)
    return (
        User.objects.filter(own_division).count()
        + User.objects.filter(through_department).exclude(own_division).count()
    )


def search_users(rows, text: str):
    text = text.strip()
    return rows.filter(
        Q(username__icontains=text) | Q(full_name__icontains=text) | Q(phone__icontains=text)
    )


def tokens_of(user):
    return ApiToken.objects.filter(user=user).order_by("-created_at")


def describe_user(user: User) -> dict:
    """What /api/v1/me and the home page say about who you are and where you act."""
    scope = scope_of(user)
    division = user.department.division if user.department_id else user.division
    scope_info: dict = {
        "everything": scope.everything,
        "division_code": divcodes.short(division.code) if division else None,
        "division_code_full": division.code if division else None,
        "division_name": division.name if division else None,
        "division_level": division.get_level_display() if division else None,
        "department_code": user.department.code if user.department_id else None,
        "department_name": user.department.name if user.department_id else None,
        "read_only": user.role == Role.LEADER,
        "capabilities": sorted(scope.capabilities),
    }
    return {
        "username": user.username,
        "full_name": user.full_name,
        "role": user.role,
        "role_label": str(RoleChoices(user.role).label),
        "scope": scope_info,
        "must_change_password": user.must_change_password,
    }
