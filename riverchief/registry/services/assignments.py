"""Chief assignments: who holds which role for which reach, with history kept for ever."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from riverchief.core import audit
from riverchief.core.errors import DomainError, NotFound
from riverchief.core.models import AuditEntry
from riverchief.core.requestlocal import current_ip
from riverchief.registry.models import (
    SINGLE_HOLDER_ROLES,
    AssignmentRole,
    ChiefAssignment,
    ChiefLevel,
    Department,
    Reach,
    WaterBody,
)
from riverchief.registry.services.common import check_may_change, division_by_code, text


def _date(data: dict[str, Any], field: str, default: date | None) -> date | None:
    value = data.get(field)
    if value in (None, ""):
        return default
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        raise DomainError(_("This must be a date (YYYY-MM-DD)."), field=field) from None


def _person(data: dict[str, Any]) -> dict[str, Any]:
    from riverchief.accounts.models import User

    user = None
    username = text(data, "username", max_length=150)
    if username:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise NotFound(_("No such user."), field="username")
    name = text(data, "person_name", max_length=60) or (user.full_name if user else "")
    if not name:
        raise DomainError(_("This field is required."), field="person_name", code="required")
    return {
        "person_name": name,
        "person_phone": text(data, "person_phone", max_length=20) or (user.phone if user else ""),
        "position": text(data, "position", max_length=80),
        "user": user,
    }


def _role_and_level(data: dict[str, Any]) -> tuple[str, str]:
    role = text(data, "role", required=True)
    if role not in AssignmentRole.values:
        raise DomainError(
            _("Must be one of: %(values)s."),
            field="role",
            params={"values": ", ".join(AssignmentRole.values)},
        )
    level = text(data, "level", required=True)
    if level not in ChiefLevel.values:
        raise DomainError(
            _("Must be one of: %(values)s."),
            field="level",
            params={"values": ", ".join(ChiefLevel.values)},
        )
    return role, level


def _department(data: dict[str, Any]) -> Department | None:
    code = text(data, "contact_department_code", max_length=40)
    if not code:
        return None
    department = Department.objects.filter(code=code).first()
    if department is None:
        raise NotFound(_("Unknown department code."), field="contact_department_code")
    return department


@transaction.atomic
def assign_person(actor, data: dict[str, Any]) -> ChiefAssignment:
    """Give a person a role on one reach or water body. For a 河长/湖长 the previous holder at
    that level is ended the day before, so history shows who held it when."""
    role, level = _role_and_level(data)
    person = _person(data)
    start = _date(data, "start_date", timezone.localdate())
    reach = water_body = None
    if text(data, "reach_code"):
        reach = (
            Reach.objects.select_related("division").filter(code=text(data, "reach_code")).first()
        )
        if reach is None:
            raise NotFound(_("Unknown reach code."), field="reach_code")
        division = reach.division
    elif text(data, "water_body_code"):
        water_body = WaterBody.objects.filter(code=text(data, "water_body_code")).first()
        if water_body is None:
            raise NotFound(_("Unknown water body code."), field="water_body_code")
        division = (
            division_by_code(data["division_code"])
            if data.get("division_code")
            else water_body.division
        )
    else:
        raise DomainError(_("Name a reach or a water body."), field="reach_code", code="required")
    check_may_change(actor, division.code)
    if role in SINGLE_HOLDER_ROLES:
        current = ChiefAssignment.objects.select_for_update().filter(
            reach=reach,
            water_body=water_body if reach is None else None,
            level=level,
            role=role,
            end_date__isnull=True,
        )
        if reach is None:
            current = current.filter(division=division)
        for old in current:
            if old.start_date >= start:
                raise DomainError(
                    _("The new holder must start after %(date)s, when the current one started."),
                    field="start_date",
                    params={"date": old.start_date.isoformat()},
                )
            old.end_date = start - timedelta(days=1)
            old.save(update_fields=["end_date"])
            audit.record(
                actor,
                "end",
                old,
                before={"end_date": None},
                after={"end_date": old.end_date},
                division_code=division.code,
            )
    assignment = ChiefAssignment.objects.create(
        **person,
        role=role,
        level=level,
        reach=reach,
        water_body=water_body,
        division=division,
        contact_department=_department(data),
        start_date=start,
        is_demo=bool(data.get("is_demo", False)),
    )
    audit.record(
        actor, "create", assignment, after=audit.snapshot(assignment), division_code=division.code
    )
    return assignment


@transaction.atomic
def assign_person_to_reaches(actor, data: dict[str, Any], reach_codes: list[str]) -> int:
    """One person takes a role on many reaches at once (e.g. a new township chief): ends the
    previous holders and starts the new rows in a handful of statements. Returns the count."""
    role, level = _role_and_level(data)
    person = _person(data)
    start = _date(data, "start_date", timezone.localdate())
    codes = sorted({str(code).strip() for code in reach_codes if str(code).strip()})
    if not codes:
        raise DomainError(_("Name at least one reach."), field="reach_codes", code="required")
    reaches = list(Reach.objects.select_related("division").filter(code__in=codes))
    missing = sorted(set(codes) - {reach.code for reach in reaches})
    if missing:
        raise NotFound(
            _("Unknown reach codes: %(codes)s"),
            field="reach_codes",
            params={"codes": ", ".join(missing[:20])},
        )
    for division_code in {reach.division.code for reach in reaches}:
        check_may_change(actor, division_code)
    department = _department(data)
    reach_ids = [reach.id for reach in reaches]
    if role in SINGLE_HOLDER_ROLES:
        current = ChiefAssignment.objects.filter(
            reach_id__in=reach_ids, level=level, role=role, end_date__isnull=True
        )
        if current.filter(start_date__gte=start).exists():
            raise DomainError(
                _("The new holder must start after the current holders started."),
                field="start_date",
            )
        ended = list(current.values_list("id", "division__code"))
        current.update(end_date=start - timedelta(days=1))
        _bulk_audit(actor, "end", ended, {"end_date": (start - timedelta(days=1)).isoformat()})
    created = ChiefAssignment.objects.bulk_create(
        [
            ChiefAssignment(
                **person,
                role=role,
                level=level,
                reach=reach,
                division=reach.division,
                contact_department=department,
                start_date=start,
                is_demo=bool(data.get("is_demo", False)),
            )
            for reach in reaches
        ]
    )
    snapshot = {
        "person_name": person["person_name"],
        "role": role,
        "level": level,
        "start_date": start.isoformat(),
    }
    _bulk_audit(
        actor,
        "create",
        [(row.pk, reach.division.code) for row, reach in zip(created, reaches, strict=True)],
        snapshot,
    )
    return len(created)


def _bulk_audit(actor, action: str, rows: list[tuple[int, str]], after: dict[str, Any]) -> None:
    """One audit entry per row, written in one statement (the log stays per object)."""
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    now = timezone.now()
    AuditEntry.objects.bulk_create(
        [
            AuditEntry(
                at=now,
                actor=actor if authenticated else None,
                actor_name=actor.get_username() if authenticated else "system",
                action=action,
                object_type="registry.chiefassignment",
                object_id=str(pk),
                object_repr=f"{after.get('person_name', '')} {after.get('role', '')}".strip(),
                division_code=division_code,
                before={"end_date": None} if action == "end" else None,
                after=after,
                ip=current_ip(),
            )
            for pk, division_code in rows
        ],
        batch_size=500,
    )


@transaction.atomic
def end_assignment(actor, assignment_id: int, end_date: date | None = None) -> ChiefAssignment:
    assignment = ChiefAssignment.objects.select_for_update().filter(pk=assignment_id).first()
    if assignment is None:
        raise NotFound(_("Not found."))
    check_may_change(actor, assignment.division.code)
    end = end_date or timezone.localdate()
    if assignment.end_date is not None:
        raise DomainError(_("This assignment has already ended."), field="end_date")
    if end < assignment.start_date:
        raise DomainError(_("The end date is before the start date."), field="end_date")
    assignment.end_date = end
    assignment.save(update_fields=["end_date"])
    audit.record(
        actor,
        "end",
        assignment,
        before={"end_date": None},
        after={"end_date": end},
        division_code=assignment.division.code,
    )
    return assignment
