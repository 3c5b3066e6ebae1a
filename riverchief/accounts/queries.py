"""Reads about accounts, always through the caller's scope."""

from __future__ import annotations

from django.db.models import Q

from riverchief.accounts.models import ApiToken, RoleChoices, User
from riverchief.accounts.roles import Role
from riverchief.core import divcodes
from riverchief.core.scoping import scope_of


def users_visible_to(viewer):
    return User.objects.visible_to(viewer).select_related("division", "department__division")


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
