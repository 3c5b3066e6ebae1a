"""Configured alarm limits (告警阈值): an item's upper and/or lower limit at one section, or at
every section (no section). A section's own limit wins over the installation's."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from riverchief.core import audit
from riverchief.core.errors import DomainError
from riverchief.core.scoping import scope_of
from riverchief.monitoring import gb3838
from riverchief.monitoring.models import Threshold
from riverchief.monitoring.sections import get as get_section


def record(row: Threshold) -> dict[str, Any]:
    return {
        "id": row.pk,
        "section_code": row.section.code if row.section_id else None,
        "parameter": row.parameter,
        "upper": row.upper,
        "lower": row.lower,
    }


def visible(user):
    """The installation's limits and those of the sections the user sees."""
    from riverchief.monitoring.sections import visible as sections

    rows = Threshold.objects.select_related("section")
    return rows.filter(section__isnull=True) | rows.filter(section__in=sections(user))


def _number(data: dict[str, Any], name: str) -> float | None:
    raw = data.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = float(gb3838.to_decimal(raw))
    except (ValueError, TypeError):
        raise DomainError(_("Give a number."), field=name, code="not_a_number") from None
    return value


@transaction.atomic
def save(actor, data: dict[str, Any]) -> Threshold:
    """Create or replace the limit for (section, parameter). Installation-wide limits are for
    system administrators; a section's for the office that sees it."""
    scope = scope_of(actor)
    scope.require("monitoring.change")
    code = str(data.get("parameter") or "")
    if code not in gb3838.ITEMS:
        raise DomainError(
            _("Unknown parameter code “%(code)s”."),
            field="parameter",
            params={"code": code[:40]},
            code="unknown_parameter",
        )
    upper, lower = _number(data, "upper"), _number(data, "lower")
    if upper is None and lower is None:
        raise DomainError(_("Give an upper or a lower limit."), field="upper", code="required")
    if upper is not None and lower is not None and lower >= upper:
        raise DomainError(_("The lower limit must be below the upper."), field="lower")
    section = None
    if data.get("section_code"):
        section = get_section(actor, str(data["section_code"])).facility
    elif not scope.everything:
        raise DomainError(
            _("Only a system administrator sets limits for every section."),
            field="section_code",
            code="required",
        )
    row = Threshold.objects.select_for_update().filter(section=section, parameter=code).first()
    before = audit.snapshot(row) if row else None
    row = row or Threshold(section=section, parameter=code)
    row.upper, row.lower = upper, lower
    row.save()
    audit.record(
        actor,
        "update" if before else "create",
        row,
        before=before,
        after=audit.snapshot(row),
        division_code=section.division.code if section else "",
    )
    return row
