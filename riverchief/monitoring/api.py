"""Water-quality evaluation API (contract "Water-quality evaluation"): POST /water-quality/evaluate,
/water-quality/river-status and /water-quality/tli, for any signed-in user or token.

The handlers parse JSON, call the pure rule modules (gb3838, readings, evaluation, statistics,
tli) and render. A rule module's InputError becomes a 400 naming the field; its English message is
a msgid of the catalogue, translated here.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any, Literal

from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _
from ninja import Field, Router, Schema

from riverchief.core.errors import DomainError
from riverchief.monitoring import evaluation, gb3838, readings, statistics, tli

router = Router(tags=["water quality"])

MAX_SECTIONS = 10_000
NUMBER = "a number, or text: “ND”, “未检出”, “<0.01”, “0.01L” (below the detection limit)"


@contextmanager
def _rules_errors() -> Iterator[None]:
    try:
        yield
    except gb3838.InputError as error:
        raise DomainError(
            gettext_lazy(error.message),  # a msgid marked with gettext_noop in the rule module
            field=error.field,
            code=error.code,
            params=error.params or None,
        ) from error


def _one_decimal(number: Decimal | Fraction) -> float:
    if isinstance(number, Fraction):
        number = Decimal(number.numerator) / Decimal(number.denominator)
    return float(number.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


# --- schemas ----------------------------------------------------------------------------------


class EvaluateIn(Schema):
    waterbody_type: Literal["river", "lake"] = Field(
        description="river (a river-type reservoir too) or lake (lake or reservoir): selects "
        "the TP limits"
    )
    target_class: str | None = Field(None, description="I–V; gives `compliant`", examples=["III"])
    values: dict[str, Any] = Field(
        description=f"parameter code → {NUMBER}", examples=[{"pH": 7.2, "DO": 6.1, "TP": "<0.01"}]
    )
    detection_limits: dict[str, Any] | None = Field(
        None, description="parameter code → detection limit, used by “ND” and “未检出”"
    )
    do_saturation_pct: Any = Field(None, description="DO saturation, %; ≥ 90 % meets class I")


class TliOut(Schema):
    value: float
    grade: str
    items: dict[str, float] = Field(description="the single indices TLI(j)")
    weights: dict[str, float] = Field(description="W_j = r_j² / Σ r² over the parameters given")


class EvaluateOut(Schema):
    class_: str = Field(alias="class", description="I, II, III, IV, V or 劣V")
    status: str
    colour: str
    compliant: bool | None
    item_classes: dict[str, str]
    evaluated_items: list[str]
    main_pollutants: list[str]
    reference: dict[str, str] = Field(description="TN, FC: their own class; never the class")
    values: dict[str, float] = Field(description="every value as used (½ DL below it)")
    below_detection: list[str]
    tli: TliOut | None
    rules: str


class SectionIn(Schema):
    values: dict[str, Any]
    detection_limits: dict[str, Any] | None = None
    do_saturation_pct: Any = None


class RiverStatusIn(Schema):
    waterbody_type: Literal["river", "lake"] = "river"
    section_classes: list[Any] | None = Field(None, examples=[["II", "III", "劣V", "IV", "II"]])
    sections: list[SectionIn] | None = None


class RiverStatusOut(Schema):
    status: str
    share_I_III: float = Field(description="per cent of sections in classes I–III")
    share_worse_than_V: float = Field(description="per cent of sections worse than V (劣V)")
    method: Literal["share", "mean"] = Field(
        description="share: 5 sections or more; mean: the item means classified"
    )
    sections: int
    section_classes: list[str]
    class_: str | None = Field(None, alias="class", description="mean method: the means' class")
    main_pollutants: list[str]
    rules: str


class TliIn(Schema):
    values: dict[str, Any] | None = Field(
        None, description="chla mg/m³, SD m, TP/TN/CODMn mg/L", examples=[{"chla": 7.77}]
    )
    detection_limits: dict[str, Any] | None = None
    indices: dict[str, Any] | None = Field(None, description="single indices TLI(j)")
    value: Any = Field(None, description="a TLI(Σ) to grade")


# --- handlers ---------------------------------------------------------------------------------


def _tli_out(state: tli.TrophicState) -> dict[str, Any]:
    return {
        "value": round(state.value, 2),
        "grade": state.grade,
        "items": {code: round(index, 2) for code, index in state.items.items()},
        "weights": {code: round(weight, 5) for code, weight in state.weights.items()},
    }


@router.post(
    "/water-quality/evaluate",
    response=EvaluateOut,
    by_alias=True,
    summary="Evaluate one sample by GB 3838-2002 (single-factor method)",
)
def evaluate(request, payload: EvaluateIn) -> dict[str, Any]:
    with _rules_errors():
        target = None
        if payload.target_class is not None:
            target = gb3838.parse_grade(
                payload.target_class, "target_class", allow_worse_than_v=False
            )
        parsed = readings.parse_readings(payload.values, payload.detection_limits)
        saturation = readings.parse_saturation(payload.do_saturation_pct, "do_saturation_pct")
        result = evaluation.evaluate(parsed, payload.waterbody_type, target, saturation)
    return {
        "class": result.grade.label,
        "status": result.status,
        "colour": result.grade.colour,
        "compliant": result.compliant,
        "item_classes": {code: grade.label for code, grade in result.item_grades.items()},
        "evaluated_items": list(result.evaluated_items),
        "main_pollutants": [pollutant.label for pollutant in result.main_pollutants],
        "reference": {code: grade.label for code, grade in result.reference.items()},
        "values": {code: float(value) for code, value in result.values.items()},
        "below_detection": list(result.below_detection),
        "tli": _tli_out(result.trophic) if result.trophic else None,
        "rules": gb3838.RULES,
    }


@router.post(
    "/water-quality/river-status",
    response=RiverStatusOut,
    by_alias=True,
    summary="Status of a river or basin from its sections (share method for 5 or more)",
)
def river_status(request, payload: RiverStatusIn) -> dict[str, Any]:
    given = [payload.section_classes is not None, payload.sections is not None]
    if given.count(True) != 1:
        raise DomainError(_("Give either section_classes or sections."), field="sections")
    count = len(payload.section_classes or payload.sections or [])
    if count > MAX_SECTIONS:
        raise DomainError(
            _("Too many sections: at most %(max)s."),
            field="sections" if payload.sections is not None else "section_classes",
            params={"max": MAX_SECTIONS},
        )
    with _rules_errors():
        if payload.section_classes is not None:
            grades = [
                gb3838.parse_grade(text, f"section_classes.{index}")
                for index, text in enumerate(payload.section_classes)
            ]
            result = statistics.status_from_classes(grades)
        else:
            sections = [
                statistics.Section(
                    readings.parse_readings(
                        section.values, section.detection_limits, f"sections.{index}."
                    ),
                    readings.parse_saturation(
                        section.do_saturation_pct, f"sections.{index}.do_saturation_pct"
                    ),
                )
                for index, section in enumerate(payload.sections or [])
            ]
            result = statistics.status_from_sections(sections, payload.waterbody_type)
    return {
        "status": result.status,
        "share_I_III": _one_decimal(result.share_i_iii * 100),
        "share_worse_than_V": _one_decimal(result.share_worse_than_v * 100),
        "method": result.method,
        "sections": len(result.section_grades),
        "section_classes": [grade.label for grade in result.section_grades],
        "class": result.means.grade.label if result.means else None,
        "main_pollutants": list(result.main_pollutants),
        "rules": gb3838.RULES,
    }


@router.post(
    "/water-quality/tli",
    response=TliOut,
    summary="Trophic state index TLI(Σ) of a lake or reservoir, and its grade",
)
def trophic_index(request, payload: TliIn) -> dict[str, Any]:
    given = [payload.values is not None, payload.indices is not None, payload.value is not None]
    if given.count(True) != 1:
        raise DomainError(_("Give exactly one of values, indices or value."), field="values")
    with _rules_errors():
        if payload.value is not None:
            value = tli.check_index(readings.parse_number(payload.value, "value"), "value")
            return {"value": round(value, 2), "grade": tli.grade(value), "items": {}, "weights": {}}
        if payload.indices is not None:
            indices = {}
            for code, raw in payload.indices.items():
                tli.check_parameter(str(code), f"indices.{code}")
                indices[str(code)] = float(readings.parse_number(raw, f"indices.{code}"))
            return _tli_out(tli.from_indices(indices, "indices."))
        values = payload.values or {}
        for code in values:
            tli.check_parameter(str(code), f"values.{code}")
        if payload.detection_limits:
            for code in payload.detection_limits:
                tli.check_parameter(str(code), f"detection_limits.{code}")
        parsed = readings.parse_readings(values, payload.detection_limits)
        concentrations = {code: reading.value for code, reading in parsed.items()}
        return _tli_out(tli.from_values(concentrations, "values."))
