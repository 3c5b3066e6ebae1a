"""Checking one property value of a posted entity, and the links between stations and the registry.

Every refusal is a DomainError naming the JSON field, so a client sees which member is wrong.
"""

from __future__ import annotations

import datetime
import math
from typing import Any

from django.utils.translation import gettext_lazy as _

from riverchief.core.errors import DomainError
from riverchief.monitoring import gb3838
from riverchief.sensorthings.entities import Prop
from riverchief.sensorthings.filtering import FilterError
from riverchief.sensorthings.queries import parse_time

MEASUREMENT = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement"
COUNT = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_CountObservation"
TRUTH = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_TruthObservation"
TEXT_LIMITS = {"name": 200, "encodingType": 100, "observationType": 200, "definition": 500}
MICRO = ("µg/L", "μg/L", "ug/L")
SAME_UNIT = {"℃": ("°C", "degC", "Cel"), "": ("", "pH")}


def time_value(raw: Any, field: str) -> datetime.datetime:
    if not isinstance(raw, str):
        raise DomainError(_("Give an ISO 8601 time as text."), field=field, code="bad_time")
    try:
        return parse_time(raw, field)
    except FilterError:
        raise DomainError(
            _(
                "Give an ISO 8601 time such as 2024-05-01T10:00:00+08:00 (a time without a zone is "
                "taken as Asia/Shanghai)."
            ),
            field=field,
            code="bad_time",
        ) from None


def interval_value(raw: Any, field: str) -> tuple[datetime.datetime, datetime.datetime | None]:
    """An instant, or an interval "start/end" with start ≤ end."""
    if isinstance(raw, str) and "/" in raw:
        start_text, _slash, end_text = raw.partition("/")
        start, end = time_value(start_text, field), time_value(end_text, field)
        if end < start:
            raise DomainError(
                _("The interval ends before it starts."), field=field, code="bad_interval"
            )
        return start, end
    return time_value(raw, field), None


def prop_columns(prop: Prop, raw: Any) -> dict[str, Any]:
    """The model columns for one property value, checked."""
    field = prop.name
    if raw is None:
        if prop.mandatory:
            raise DomainError(_("This property is mandatory."), field=field, code="required")
        if prop.kind == "interval":
            return {prop.column: None, prop.end_column: None}
        return {prop.column: "" if prop.kind == "text" else None}
    if prop.kind == "text":
        if not isinstance(raw, str):
            raise DomainError(_("Give this property as text."), field=field, code="not_text")
        limit = TEXT_LIMITS.get(prop.name)
        if limit and len(raw) > limit:
            raise DomainError(
                _("At most %(limit)s characters."),
                field=field,
                code="too_long",
                params={"limit": limit},
            )
        return {prop.column: raw}
    if prop.kind == "object":
        if not isinstance(raw, dict):
            raise DomainError(
                _("Give this property as a JSON object."), field=field, code="not_object"
            )
        return {prop.column: raw}
    if prop.kind == "time":
        return {prop.column: time_value(raw, field)}
    if prop.kind == "interval":
        start, end = interval_value(raw, field)
        return {prop.column: start, prop.end_column: end}
    if prop.name in ("location", "feature") and (not isinstance(raw, dict) or "type" not in raw):
        raise DomainError(
            _("Give a GeoJSON geometry or Feature (an object with a “type”)."),
            field=field,
            code="not_geojson",
        )
    return {prop.column: raw}


def result_number(observation_type: str, result: Any) -> float | None:
    """The numeric value of a result, checked against the Datastream's observationType."""
    is_number = isinstance(result, int | float) and not isinstance(result, bool)
    if observation_type == MEASUREMENT and not is_number:
        raise DomainError(
            _("This Datastream records measurements (OM_Measurement): give a number as result."),
            field="result",
            code="not_a_number",
        )
    if observation_type == COUNT and not (isinstance(result, int) and not isinstance(result, bool)):
        raise DomainError(_("Give a whole number as result."), field="result", code="not_a_number")
    if observation_type == TRUTH and not isinstance(result, bool):
        raise DomainError(_("Give true or false as result."), field="result", code="not_a_bool")
    if not is_number:
        return None
    number = float(result)
    if not math.isfinite(number):
        raise DomainError(_("Give a finite number."), field="result", code="not_a_number")
    return number


def parameter_code(name: str, definition: str, properties: dict | None) -> str:
    """The contract's parameter code an ObservedProperty measures, or "" when none fits.

    `properties.parameter_code` wins (and must be known); else the name or the last part of the
    definition URI is matched against the codes and the Chinese and English item names.
    """
    given = (properties or {}).get("parameter_code")
    if given is not None:
        if given not in gb3838.ITEMS:
            raise DomainError(
                _(
                    "Unknown parameter code “%(code)s”; use a code such as pH, DO, CODMn, NH3N, "
                    "TP, TN or WT."
                ),
                field="properties.parameter_code",
                code="unknown_parameter",
                params={"code": str(given)[:40]},
            )
        return str(given)
    tail = definition.rstrip("/").replace("#", "/").rsplit("/", 1)[-1]
    wanted = {name.strip().lower(), tail.strip().lower()}
    for code, item in gb3838.ITEMS.items():
        if wanted & {code.lower(), item.name.lower(), item.name_en.lower()}:
            return code
    return ""


def unit_factor(code: str, unit_of_measurement: dict | None) -> float | None:
    """Multiply by this to get the item's unit (µg/L → mg/L is 0.001); None: no known conversion."""
    symbol = str((unit_of_measurement or {}).get("symbol") or "").strip()
    unit = gb3838.ITEMS[code].unit
    if symbol == unit or symbol in SAME_UNIT.get(unit, ()):
        return 1.0
    if unit == "mg/L" and symbol in MICRO:
        return 0.001
    return None
