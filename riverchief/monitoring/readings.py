"""Measured values as they arrive: 7.2, "0.05", "ND", "未检出", "<0.01", "0.01L". Pure Python.

Below the detection limit the number used is ½ × the detection limit, in the class and in every
mean (环办监测函〔2020〕82号 point 7; docs/water-quality.md §11.6). "<x" and "xL" (the Chinese lab
convention) carry their own limit x; "ND" and "未检出" take it from `detection_limits`; a number
below a given detection limit is treated as below it too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from riverchief.monitoring.gb3838 import (
    CODES,
    InputError,
    check_range,
    gettext_noop,
    item,
    to_decimal,
)

NOT_DETECTED = frozenset({"nd", "n.d.", "未检出"})
LESS_THAN = ("<", "＜")
MAX_TEXT = 40
SATURATION_RANGE = (Decimal(0), Decimal(1000))  # per cent; supersaturation reaches ~300 %


@dataclass(frozen=True)
class Reading:
    """One parameter's value as used by the evaluation."""

    code: str
    value: Decimal  # ½ × detection limit when below it
    below_detection: bool = False
    detection_limit: Decimal | None = None


def _field(prefix: str, name: str) -> str:
    return f"{prefix}{name}"


def _not_a_number(field: str | None) -> InputError:
    return InputError(
        "not_a_number",
        gettext_noop("Give a number, “ND”, “未检出” or “<x” (below the detection limit x)."),
        field,
    )


def parse_number(raw: object, field: str | None) -> Decimal:
    """A JSON number or numeric text → Decimal; anything else is an InputError at `field`."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        raise InputError("empty", gettext_noop("Give a value."), field)
    if isinstance(raw, bool) or not isinstance(raw, int | float | str | Decimal):
        raise InputError("not_a_number", gettext_noop("Give a finite number."), field)
    if isinstance(raw, str) and len(raw) > MAX_TEXT:
        raise InputError("not_a_number", gettext_noop("Give a finite number."), field)
    try:
        return to_decimal(raw.strip() if isinstance(raw, str) else raw)
    except ValueError:
        raise InputError("not_a_number", gettext_noop("Give a finite number."), field) from None


def parse_detection_limit(code: str, raw: object, field: str | None) -> Decimal:
    """A detection limit: a positive number inside the item's physical range."""
    limit = parse_number(raw, field)
    if limit <= 0:
        raise InputError(
            "bad_detection_limit",
            gettext_noop("A detection limit must be a number above zero."),
            field,
        )
    return check_range(code, limit, field)


def parse_reading(
    code: str, raw: object, detection_limit: Decimal | None = None, field: str | None = None
) -> Reading:
    """One raw value → Reading, or an InputError naming `field`."""
    spec = item(code, field)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        raise InputError("empty", gettext_noop("Give a value."), field)
    censored_at: Decimal | None = None
    if isinstance(raw, str):
        text = raw.strip()
        if len(text) > MAX_TEXT:
            raise _not_a_number(field)
        if text.lower() in NOT_DETECTED:
            if detection_limit is None:
                raise InputError(
                    "needs_detection_limit",
                    gettext_noop(
                        "“%(text)s” needs a detection limit: give detection_limits.%(code)s "
                        "or write “<x”."
                    ),
                    field,
                    {"text": text, "code": code},
                )
            censored_at = detection_limit
        elif text.startswith(LESS_THAN) or (text[-1:] in ("L", "l") and len(text) > 1):
            bare = text[1:] if text.startswith(LESS_THAN) else text[:-1]
            try:
                number = to_decimal(bare.strip())
            except ValueError:
                raise _not_a_number(field) from None
            censored_at = parse_detection_limit(code, number, field)
        else:
            try:
                number = to_decimal(text)
            except ValueError:
                raise _not_a_number(field) from None
    else:
        if isinstance(raw, bool) or not isinstance(raw, int | float | Decimal):
            raise _not_a_number(field)
        try:
            number = to_decimal(raw)
        except ValueError:
            raise _not_a_number(field) from None
    if censored_at is None:
        check_range(code, number, field)
        if detection_limit is None or number >= detection_limit:
            return Reading(code, number)
        censored_at = detection_limit
    if not spec.censorable:
        raise InputError(
            "not_censorable",
            gettext_noop("%(code)s is not reported below a detection limit: give the number."),
            field,
            {"code": code},
        )
    return Reading(code, censored_at / 2, below_detection=True, detection_limit=censored_at)


def parse_readings(
    values: object, detection_limits: object = None, prefix: str = ""
) -> dict[str, Reading]:
    """The `values` and `detection_limits` of a request → Readings, in table order."""
    limits: dict[str, Decimal] = {}
    if detection_limits is not None:
        if not isinstance(detection_limits, Mapping):
            raise InputError(
                "not_an_object",
                gettext_noop("Give an object of parameter codes and numbers."),
                _field(prefix, "detection_limits"),
            )
        for code, raw in detection_limits.items():
            field = _field(prefix, f"detection_limits.{code}")
            limits[item(str(code), field).code] = parse_detection_limit(str(code), raw, field)
    if not isinstance(values, Mapping):
        raise InputError(
            "not_an_object",
            gettext_noop("Give an object of parameter codes and numbers."),
            _field(prefix, "values"),
        )
    if not values:
        raise InputError(
            "no_values", gettext_noop("Give at least one value."), _field(prefix, "values")
        )
    readings: dict[str, Reading] = {}
    for code, raw in values.items():
        field = _field(prefix, f"values.{code}")
        spec = item(str(code), field)
        readings[spec.code] = parse_reading(spec.code, raw, limits.get(spec.code), field)
    return {code: readings[code] for code in CODES if code in readings}


def parse_saturation(raw: object, field: str | None) -> Decimal | None:
    """DO saturation in per cent, or None when not given."""
    if raw is None:
        return None
    number = parse_number(raw, field)
    low, high = SATURATION_RANGE
    if not low <= number <= high:
        raise InputError(
            "out_of_range",
            gettext_noop("Outside the physical range %(low)s to %(high)s."),
            field,
            {"low": str(low), "high": str(high)},
        )
    return number
