"""GB 3838-2002 surface-water classes for one item, exact and vectorised. Pure Python, no Django.

The limits are versioned data (limits/gb3838-2002.json, §11.1 of docs/water-quality.md), loaded
at import. A value belongs to the best class whose limit it meets, boundaries inclusive in the
direction of the limit (≤ for upper limits, ≥ for DO; §11.3): 0.2 mg/L TP on a river is III.

Two forms give the same answers:
- `classify_value` compares decimals exactly. A float is read through its shortest repr, so
  0.2 is the decimal 0.2, not the binary 0.2000000000000000111.
- `classify_array` / `classify_long` compare float64 arrays with float64 limits parsed from the
  same decimal text; for values written with up to 15 significant digits the order is the same.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import IntEnum
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

STANDARD = "GB3838-2002"
RULES = "GB 3838-2002, 环办〔2011〕22号"
LIMITS_FILE = Path(__file__).with_name("limits") / "gb3838-2002.json"

WaterbodyType = Literal["river", "lake"]
Role = Literal["class", "reference", "reported", "trophic"]
Direction = Literal["upper", "lower", "range", "none"]

FloatArray = npt.NDArray[np.float64]
GradeArray = npt.NDArray[np.int8]


def gettext_noop(message: str) -> str:
    """Marks an English msgid for the catalogue; the API translates it when it renders the error."""
    return message


class InputError(ValueError):
    """Input the rules cannot evaluate: `message` is an English msgid with %(name)s params."""

    def __init__(
        self,
        code: str,
        message: str,
        field: str | None = None,
        params: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message % params if params else message)
        self.code = code
        self.message = message
        self.field = field
        self.params = params or {}


class Grade(IntEnum):
    """Water-quality class; 6 is 劣V (worse than V)."""

    I = 1  # noqa: E741 - the standard's own name
    II = 2
    III = 3
    IV = 4
    V = 5
    WORSE_THAN_V = 6

    @property
    def label(self) -> str:
        return LABELS[self]

    @property
    def status(self) -> str:
        return STATUS[self]

    @property
    def colour(self) -> str:
        return COLOURS[self]


LABELS = {
    Grade.I: "I",
    Grade.II: "II",
    Grade.III: "III",
    Grade.IV: "IV",
    Grade.V: "V",
    Grade.WORSE_THAN_V: "劣V",
}
# 环办〔2011〕22号 表1 (§11.10): I–II 优, III 良好, IV 轻度污染, V 中度污染, 劣V 重度污染.
STATUS = {
    Grade.I: "优",
    Grade.II: "优",
    Grade.III: "良好",
    Grade.IV: "轻度污染",
    Grade.V: "中度污染",
    Grade.WORSE_THAN_V: "重度污染",
}
COLOURS = {
    Grade.I: "blue",
    Grade.II: "blue",
    Grade.III: "green",
    Grade.IV: "yellow",
    Grade.V: "orange",
    Grade.WORSE_THAN_V: "red",
}
STATUS_WORDS = ("优", "良好", "轻度污染", "中度污染", "重度污染")

# Full-width Roman numerals (Ⅲ) are how the classes are usually typed in Chinese documents.
_GRADE_ALIASES = {
    **{label: grade for grade, label in LABELS.items()},
    "Ⅰ": Grade.I,
    "Ⅱ": Grade.II,
    "Ⅲ": Grade.III,
    "Ⅳ": Grade.IV,
    "Ⅴ": Grade.V,
    "劣Ⅴ": Grade.WORSE_THAN_V,
}


def parse_grade(
    text: object, field: str | None = None, *, allow_worse_than_v: bool = True
) -> Grade:
    """A class as written ("III", "Ⅲ", "劣V") → Grade; anything else is an InputError."""
    grade = _GRADE_ALIASES.get(text.strip()) if isinstance(text, str) else None
    if grade is None or (grade is Grade.WORSE_THAN_V and not allow_worse_than_v):
        if allow_worse_than_v:
            message = gettext_noop("Unknown class “%(value)s”: use I, II, III, IV, V or 劣V.")
        else:
            message = gettext_noop("Unknown class “%(value)s”: use I, II, III, IV or V.")
        raise InputError("unknown_class", message, field, {"value": str(text)[:40]})
    return grade


@dataclass(frozen=True)
class Item:
    """One parameter of the table: its limits, direction and role in the evaluation."""

    code: str
    name: str
    name_en: str
    unit: str
    role: Role
    direction: Direction
    limits: tuple[Decimal, ...]
    lake_limits: tuple[Decimal, ...] | None
    low: Decimal  # physical range of a valid measurement
    high: Decimal
    censorable: bool  # may be reported below a detection limit
    saturation_class_i_pct: Decimal | None

    def limits_for(self, waterbody: WaterbodyType) -> tuple[Decimal, ...]:
        if waterbody == "lake" and self.lake_limits is not None:
            return self.lake_limits
        return self.limits

    @property
    def has_multiple(self) -> bool:
        """超标倍数 exists for upper-limit items only (none for pH, DO, WT; §11.7)."""
        return self.direction == "upper"


def _decimals(values: list[Any]) -> tuple[Decimal, ...]:
    return tuple(Decimal(str(value)) for value in values)


def _load(path: Path) -> tuple[str, dict[str, Item]]:
    data = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
    items: dict[str, Item] = {}
    for row in data["items"]:
        limits = _decimals(row.get("limits", []))
        lake = _decimals(row["lake_limits"]) if "lake_limits" in row else None
        low, high = _decimals(row["physical"])
        saturation = row.get("saturation_class_I_pct")
        item = Item(
            code=row["code"],
            name=row["name"],
            name_en=row["name_en"],
            unit=row["unit"],
            role=row["role"],
            direction=row["direction"],
            limits=limits,
            lake_limits=lake,
            low=low,
            high=high,
            censorable=row.get("censorable", True),
            saturation_class_i_pct=None if saturation is None else Decimal(str(saturation)),
        )
        for table in (limits, lake) if lake else (limits,):
            if item.direction == "upper" and (len(table) != 5 or list(table) != sorted(table)):
                raise ValueError(f"{path}: {item.code} upper limits must be 5 and non-decreasing")
            if item.direction == "lower" and (
                len(table) != 5 or list(table) != sorted(table, reverse=True)
            ):
                raise ValueError(f"{path}: {item.code} lower limits must be 5 and non-increasing")
        items[item.code] = item
    return str(data["version"]), items


VERSION, ITEMS = _load(LIMITS_FILE)
CODES = tuple(ITEMS)
CLASS_ITEMS = tuple(code for code, item in ITEMS.items() if item.role == "class")
REFERENCE_ITEMS = tuple(code for code, item in ITEMS.items() if item.role == "reference")


def item(code: str, field: str | None = None) -> Item:
    """The item with this parameter code, or an InputError naming the field."""
    found = ITEMS.get(code)
    if found is None:
        raise InputError(
            "unknown_parameter",
            gettext_noop("Unknown parameter code “%(code)s”; use one of %(codes)s."),
            field,
            {"code": str(code)[:40], "codes": ", ".join(CODES)},
        )
    return found


def to_decimal(value: Decimal | float | int | str) -> Decimal:
    """A float is read through its shortest repr (0.2 → Decimal("0.2")); raises ValueError."""
    if isinstance(value, bool):
        raise ValueError("a boolean is not a number")
    if isinstance(value, float):
        value = repr(value)
    try:
        number = Decimal(value)
    except (InvalidOperation, ValueError, TypeError):
        raise ValueError(f"not a number: {value!r}") from None
    if not number.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return number


def check_range(code: str, value: Decimal, field: str | None = None) -> Decimal:
    """The value if it lies in the item's physical range; otherwise an InputError."""
    spec = item(code, field)
    if value < 0 and spec.low == 0 and spec.unit:  # pH (no unit) gets the range message
        raise InputError("negative", gettext_noop("A measured value cannot be negative."), field)
    if not spec.low <= value <= spec.high:
        raise InputError(
            "out_of_range",
            gettext_noop("Outside the physical range %(low)s to %(high)s."),
            field,
            {"low": _plain(spec.low), "high": _plain(spec.high)},
        )
    return value


def _plain(number: Decimal) -> str:
    return format(number.normalize(), "f")


def classify_value(
    code: str,
    value: Decimal | float | int | str,
    waterbody: WaterbodyType = "river",
    do_saturation_pct: Decimal | float | None = None,
) -> Grade:
    """The class of one measured value (already corrected for the detection limit)."""
    spec = item(code, code)
    if spec.direction == "none":
        raise ValueError(f"{code} has no class limits")
    try:
        number = to_decimal(value)
    except ValueError:
        raise InputError("not_a_number", gettext_noop("Give a finite number."), code) from None
    check_range(code, number, code)
    if spec.direction == "range":
        low, high = spec.limits
        return Grade.I if low <= number <= high else Grade.WORSE_THAN_V
    if spec.direction == "lower":
        if (
            do_saturation_pct is not None
            and spec.saturation_class_i_pct is not None
            and to_decimal(do_saturation_pct) >= spec.saturation_class_i_pct
        ):
            return Grade.I
        for grade, limit in zip(Grade, spec.limits, strict=False):
            if number >= limit:
                return grade
        return Grade.WORSE_THAN_V
    for grade, limit in zip(Grade, spec.limits_for(waterbody), strict=False):
        if number <= limit:
            return grade
    return Grade.WORSE_THAN_V


def exceedance_multiple(code: str, value: Decimal, waterbody: WaterbodyType = "river") -> Decimal:
    """超标倍数 (C − C_III) / C_III, exact; negative when the value meets class III."""
    limit = item(code).limits_for(waterbody)[Grade.III - 1]
    return (value - limit) / limit


# --- vectorised -------------------------------------------------------------------------------
# Rows: every item in table order, then TP with the lake limits. For a row, the grade is
# 1 + the number of limits the value fails: sign · value > sign · limit (sign +1 upper, −1 lower).

_ROW_CODES = (*CODES, "TP@lake")
ROW = {code: index for index, code in enumerate(CODES)}
_TP_LAKE_ROW = len(CODES)
_PH_ROW = ROW["pH"]
_DO_ROW = ROW["DO"]


def _row_tables() -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, npt.NDArray[np.bool_]]:
    rows = len(_ROW_CODES)
    signed = np.zeros((5, rows), dtype=np.float64)
    sign = np.zeros(rows, dtype=np.float64)
    low = np.zeros(rows, dtype=np.float64)
    high = np.zeros(rows, dtype=np.float64)
    classified = np.zeros(rows, dtype=np.bool_)
    for row, code in enumerate(_ROW_CODES):
        spec = ITEMS[code.split("@")[0]]
        limits = spec.limits_for("lake" if code.endswith("@lake") else "river")
        low[row], high[row] = float(spec.low), float(spec.high)
        classified[row] = spec.direction != "none"
        if spec.direction in ("upper", "lower"):
            sign[row] = 1.0 if spec.direction == "upper" else -1.0
            signed[:, row] = [sign[row] * float(limit) for limit in limits]
    return signed, sign, low, high, classified


_SIGNED_LIMITS, _SIGN, _LOW, _HIGH, _CLASSIFIED = _row_tables()
_PH_LOW, _PH_HIGH = (float(limit) for limit in ITEMS["pH"].limits)
_SATURATION_I = float(ITEMS["DO"].saturation_class_i_pct or 0)


def row_indices(codes: npt.ArrayLike) -> npt.NDArray[np.intp]:
    """Parameter codes → row numbers for `classify_long`."""
    return np.array([ROW[item(str(code)).code] for code in np.asarray(codes).ravel()], np.intp)


def classify_long(
    rows: npt.ArrayLike,
    values: npt.ArrayLike,
    lake: bool | npt.ArrayLike = False,
    do_saturation_pct: npt.ArrayLike | None = None,
) -> GradeArray:
    """Grades (1–6; 0 where the value is NaN) of values of mixed items, one row number each.

    Values outside an item's physical range raise InputError (field: the index in the array).
    """
    row = np.asarray(rows, dtype=np.intp)
    value = np.asarray(values, dtype=np.float64)
    if row.shape != value.shape:
        raise ValueError("rows and values must have the same shape")
    if row.size and (row.min() < 0 or row.max() >= _TP_LAKE_ROW):
        raise ValueError("row number out of range")
    if not np.all(_CLASSIFIED[row]):
        raise ValueError(f"{CODES[int(row[~_CLASSIFIED[row]][0])]} has no class limits")
    is_lake = np.asarray(lake, dtype=np.bool_)
    if is_lake.any():
        row = np.where(is_lake & (row == ROW["TP"]), _TP_LAKE_ROW, row)
    missing = np.isnan(value)
    bad = ~missing & ((value < _LOW[row]) | (value > _HIGH[row]))
    if bad.any():
        first = int(np.flatnonzero(bad.ravel())[0])
        code = _ROW_CODES[int(row.ravel()[first])].split("@")[0]
        check_range(code, Decimal(repr(float(value.ravel()[first]))), str(first))
    signed = value * _SIGN[row]
    grade = np.ones(value.shape, dtype=np.int8)
    for limits in _SIGNED_LIMITS:
        grade += signed > limits[row]
    ph = row == _PH_ROW
    if ph.any():
        inside = (value >= _PH_LOW) & (value <= _PH_HIGH)
        grade[ph] = np.where(inside[ph], Grade.I, Grade.WORSE_THAN_V)
    if do_saturation_pct is not None:
        saturation = np.asarray(do_saturation_pct, dtype=np.float64)
        grade[(row == _DO_ROW) & (saturation >= _SATURATION_I)] = Grade.I
    grade[missing] = 0
    return grade


def classify_array(
    code: str,
    values: npt.ArrayLike,
    waterbody: WaterbodyType = "river",
    do_saturation_pct: npt.ArrayLike | None = None,
) -> GradeArray:
    """Grades of many values of one item (0 where NaN); the vectorised `classify_value`."""
    value = np.asarray(values, dtype=np.float64)
    rows = np.full(value.shape, ROW[item(code, code).code], dtype=np.intp)
    saturation = None
    if do_saturation_pct is not None:
        saturation = np.broadcast_to(np.asarray(do_saturation_pct, np.float64), value.shape)
    return classify_long(rows, value, waterbody == "lake", saturation)


def sample_grades(
    values: Mapping[str, npt.ArrayLike],
    waterbody: WaterbodyType = "river",
    do_saturation_pct: npt.ArrayLike | None = None,
) -> GradeArray:
    """Section classes of many samples at once: the worst class item by item (0: none measured).

    `values` maps a parameter code to one array per code, one element per sample; only the 21
    class items count, the others are ignored as in the scalar evaluation.
    """
    worst: GradeArray | None = None
    for code, array in values.items():
        if item(code, code).role != "class":
            continue
        saturation = do_saturation_pct if code == "DO" else None
        grades = classify_array(code, array, waterbody, saturation)
        worst = grades if worst is None else np.maximum(worst, grades)
    if worst is None:
        raise ValueError("no class item given")
    return worst
