"""Reads for the water-quality pages and API: samples, period evaluations, trends, latest class.

Values are stored as floats in the item's unit; the evaluation reads them through their shortest
repr (0.2 → Decimal("0.2")), the same way `gb3838` reads floats, so stored and posted values
classify alike.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Avg, Max
from django.utils.translation import gettext_lazy as _

from riverchief.core.errors import DomainError
from riverchief.monitoring import evaluation, gb3838, statistics
from riverchief.monitoring.models import AutoValue, Sample, SampleValue
from riverchief.monitoring.readings import Reading
from riverchief.monitoring.sections import SectionInfo, info

SHANGHAI = ZoneInfo("Asia/Shanghai")
PERIOD_RE = re.compile(r"^(\d{4})(?:-(0[1-9]|1[0-2])|-Q([1-4]))?$")


@dataclass(frozen=True)
class Period:
    key: str  # "2026-10", "2026-Q3", "2026"
    kind: statistics.Period
    start: date
    end: date  # exclusive

    def contains(self, day: date) -> bool:
        return self.start <= day < self.end


def parse_period(text: str | None, field: str = "period") -> Period:
    """ "2026-10" (month), "2026-Q3" (quarter) or "2026" (year); a 400 naming the field else."""
    match = PERIOD_RE.match((text or "").strip())
    if match is None:
        raise DomainError(
            _("Give a period as 2026-10 (month), 2026-Q3 (quarter) or 2026 (year)."),
            field=field,
            code="bad_period",
        )
    year = int(match.group(1))
    if not 1900 <= year <= 2200:
        raise DomainError(_("Give a year between 1900 and 2200."), field=field, code="bad_period")
    if match.group(2):
        month = int(match.group(2))
        start = date(year, month, 1)
        end = date(year + (month == 12), month % 12 + 1, 1)
        return Period(f"{year}-{month:02d}", "month", start, end)
    if match.group(3):
        quarter = int(match.group(3))
        start = date(year, 3 * quarter - 2, 1)
        end = date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1)
        return Period(f"{year}-Q{quarter}", "quarter", start, end)
    return Period(str(year), "year", date(year, 1, 1), date(year + 1, 1, 1))


def year_back(day: date) -> date:
    """The first day of the same month a year before: a year of monthly samples, whole."""
    return date(day.year - 1, day.month, 1)


def local_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    return (
        datetime(start.year, start.month, start.day, tzinfo=SHANGHAI),
        datetime(end.year, end.month, end.day, tzinfo=SHANGHAI),
    )


def to_decimal(value: float) -> Decimal:
    return gb3838.to_decimal(float(value))


def readings_of(values: dict[str, tuple[float, bool, float | None]]) -> dict[str, Reading]:
    """Stored values → the evaluation's readings, in table order."""
    return {
        code: Reading(
            code,
            to_decimal(values[code][0]),
            values[code][1],
            None if values[code][2] is None else to_decimal(values[code][2]),
        )
        for code in gb3838.CODES
        if code in values
    }


# --- samples ----------------------------------------------------------------------------------


@dataclass
class SampleRow:
    sample: Sample
    values: dict[str, tuple[float, bool, float | None]]
    raw: dict[str, str]

    @property
    def local_time(self) -> datetime:
        return self.sample.sampled_at.astimezone(SHANGHAI)


def samples(section: SectionInfo, start: date | None = None, end: date | None = None):
    """The section's samples (oldest first) with their values, in two queries."""
    rows = Sample.objects.filter(section=section.facility)
    if start is not None and end is not None:
        low, high = local_bounds(start, end)
        rows = rows.filter(sampled_at__gte=low, sampled_at__lt=high)
    found = {row.pk: SampleRow(row, {}, {}) for row in rows.order_by("sampled_at")}
    values = SampleValue.objects.filter(sample_id__in=list(found)).values_list(
        "sample_id", "parameter", "value", "below_detection", "detection_limit", "raw"
    )
    for sample_id, code, value, below, limit, raw in values:
        found[sample_id].values[code] = (value, below, limit)
        found[sample_id].raw[code] = raw
    return list(found.values())


def evaluate_row(section: SectionInfo, row: SampleRow) -> evaluation.Evaluation | None:
    readings = readings_of(row.values)
    if not any(gb3838.ITEMS[code].role == "class" for code in readings):
        return None
    saturation = row.sample.do_saturation_pct
    return evaluation.evaluate(
        readings,
        section.waterbody,
        section.target,
        to_decimal(saturation) if saturation is not None and "DO" in readings else None,
    )


@dataclass
class PeriodEvaluation:
    section: SectionInfo
    period: Period
    evaluation: evaluation.Evaluation | None
    counts: dict[str, int]  # results behind each item's mean
    samples: int


def period_evaluation(section: SectionInfo, period: Period, rows=None) -> PeriodEvaluation:
    """The item means of the period (a year: the mean of monthly means) evaluated as one sample."""
    if rows is None:
        rows = samples(section, period.start, period.end)
    else:
        rows = [row for row in rows if period.contains(row.local_time.date())]
    by_code: dict[str, list[tuple[date, Decimal]]] = defaultdict(list)
    below: dict[str, bool] = {}
    for row in rows:
        day = row.local_time.date()
        for code, (value, censored, _limit) in row.values.items():
            by_code[code].append((day, to_decimal(value)))
            below[code] = below.get(code, True) and censored
    means: dict[str, Reading] = {}
    counts: dict[str, int] = {}
    for code, points in by_code.items():
        found = statistics.period_means(points, period.kind)
        mean = next((m for m in found if m.period == period.key), None)
        if mean is not None:
            means[code] = Reading(code, mean.value, below[code])
            counts[code] = mean.count
    result = None
    ordered = {code: means[code] for code in gb3838.CODES if code in means}
    if any(gb3838.ITEMS[code].role == "class" for code in ordered):
        result = evaluation.evaluate(ordered, section.waterbody, section.target)
    return PeriodEvaluation(section, period, result, counts, len(rows))


# --- latest class -----------------------------------------------------------------------------


def latest_grade(section_code: str) -> tuple[gb3838.Grade, datetime, str] | None:
    """(class, when, "lab" | "automatic") of the newest evidence, or None."""
    from riverchief.registry.models import Facility

    facility = Facility.objects.filter(kind="section", code=section_code).first()
    if facility is None:
        return None
    return latest_for(info(facility))


def latest_for(
    section: SectionInfo, known: tuple[Sample, evaluation.Evaluation | None] | None = None
) -> tuple[gb3838.Grade, datetime, str] | None:
    """`known`: the newest sample and its evaluation when the caller has them already."""
    found: list[tuple[datetime, gb3838.Grade, str]] = []
    if known is not None:
        if known[1] is not None:
            found.append((known[0].sampled_at, known[1].grade, "lab"))
        last = None
    else:
        last = Sample.objects.filter(section=section.facility).order_by("-sampled_at").first()
    if last is not None:
        row = SampleRow(last, {}, {})
        for code, value, below, limit in SampleValue.objects.filter(sample=last).values_list(
            "parameter", "value", "below_detection", "detection_limit"
        ):
            row.values[code] = (value, below, limit)
        result = evaluate_row(section, row)
        if result is not None:
            found.append((last.sampled_at, result.grade, "lab"))
    auto = automatic_day(section)
    if auto is not None:
        found.append((auto[1], auto[0], "automatic"))
    if not found:
        return None
    when, grade, source = max(found, key=lambda item: item[0])
    return grade, when, source


def automatic_day(section: SectionInfo) -> tuple[gb3838.Grade, datetime] | None:
    """The class of the daily means of the last local day with automatic class items."""
    last = AutoValue.objects.filter(section=section.facility).aggregate(Max("observed_at"))
    moment = last["observed_at__max"]
    if moment is None:
        return None
    day = moment.astimezone(SHANGHAI).date()
    low, high = local_bounds(day, day + timedelta(days=1))
    means = (
        AutoValue.objects.filter(
            section=section.facility, observed_at__gte=low, observed_at__lt=high
        )
        .values_list("parameter")
        .annotate(mean=Avg("value"))
        .values_list("parameter", "mean")
    )
    grade = grade_of_means(section, dict(means))
    return None if grade is None else (grade, moment)


def grade_of_means(section: SectionInfo, means: dict[str, float]) -> gb3838.Grade | None:
    """The class of a day's means of automatic values (items that are not class items ignored)."""
    readings = {
        code: Reading(code, to_decimal(round(mean, 6)))
        for code, mean in means.items()
        if code in gb3838.ITEMS and gb3838.ITEMS[code].role == "class"
    }
    if not readings:
        return None
    ordered = {code: readings[code] for code in gb3838.CODES if code in readings}
    try:
        return evaluation.evaluate(ordered, section.waterbody, section.target).grade
    except gb3838.InputError:
        return None


# --- trends -----------------------------------------------------------------------------------


def bands(code: str, waterbody: gb3838.WaterbodyType) -> list[dict]:
    """The class bands of an item for a chart: [{class, from, to, colour}]."""
    spec = gb3838.ITEMS.get(code)
    if spec is None or spec.direction not in ("upper", "lower"):
        return []
    limits = [float(limit) for limit in spec.limits_for(waterbody)]
    result = []
    previous = 0.0 if spec.direction == "upper" else None
    for grade, limit in zip(gb3838.Grade, limits, strict=False):
        if spec.direction == "upper":
            result.append(
                {"class": grade.label, "from": previous, "to": limit, "colour": grade.colour}
            )
            previous = limit
        else:
            result.append(
                {"class": grade.label, "from": limit, "to": previous, "colour": grade.colour}
            )
            previous = limit
    last = gb3838.Grade.WORSE_THAN_V
    if spec.direction == "upper":
        result.append({"class": last.label, "from": previous, "to": None, "colour": last.colour})
    else:
        result.append({"class": last.label, "from": 0.0, "to": previous, "colour": last.colour})
    return result


def trend(section: SectionInfo, start: date, end: date, rows=None) -> dict[str, dict]:
    """Per item: the lab points [[iso time, value, class]] and the class bands. The classes come
    from the vectorised classifier, one call per item."""
    if rows is None:
        rows = samples(section, start, end)
    points: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for row in rows:
        when = row.local_time.isoformat(timespec="minutes")
        for code, (value, _below, _limit) in row.values.items():
            if code in gb3838.ITEMS:
                points[code].append((when, value))
    series: dict[str, dict] = {}
    for code in gb3838.CODES:
        if code not in points:
            continue
        spec = gb3838.ITEMS[code]
        values = [value for _when, value in points[code]]
        labels: list[str | None] = [None] * len(values)
        if spec.direction != "none" and spec.role in ("class", "reference"):
            waterbody = section.waterbody if spec.role == "class" else "lake"
            grades = gb3838.classify_array(code, values, waterbody)
            labels = [gb3838.Grade(int(grade)).label for grade in grades]
        series[code] = {
            "name": spec.name,
            "unit": spec.unit,
            "points": [
                [when, value, label]
                for (when, value), label in zip(points[code], labels, strict=True)
            ],
            "bands": bands(code, section.waterbody),
        }
    return series
