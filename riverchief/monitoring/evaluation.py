"""One sample (or one set of means) evaluated as a section: class, status, compliance, main
pollutants, reference indicators and, for lakes, the trophic state. Pure Python.

Rules of GB 3838-2002 and 环办〔2011〕22号 as settled in docs/water-quality.md §11:
- the class is the worst class among the 21 class items actually measured (single-factor method);
- TN and FC are reference indicators with their own class (TN against the 湖、库 limits, rivers
  too, informational); they never change the class; WT is reported, not classified;
- main pollutants only when the class is worse than III: up to three, CN/Pb/Cr6/Hg/Cd/As first,
  then the worst class, then the larger 超标倍数 (C − C_III) / C_III, shown with one decimal
  rounded half up; items without a multiple (pH, DO) after those with one in the same class.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from riverchief.monitoring import tli
from riverchief.monitoring.gb3838 import (
    CODES,
    ITEMS,
    Grade,
    InputError,
    WaterbodyType,
    classify_value,
    exceedance_multiple,
    gettext_noop,
)
from riverchief.monitoring.readings import Reading

# 环办〔2011〕22号: "cyanide or heavy metals such as lead and chromium" exceeding III come first.
# The list of metals is not enumerated there; this one is riverchief's reading (§11.7).
PRIORITY_POLLUTANTS = ("CN", "Pb", "Cr6", "Hg", "Cd", "As")
MAX_MAIN_POLLUTANTS = 3
ONE_DECIMAL = Decimal("0.1")


@dataclass(frozen=True)
class Pollutant:
    """A main pollutant: its class and 超标倍数 (None for pH and DO)."""

    code: str
    grade: Grade
    multiple: Decimal | None

    @property
    def label(self) -> str:
        name = ITEMS[self.code].name
        if self.multiple is None:
            return name
        return f"{name}({self.multiple.quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)})"


@dataclass(frozen=True)
class Evaluation:
    """A section's evaluation by the single-factor method."""

    grade: Grade
    waterbody: WaterbodyType
    item_grades: dict[str, Grade]  # the class items measured, in table order
    reference: dict[str, Grade]  # TN, FC when measured
    values: dict[str, Decimal]  # every value as used (½ DL below the detection limit)
    below_detection: tuple[str, ...]
    compliant: bool | None
    main_pollutants: tuple[Pollutant, ...]
    trophic: tli.TrophicState | None

    @property
    def status(self) -> str:
        return self.grade.status

    @property
    def evaluated_items(self) -> tuple[str, ...]:
        return tuple(self.item_grades)


def main_pollutants(
    item_grades: Mapping[str, Grade], values: Mapping[str, Decimal], waterbody: WaterbodyType
) -> tuple[Pollutant, ...]:
    """Up to three items worse than III, ordered by the 办法's rules."""
    candidates = []
    for order, (code, grade) in enumerate(item_grades.items()):
        if grade <= Grade.III:
            continue
        multiple = None
        if ITEMS[code].has_multiple:
            multiple = exceedance_multiple(code, values[code], waterbody)
        candidates.append((code, grade, multiple, order))
    candidates.sort(
        key=lambda row: (
            row[0] not in PRIORITY_POLLUTANTS,
            -row[1],
            row[2] is None,
            -(row[2] or 0),
            row[3],
        )
    )
    return tuple(
        Pollutant(code, grade, multiple)
        for code, grade, multiple, _order in candidates[:MAX_MAIN_POLLUTANTS]
    )


def evaluate(
    readings: Mapping[str, Reading],
    waterbody: WaterbodyType,
    target: Grade | None = None,
    do_saturation_pct: Decimal | None = None,
    prefix: str = "",
) -> Evaluation:
    """Evaluate parsed readings; `prefix` locates fields in errors ("sections.2.")."""
    if do_saturation_pct is not None and "DO" not in readings:
        raise InputError(
            "saturation_without_do",
            gettext_noop("Give DO (mg/L) together with its saturation."),
            f"{prefix}do_saturation_pct",
        )
    values = {code: readings[code].value for code in CODES if code in readings}
    item_grades: dict[str, Grade] = {}
    reference: dict[str, Grade] = {}
    for code, value in values.items():
        role = ITEMS[code].role
        if role == "class":
            saturation = do_saturation_pct if code == "DO" else None
            item_grades[code] = classify_value(code, value, waterbody, saturation)
        elif role == "reference":
            # TN is judged against its 湖、库 limits for rivers too: informational (§11.5).
            reference[code] = classify_value(code, value, "lake")
    if not item_grades:
        raise InputError(
            "no_class_item",
            gettext_noop("Give at least one of the 21 items that set the class."),
            f"{prefix}values",
        )
    grade = max(item_grades.values())
    trophic = None
    if waterbody == "lake":
        # ln C needs C > 0: a zero reading (written "0" instead of "ND") leaves the index out,
        # and the weights are renormalised over the rest, as for a parameter not measured.
        present = {
            code: values[code]
            for code in tli.PARAMETERS
            if code in values and float(values[code]) > 0
        }
        if present:
            trophic = tli.from_values(present, f"{prefix}values.")
    return Evaluation(
        grade=grade,
        waterbody=waterbody,
        item_grades=item_grades,
        reference=reference,
        values=values,
        below_detection=tuple(code for code in values if readings[code].below_detection),
        compliant=None if target is None else grade <= target,
        main_pollutants=main_pollutants(item_grades, values, waterbody),
        trophic=trophic,
    )
