"""The office's rules as rows: validity thresholds and patrol frequency per level and role."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from riverchief.core import audit
from riverchief.core.errors import DomainError, Forbidden, NotFound
from riverchief.core.scoping import scope_of
from riverchief.patrols import frequency, validity
from riverchief.patrols.models import FrequencyRule, ValidityRule


def validity_rule(level: str, role: str) -> validity.Rule:
    """The most specific row for (level, role): exact, then level only, role only, default."""
    rows = {(r.level, r.role): r.settings for r in ValidityRule.objects.all()}
    for key in ((level, role), (level, ""), ("", role), ("", "")):
        if key in rows:
            try:
                return validity.Rule.from_dict(rows[key])
            except (TypeError, ValueError):
                break
    return validity.Rule()


def frequency_rules() -> dict[tuple[str, str], frequency.FrequencyRule]:
    rules = dict(frequency.DEFAULTS)
    for row in FrequencyRule.objects.all():
        try:
            rules[(row.level, row.role)] = frequency.FrequencyRule(
                row.period, row.times, tuple(row.active_months or frequency.ALL_MONTHS)
            )
        except ValueError:
            continue
    return rules


def _require_office(actor) -> None:
    scope = scope_of(actor)
    if not (scope.everything or (scope.authenticated and scope.role == "office")):
        raise Forbidden(_("Your role may not do this."))


@transaction.atomic
def update_validity_rule(actor, rule_id: int, data: dict[str, Any]) -> ValidityRule:
    """Change thresholds of one validity rule (office); checked by `validity.Rule`."""
    _require_office(actor)
    row = ValidityRule.objects.select_for_update().filter(pk=rule_id).first()
    if row is None:
        raise NotFound(_("No such rule."))
    before = audit.snapshot(row)
    merged = {**validity.Rule().as_dict(), **row.settings, **data}
    try:
        rule = validity.Rule.from_dict(merged)
    except (TypeError, ValueError) as error:
        raise DomainError(
            _("Invalid value: %(reason)s"), field="settings", params={"reason": str(error)}
        ) from None
    row.settings = rule.as_dict()
    row.updated_at = timezone.now()
    row.save()
    old, new = audit.changed(before, audit.snapshot(row))
    audit.record(actor, "update", row, before=old, after=new)
    return row


@transaction.atomic
def update_frequency_rule(actor, rule_id: int, data: dict[str, Any]) -> FrequencyRule:
    """Change how often a level and role must patrol (office)."""
    _require_office(actor)
    row = FrequencyRule.objects.select_for_update().filter(pk=rule_id).first()
    if row is None:
        raise NotFound(_("No such rule."))
    before = audit.snapshot(row)
    period = data.get("period", row.period)
    times = data.get("times", row.times)
    months = data.get("active_months", row.active_months)
    try:
        checked = frequency.FrequencyRule(str(period), int(times), tuple(int(m) for m in months))
    except (TypeError, ValueError) as error:
        raise DomainError(
            _("Invalid value: %(reason)s"), field="period", params={"reason": str(error)}
        ) from None
    row.period, row.times = checked.period, checked.times
    row.active_months = sorted(set(checked.active_months))
    row.updated_at = timezone.now()
    row.save()
    old, new = audit.changed(before, audit.snapshot(row))
    audit.record(actor, "update", row, before=old, after=new)
    return row
