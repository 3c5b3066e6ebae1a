"""Validating what a move or a report brings: reasons, deadlines, assignees, references.

Each function raises a DomainError naming the field (400), so every interface shows the same
message beside the same input.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_lazy as _

from riverchief.core import divcodes
from riverchief.core.errors import DomainError, Forbidden, NotFound
from riverchief.core.scoping import scope_of
from riverchief.problems import deadlines
from riverchief.problems.models import Problem

MAX_TEXT = 5000


def text(fields: dict[str, Any], name: str, *, required=False, max_length=MAX_TEXT) -> str:
    value = fields.get(name)
    value = "" if value is None else str(value).strip()
    if required and not value:
        raise DomainError(_("This field is required."), field=name, code="required")
    if len(value) > max_length:
        raise DomainError(
            _("At most %(n)d characters."), field=name, params={"n": max_length}, code="too_long"
        )
    return value


def reason(fields: dict[str, Any]) -> str:
    """A reason is required; the API's "note" is taken when "reason" is not given."""
    if not str(fields.get("reason") or "").strip() and str(fields.get("note") or "").strip():
        return text(fields, "note", max_length=2000)
    return text(fields, "reason", required=True, max_length=2000)


def boolean(fields: dict[str, Any], name: str) -> bool:
    value = fields.get(name)
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "1", "yes", "false", "0", "no"):
        return value.lower() in ("true", "1", "yes")
    raise DomainError(_("This field is required."), field=name, code="required")


def integer(fields: dict[str, Any], name: str, low: int, high: int) -> int | None:
    value = fields.get(name)
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise DomainError(_("This must be a whole number."), field=name, code="invalid") from None
    if not low <= number <= high:
        raise DomainError(
            _("This must lie between %(low)d and %(high)d."),
            field=name,
            params={"low": low, "high": high},
            code="out_of_range",
        )
    return number


def when(fields: dict[str, Any], name: str, days_name: str | None, default_days: int | None):
    """A deadline from a date/datetime field or a number of working days, else the default.

    Returns (aware datetime or None, working days or None); a moment in the past is refused.
    """
    days = integer(fields, days_name, 1, deadlines.MAX_WORKING_DAYS) if days_name else None
    value = fields.get(name)
    if value not in (None, ""):
        moment = _moment(value, name)
        if moment < timezone.now():
            raise DomainError(
                _("The deadline lies in the past."), field=name, code="deadline_in_past"
            )
        return moment, None
    if days is None:
        days = default_days
    if days is None:
        return None, None
    return deadlines.deadline_in(days), days


def _moment(value: Any, name: str) -> dt.datetime:
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        return deadlines.end_of_day(value)
    else:
        textual = str(value).strip()
        day = parse_date(textual) if len(textual) == 10 else None
        if day is not None:
            return deadlines.end_of_day(day)
        try:
            moment = parse_datetime(textual)
        except ValueError:
            moment = None
        if moment is None:
            raise DomainError(
                _("Give a date as YYYY-MM-DD or an ISO 8601 time."), field=name, code="invalid"
            )
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _covers(root: str, code: str) -> bool:
    low, high = divcodes.subtree_bounds(root)
    return low <= code <= high


def chief_may_take(actor_scope, chief_code: str, division_code: str) -> bool:
    """The one rule for assigning to a chief: the chief's division holds the problem's, and the
    actor (None: the platform) may reach it: inside their scope and, for a chief, strictly below
    their own division (an office may assign to the chiefs of its own division)."""
    if not _covers(chief_code, division_code):
        return False
    if actor_scope is None or actor_scope.everything:
        return True
    mine = actor_scope.division_code or ""
    below = chief_code != mine or actor_scope.role == "office"
    return bool(mine) and _covers(mine, chief_code) and below


def assignee(actor, problem: Problem, fields: dict[str, Any], *, default_department=None):
    """(department, user) the problem goes to: one department, or one chief below the actor."""
    from riverchief.accounts.models import User
    from riverchief.registry.models import Department

    code = text(fields, "department_code", max_length=40)
    username = text(fields, "assignee_username", max_length=150)
    if code and username:
        raise DomainError(
            _("Assign to a department or to a chief, not both."),
            field="assignee_username",
            code="invalid",
        )
    division_code = problem.division.code
    if username:
        user = User.objects.select_related("division").filter(username=username).first()
        if user is None or not user.is_active:
            raise NotFound(_("Unknown user."), field="assignee_username")
        chief_code = user.division.code if user.division_id else None
        if user.role != "chief" or not chief_code or not _covers(chief_code, division_code):
            raise DomainError(
                _("Assign to a chief whose division holds the problem."),
                field="assignee_username",
                code="assignee_out_of_scope",
            )
        if actor is not None and not chief_may_take(scope_of(actor), chief_code, division_code):
            raise Forbidden(
                _("You may assign only to chiefs below you."), field="assignee_username"
            )
        return None, user
    if code:
        department = Department.objects.select_related("division").filter(code=code).first()
        if actor is not None and department is not None:
            visible = Department.objects.visible_to(actor).filter(pk=department.pk).exists()
            department = department if visible else None
        if department is None:
            raise NotFound(_("Unknown department code."), field="department_code")
    else:
        department = default_department
        if department is None:
            raise DomainError(
                _("Choose the department or chief to assign to."),
                field="department_code",
                code="required",
            )
    if not _covers(department.division.code, division_code):
        raise DomainError(
            _("%(department)s does not serve the problem's division."),
            field="department_code",
            params={"department": department.name},
            code="assignee_out_of_scope",
        )
    return department, None


def problem_ref(viewer, value: Any, field: str) -> Problem:
    """A problem the viewer can see, by id or number."""
    ref = str(value or "").strip()
    if not ref:
        raise DomainError(_("This field is required."), field=field, code="required")
    rows = Problem.objects.visible_to(viewer) if viewer is not None else Problem.objects.all()
    found = rows.filter(pk=int(ref)).first() if ref.isdigit() else rows.filter(number=ref).first()
    if found is None:
        raise NotFound(_("Unknown problem."), field=field)
    return found
