"""Changes to divisions and departments, each audited in its transaction."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from riverchief.core import audit, divcodes
from riverchief.core.errors import DomainError, Forbidden
from riverchief.core.scoping import scope_of
from riverchief.registry.models import Department, Division


def _check_may_change(actor, division_code: str) -> None:
    if actor is None:  # the command line and the demo loader act for the installation
        return
    scope = scope_of(actor)
    scope.require("registry.change")
    if not scope.covers_division(division_code):
        raise Forbidden(_("That division lies outside your scope."), field="division")


@transaction.atomic
def upsert_division(actor, *, code: str, name: str, is_demo: bool = False) -> Division:
    """Create or rename a division; its level and parent follow from the code."""
    try:
        full = divcodes.normalize(code)
    except divcodes.InvalidCode as error:
        raise DomainError(_("Invalid division code."), field="code") from error
    name = (name or "").strip()
    if not name:
        raise DomainError(_("A name is required."), field="name")
    _check_may_change(actor, full)
    parent_code = divcodes.parent(full)
    parent = None
    if parent_code is not None:
        parent = Division.objects.filter(code=parent_code).first()
        if parent is None:
            raise DomainError(
                _("The parent division %(code)s does not exist."),
                field="code",
                params={"code": divcodes.short(parent_code)},
            )
    existing = Division.objects.select_for_update().filter(code=full).first()
    if existing is None:
        division = Division.objects.create(
            code=full, name=name, level=divcodes.level_of(full), parent=parent, is_demo=is_demo
        )
        audit.record(actor, "create", division, after=audit.snapshot(division), division_code=full)
        return division
    before = audit.snapshot(existing)
    existing.name, existing.is_demo = name, is_demo
    existing.save(update_fields=["name", "is_demo"])
    old, new = audit.changed(before, audit.snapshot(existing))
    if new:
        audit.record(actor, "update", existing, before=old, after=new, division_code=full)
    return existing


@transaction.atomic
def upsert_department(
    actor, *, code: str, name: str, division: Division, short_name: str = "", is_demo=False
) -> Department:
    code = (code or "").strip()
    if not code:
        raise DomainError(_("A code is required."), field="code")
    _check_may_change(actor, division.code)
    department, created = Department.objects.select_for_update().get_or_create(
        code=code,
        defaults={"name": name, "short_name": short_name, "division": division, "is_demo": is_demo},
    )
    if created:
        audit.record(
            actor,
            "create",
            department,
            after=audit.snapshot(department),
            division_code=division.code,
        )
        return department
    before = audit.snapshot(department)
    department.name, department.short_name, department.division = name, short_name, division
    department.is_demo = is_demo
    department.save()
    old, new = audit.changed(before, audit.snapshot(department))
    if new:
        audit.record(
            actor, "update", department, before=old, after=new, division_code=division.code
        )
    return department
