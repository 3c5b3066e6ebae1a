"""Means over periods, the status of a river or basin from its sections, and trend words.
Pure Python; decimal arithmetic throughout, so a mean that lands on a limit stays on it.

docs/water-quality.md §3, §6, §8 and §11.6, §11.8:
- month: the mean of its results; quarter: the mean of its results (≥ 2 wanted); year: the mean
  of the monthly means. Values below the detection limit enter as ½ × DL (done by readings.py).
- a river or basin with n ≥ 5 sections: the share method (I–III ≥ 90 % 优, ≥ 75 % 良好, else by
  the 劣V share: < 20 % 轻度, < 40 % 中度, ≥ 40 % 重度污染); n < 5: classify the item means.
- trend: the change in status level; 0 无明显变化, one level 有所好转/变差, ≥ 2 明显好转/变差.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Literal

from riverchief.monitoring.evaluation import Evaluation, evaluate
from riverchief.monitoring.gb3838 import (
    CLASS_ITEMS,
    ITEMS,
    STATUS_WORDS,
    Grade,
    InputError,
    WaterbodyType,
    gettext_noop,
)
from riverchief.monitoring.readings import Reading

Period = Literal["month", "quarter", "year"]
SHARE_METHOD_MIN_SECTIONS = 5
QUARTER_MIN_RESULTS = 2


@dataclass(frozen=True)
class PeriodMean:
    """The mean of one period and what lies behind it."""

    period: str  # "2025-03", "2025-Q1", "2025"
    value: Decimal
    count: int  # results
    months: int  # months with results
    meets_minimum: bool  # quarter: at least 2 results (no verified minimum for a year)


def period_key(day: date, period: Period) -> str:
    if period == "month":
        return f"{day.year:04d}-{day.month:02d}"
    if period == "quarter":
        return f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}"
    return f"{day.year:04d}"


def mean(values: Sequence[Decimal]) -> Decimal:
    if not values:
        raise ValueError("the mean of nothing")
    return sum(values, Decimal(0)) / len(values)


def period_means(readings: Iterable[tuple[date, Decimal]], period: Period) -> list[PeriodMean]:
    """Means per period, oldest first; a year is the mean of its monthly means."""
    by_month: dict[str, list[Decimal]] = defaultdict(list)
    for day, value in readings:
        by_month[period_key(day, "month")].append(value)
    groups: dict[str, list[str]] = defaultdict(list)
    for month in sorted(by_month):
        year, number = int(month[:4]), int(month[5:])
        groups[period_key(date(year, number, 1), period)].append(month)
    result = []
    for key, months in groups.items():
        results = [value for month in months for value in by_month[month]]
        if period == "year":
            value = mean([mean(by_month[month]) for month in months])
        else:
            value = mean(results)
        enough = period != "quarter" or len(results) >= QUARTER_MIN_RESULTS
        result.append(PeriodMean(key, value, len(results), len(months), enough))
    return result


# --- a river or basin from its sections -------------------------------------------------------


@dataclass(frozen=True)
class Section:
    """One section's parsed values for the river status."""

    readings: Mapping[str, Reading]
    do_saturation_pct: Decimal | None = None


@dataclass(frozen=True)
class RiverPollutant:
    """An item ranked by 断面超标率 (share of sections worse than III, per cent)."""

    code: str
    exceeding_pct: Decimal

    @property
    def label(self) -> str:
        rate = self.exceeding_pct.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        return f"{ITEMS[self.code].name}({rate}%)"


@dataclass(frozen=True)
class RiverStatus:
    status: str
    method: Literal["share", "mean"]
    section_grades: tuple[Grade, ...]
    share_i_iii: Fraction  # 0..1
    share_worse_than_v: Fraction
    means: Evaluation | None = None  # the mean method: the item means evaluated as one section
    main_pollutants: tuple[str, ...] = ()


def status_by_share(grades: Sequence[Grade]) -> str:
    """The share method, compared in exact fractions (89.99… % is not 90 %)."""
    good = Fraction(sum(grade <= Grade.III for grade in grades), len(grades))
    worst = Fraction(sum(grade == Grade.WORSE_THAN_V for grade in grades), len(grades))
    if good >= Fraction(9, 10):
        return "优"
    if good >= Fraction(3, 4):
        return "良好"
    if worst < Fraction(1, 5):
        return "轻度污染"
    if worst < Fraction(2, 5):
        return "中度污染"
    return "重度污染"


def _shares(grades: Sequence[Grade]) -> tuple[Fraction, Fraction]:
    count = len(grades)
    return (
        Fraction(sum(grade <= Grade.III for grade in grades), count),
        Fraction(sum(grade == Grade.WORSE_THAN_V for grade in grades), count),
    )


def _no_sections(field: str) -> InputError:
    return InputError("no_sections", gettext_noop("Give at least one section."), field)


def status_from_classes(grades: Sequence[Grade]) -> RiverStatus:
    """The share method from section classes alone (needs n ≥ 5: below that, means are needed)."""
    if not grades:
        raise _no_sections("section_classes")
    if len(grades) < SHARE_METHOD_MIN_SECTIONS:
        raise InputError(
            "needs_section_values",
            gettext_noop(
                "With fewer than 5 sections the item means are classified: give the sections' "
                "values instead of their classes."
            ),
            "section_classes",
        )
    good, worst = _shares(grades)
    return RiverStatus(status_by_share(grades), "share", tuple(grades), good, worst)


def _river_pollutants(evaluations: Sequence[Evaluation]) -> tuple[str, ...]:
    """Items ranked by 断面超标率 among the sections that measured them; the top three."""
    rates = []
    for order, code in enumerate(CLASS_ITEMS):
        measured = [e.item_grades[code] for e in evaluations if code in e.item_grades]
        exceeding = sum(grade > Grade.III for grade in measured)
        if exceeding:
            rate = Decimal(exceeding) * 100 / len(measured)
            rates.append((-rate, order, RiverPollutant(code, rate)))
    rates.sort()
    return tuple(pollutant.label for _rate, _order, pollutant in rates[:3])


def status_from_sections(sections: Sequence[Section], waterbody: WaterbodyType) -> RiverStatus:
    """The share method for n ≥ 5 sections, the mean method below; each section evaluated too."""
    if not sections:
        raise _no_sections("sections")
    evaluations = [
        evaluate(section.readings, waterbody, None, section.do_saturation_pct, f"sections.{i}.")
        for i, section in enumerate(sections)
    ]
    grades = tuple(e.grade for e in evaluations)
    good, worst = _shares(grades)
    if len(sections) >= SHARE_METHOD_MIN_SECTIONS:
        status = status_by_share(grades)
        pollutants = _river_pollutants(evaluations) if status not in STATUS_WORDS[:2] else ()
        return RiverStatus(status, "share", grades, good, worst, None, pollutants)
    by_code: dict[str, list[Decimal]] = defaultdict(list)
    for section in sections:
        for code, reading in section.readings.items():
            by_code[code].append(reading.value)
    means = {code: Reading(code, mean(values)) for code, values in by_code.items()}
    saturations = [s.do_saturation_pct for s in sections if s.do_saturation_pct is not None]
    saturation = mean(saturations) if saturations else None
    of_means = evaluate(means, waterbody, None, saturation, "sections.")
    pollutants = tuple(pollutant.label for pollutant in of_means.main_pollutants)
    return RiverStatus(of_means.status, "mean", grades, good, worst, of_means, pollutants)


# --- trend ------------------------------------------------------------------------------------


def status_level(status: Grade | str) -> int:
    """优 0, 良好 1, 轻度污染 2, 中度污染 3, 重度污染 4."""
    word = status.status if isinstance(status, Grade) else status
    if word not in STATUS_WORDS:
        raise ValueError(f"not a status word: {word!r}")
    return STATUS_WORDS.index(word)


def trend(before: Grade | str, after: Grade | str) -> str:
    """The 办法's words for the change between two periods (by status level, not by class)."""
    change = status_level(after) - status_level(before)
    if change == 0:
        return "无明显变化"
    size = "有所" if abs(change) == 1 else "明显"
    return size + ("好转" if change < 0 else "变差")
