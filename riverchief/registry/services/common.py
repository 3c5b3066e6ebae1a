"""Checks shared by the registry's services: scope, required text, references by code."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from riverchief.core import divcodes
from riverchief.core.errors import DomainError, Forbidden, NotFound
from riverchief.core.scoping import scope_of
from riverchief.geo.shapes import GeometryError
from riverchief.registry.models import Division


def check_may_change(actor, division_code: str) -> None:
    """The actor may change registry rows of this division (None: CLI, demo loader, import)."""
    if actor is None:
        return
    scope = scope_of(actor)
    scope.require("registry.change")
    if not scope.covers_division(division_code):
        raise Forbidden(_("That division lies outside your scope."), field="division_code")


def text(data: dict[str, Any], field: str, *, required: bool = False, max_length: int = 200) -> str:
    value = data.get(field)
    value = "" if value is None else str(value).strip()
    if required and not value:
        raise DomainError(_("This field is required."), field=field, code="required")
    if len(value) > max_length:
        raise DomainError(
            _("At most %(n)d characters."), field=field, params={"n": max_length}, code="too_long"
        )
    return value


def optional_number(data: dict[str, Any], field: str) -> float | None:
    value = data.get(field)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise DomainError(_("This must be a number."), field=field, code="not_a_number") from None
    if number != number or number < 0:
        raise DomainError(_("This must not be negative."), field=field, code="negative")
    return number


def division_by_code(code: Any, field: str = "division_code") -> Division:
    try:
        full = divcodes.normalize(str(code or ""))
    except divcodes.InvalidCode:
        raise DomainError(_("Invalid division code."), field=field) from None
    division = Division.objects.filter(code=full).first()
    if division is None:
        raise NotFound(_("Unknown division code."), field=field)
    return division


def geometry_error(error: GeometryError, field: str = "geometry") -> DomainError:
    from riverchief.core.errors import Bilingual

    return DomainError(Bilingual(error.zh, error.en), field=field, code="invalid_geometry")
