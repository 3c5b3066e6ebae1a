"""Record that a reach's boards were printed and put up (audited, in one transaction)."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from riverchief.core import audit
from riverchief.core.errors import DomainError, NotFound
from riverchief.core.scoping import scope_of
from riverchief.registry.models import Reach
from riverchief.signboards import content
from riverchief.signboards.models import SignboardPrint


@transaction.atomic
def record_put_up(actor, reach_code: str, printed_on: date | None = None) -> SignboardPrint:
    """The boards of this reach now show today's content (its version is stored)."""
    scope = scope_of(actor)
    reach = (
        Reach.objects.visible_to(actor)
        .select_related("division", "water_body")
        .filter(code=reach_code)
        .first()
    )
    if reach is None:
        raise NotFound(_("No such reach, or it lies outside your scope."))
    scope.require("signboards.change")
    if not scope.covers_division(reach.division.code):
        raise NotFound(_("No such reach, or it lies outside your scope."))
    today = timezone.localdate()
    printed_on = printed_on or today
    if printed_on > today:
        raise DomainError(_("The date cannot be in the future."), field="printed_on")
    version = content.board_for(reach, "").content_hash()
    row = SignboardPrint.objects.create(
        reach=reach, content_hash=version, printed_on=printed_on, recorded_by=actor
    )
    audit.record(
        actor,
        "signboard_put_up",
        row,
        after={"reach": reach.code, "content_hash": version, "printed_on": printed_on},
        division_code=reach.division.code,
    )
    return row
