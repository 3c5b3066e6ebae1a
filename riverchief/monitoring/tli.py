"""Trophic state of lakes and reservoirs: the comprehensive index TLI(Σ). Pure Python.

总站生字〔2001〕090号, taken over by 环办〔2011〕22号 (docs/water-quality.md §7, §11.9):
TLI(Σ) = Σ W_j · TLI(j), W_j = r_j² / Σ r_j² over the parameters present (renormalised when one is
missing), TLI(j) = 10 (a_j + b_j ln C_j). Coefficients and grades are data (limits/tli-2001.json).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from riverchief.monitoring.gb3838 import InputError, gettext_noop

TLI_FILE = Path(__file__).with_name("limits") / "tli-2001.json"


@dataclass(frozen=True)
class Coefficients:
    r: float  # correlation with chla (the base parameter)
    a: float
    b: float


@dataclass(frozen=True)
class TrophicState:
    """TLI(Σ), its grade, the single indices TLI(j) and the weights used."""

    value: float
    grade: str
    items: dict[str, float]
    weights: dict[str, float]


def _load(path: Path) -> tuple[str, dict[str, Coefficients], list[tuple[float | None, bool, str]]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    parameters = {
        code: Coefficients(float(row["r"]), float(row["a"]), float(row["b"]))
        for code, row in data["parameters"].items()
    }
    grades = [
        (
            None if row["below"] is None else float(row["below"]),
            bool(row["inclusive"]),
            row["grade"],
        )
        for row in data["grades"]
    ]
    return str(data["version"]), parameters, grades


VERSION, COEFFICIENTS, _GRADES = _load(TLI_FILE)
PARAMETERS = tuple(COEFFICIENTS)
GRADES = tuple(grade for _bound, _inclusive, grade in _GRADES)


def check_parameter(code: str, field: str | None) -> Coefficients:
    found = COEFFICIENTS.get(code)
    if found is None:
        raise InputError(
            "not_trophic_parameter",
            gettext_noop("Not a trophic-state parameter: use chla, TP, TN, SD or CODMn."),
            field,
        )
    return found


INDEX_RANGE = (-1000.0, 1000.0)  # far beyond any real lake; keeps the arithmetic finite


def check_index(raw: Decimal | float, field: str | None) -> float:
    """A single index TLI(j) or a TLI(Σ) given directly: a finite number in INDEX_RANGE."""
    low, high = INDEX_RANGE
    number = float(raw)
    if not low <= number <= high:
        raise InputError(
            "out_of_range",
            gettext_noop("Outside the physical range %(low)s to %(high)s."),
            field,
            {"low": f"{low:g}", "high": f"{high:g}"},
        )
    return number


def grade(value: float) -> str:
    """< 30 贫营养; 30–50 中营养; (50, 60] 轻度, (60, 70] 中度, > 70 重度富营养 (the 办法 form)."""
    for bound, inclusive, name in _GRADES:
        if bound is None or value < bound or (inclusive and value == bound):
            return name
    raise AssertionError("the last grade has no bound")


def weights(codes: list[str] | tuple[str, ...]) -> dict[str, float]:
    """W_j = r_j² / Σ r_j² over the given parameters."""
    squares = {code: check_parameter(code, code).r ** 2 for code in codes}
    total = sum(squares.values())
    return {code: square / total for code, square in squares.items()}


def single_index(code: str, concentration: Decimal | float, field: str | None = None) -> float:
    """TLI(j) = 10 (a + b ln C); C in mg/L (TP, TN, CODMn), mg/m³ (chla) or m (SD)."""
    coefficients = check_parameter(code, field)
    number = float(concentration)
    if not (math.isfinite(number) and number > 0):
        raise InputError(
            "not_positive",
            gettext_noop("The trophic index needs a value above zero."),
            field,
        )
    return 10 * (coefficients.a + coefficients.b * math.log(number))


def from_indices(indices: Mapping[str, float], prefix: str = "") -> TrophicState:
    """TLI(Σ) from single indices TLI(j), weights renormalised over the parameters given."""
    if not indices:
        raise InputError(
            "no_trophic_values",
            gettext_noop("Give at least one of chla, TP, TN, SD or CODMn."),
            prefix.rstrip(".") or None,
        )
    for code, index in indices.items():
        check_parameter(code, f"{prefix}{code}")
        check_index(index, f"{prefix}{code}")
    used = [code for code in PARAMETERS if code in indices]
    weight = weights(used)
    value = sum(weight[code] * indices[code] for code in used)
    return TrophicState(value, grade(value), {code: indices[code] for code in used}, weight)


def from_values(values: Mapping[str, Decimal | float], prefix: str = "") -> TrophicState:
    """TLI(Σ) from concentrations (chla mg/m³, SD m, TP/TN/CODMn mg/L)."""
    indices = {code: single_index(code, value, f"{prefix}{code}") for code, value in values.items()}
    return from_indices(indices, prefix)
