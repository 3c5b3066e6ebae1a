"""Lake trophic state (TLI), river/basin status, period means and trend words."""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest

from riverchief.monitoring import statistics, tli
from riverchief.monitoring.gb3838 import Grade, InputError
from riverchief.monitoring.readings import Reading, parse_readings
from riverchief.monitoring.statistics import Section

I, II, III, IV, V, WORSE = list(Grade)  # noqa: E741 - the standard's class names

# --- TLI --------------------------------------------------------------------------------------


def test_weights_come_from_r_squared():
    # r: chla 1, TP 0.84, TN 0.82, SD −0.83, CODMn 0.83; r²: 1, 0.7056, 0.6724, 0.6889, 0.6889;
    # Σ r² = 3.7558, so W = 0.26625, 0.18787, 0.17903, 0.18342, 0.18342 (the notes' table).
    weights = tli.weights(tli.PARAMETERS)
    assert {k: round(v, 5) for k, v in weights.items()} == {
        "chla": 0.26625,
        "TP": 0.18787,
        "TN": 0.17903,
        "SD": 0.18342,
        "CODMn": 0.18342,
    }
    assert math.isclose(sum(weights.values()), 1.0)


def test_tli_of_five_parameters_by_hand():
    # chla 10 mg/m³:  10 (2.5 + 1.086 ln 10)    = 10 (2.5 + 1.086 × 2.302585) = 50.0061
    # TP 0.05 mg/L:   10 (9.436 + 1.624 ln 0.05) = 10 (9.436 − 1.624 × 2.995732) = 45.7093
    # TN 1.0 mg/L:    10 (5.453 + 1.694 ln 1)    = 54.53
    # SD 1.0 m:       10 (5.118 − 1.94 ln 1)     = 51.18
    # CODMn 4 mg/L:   10 (0.109 + 2.661 ln 4)    = 10 (0.109 + 2.661 × 1.386294) = 37.9793
    # Σ W·TLI = (50.0061 × 1 + 45.7093 × 0.7056 + 54.53 × 0.6724 + 51.18 × 0.6889
    #            + 37.9793 × 0.6889) / 3.7558 = 180.3464 / 3.7558 = 48.018 → 中营养
    state = tli.from_values({"chla": 10, "TP": 0.05, "TN": 1.0, "SD": 1.0, "CODMn": 4})
    assert state.items["chla"] == pytest.approx(50.0061, abs=1e-4)
    assert state.items["TP"] == pytest.approx(45.7093, abs=1e-4)
    assert state.items["TN"] == pytest.approx(54.53)
    assert state.items["SD"] == pytest.approx(51.18)
    assert state.items["CODMn"] == pytest.approx(37.9793, abs=1e-4)
    assert state.value == pytest.approx(48.018, abs=1e-3)
    assert state.grade == "中营养"


def test_tli_renormalises_over_the_parameters_given():
    # Without CODMn: Σ r² = 3.7558 − 0.6889 = 3.0669 (the Hulun paper's four parameters).
    # chla 30:  10 (2.5 + 1.086 ln 30)  = 10 (2.5 + 1.086 × 3.401197) = 61.9370
    # TP 0.1:   10 (9.436 + 1.624 ln 0.1) = 10 (9.436 − 1.624 × 2.302585) = 56.9660
    # TN 2.0:   10 (5.453 + 1.694 ln 2)  = 10 (5.453 + 1.694 × 0.693147) = 66.2718
    # SD 0.5:   10 (5.118 − 1.94 ln 0.5) = 10 (5.118 + 1.94 × 0.693147) = 64.6271
    # (61.9370 + 56.9660 × 0.7056 + 66.2718 × 0.6724 + 64.6271 × 0.6889) / 3.0669
    #   = (61.9370 + 40.1952 + 44.5612 + 44.5216) / 3.0669 = 191.2150 / 3.0669 = 62.348 → 中度
    state = tli.from_values({"chla": 30, "TP": 0.1, "TN": 2.0, "SD": 0.5})
    assert sum(state.weights.values()) == pytest.approx(1.0)
    assert state.weights["chla"] == pytest.approx(1 / 3.0669)
    assert state.value == pytest.approx(62.348, abs=1e-3)
    assert state.grade == "中度富营养"


def test_tli_from_single_indices_and_one_parameter():
    state = tli.from_indices({"chla": 37.7, "TP": 69.8})
    # (37.7 × 1 + 69.8 × 0.7056) / 1.7056 = (37.7 + 49.25088) / 1.7056 = 50.98
    assert state.value == pytest.approx(50.980, abs=1e-3)
    assert state.grade == "轻度富营养"
    assert tli.from_indices({"TP": 42.0}).value == pytest.approx(42.0)


@pytest.mark.parametrize(
    ("value", "grade"),
    [
        (0, "贫营养"),
        (29.99, "贫营养"),
        (30, "中营养"),
        (50, "中营养"),
        (50.01, "轻度富营养"),
        (60, "轻度富营养"),
        (60.01, "中度富营养"),
        (70, "中度富营养"),
        (70.01, "重度富营养"),
        (95, "重度富营养"),
    ],
)
def test_tli_grades(value, grade):
    assert tli.grade(value) == grade


@pytest.mark.parametrize(
    ("values", "error", "field"),
    [
        ({"chla": 0}, "not_positive", "chla"),
        ({"SD": 1e-400}, "not_positive", "SD"),
        ({"pH": 7}, "not_trophic_parameter", "pH"),
        ({}, "no_trophic_values", None),
    ],
)
def test_tli_refuses(values, error, field):
    with pytest.raises(InputError) as raised:
        tli.from_values({k: Decimal(str(v)) for k, v in values.items()})
    assert (raised.value.code, raised.value.field) == (error, field)


# --- river or basin status --------------------------------------------------------------------


def _classes(**counts: int) -> list[Grade]:
    names = {"I": I, "II": II, "III": III, "IV": IV, "V": V, "W": WORSE}
    return [names[name] for name, count in counts.items() for _ in range(count)]


@pytest.mark.parametrize(
    ("grades", "status"),
    [
        (_classes(II=9, IV=1), "优"),  # I–III 90 %: 优 (≥ 90 %, inclusive)
        (_classes(II=8, IV=2), "良好"),  # 80 %
        (_classes(III=6, V=2), "良好"),  # 75 % exactly: 良好
        (_classes(III=7, IV=2, W=1), "轻度污染"),  # 70 %, 劣V 10 %
        (_classes(III=7, W=2, IV=1), "中度污染"),  # 劣V 20 % exactly: 中度
        (_classes(III=5, W=3, IV=2), "中度污染"),  # 劣V 30 %
        (_classes(III=6, W=4), "重度污染"),  # 劣V 40 % exactly: 重度
        (_classes(II=5), "优"),  # exactly 5 sections: the share method
    ],
)
def test_share_method(grades, status):
    result = statistics.status_from_classes(grades)
    assert (result.method, result.status) == ("share", status)


def test_share_method_counts_in_exact_fractions():
    # 26 of 29 sections in I–III is 89.655… %: not 优.
    result = statistics.status_from_classes(_classes(II=26, IV=3))
    assert result.status == "良好"
    assert result.share_i_iii == Fraction(26, 29)


def test_fewer_than_five_section_classes_need_values():
    with pytest.raises(InputError) as raised:
        statistics.status_from_classes([II, III, IV, II])
    assert raised.value.code == "needs_section_values"


def _section(**values: str) -> Section:
    return Section({code: Reading(code, Decimal(value)) for code, value in values.items()})


def test_mean_method_below_five_sections_uses_exact_means():
    # TP 0.1 (II), 0.2 (III), 0.3 (IV): the mean is exactly 0.2 → III, 良好.
    # In binary floating point the same mean is 0.20000000000000004, which would be IV.
    sections = [_section(TP=tp, NH3N="0.5") for tp in ("0.1", "0.2", "0.3")]
    assert (0.1 + 0.2 + 0.3) / 3 > 0.2
    result = statistics.status_from_sections(sections, "river")
    assert result.method == "mean"
    assert result.means is not None and result.means.values["TP"] == Decimal("0.2")
    assert result.means.grade is III
    assert result.status == "良好"
    assert result.section_grades == (II, III, IV)
    assert result.share_i_iii == Fraction(2, 3)


def test_mean_method_names_the_main_pollutants_of_the_means():
    # TP mean (0.4 + 0.3) / 2 = 0.35 → V; multiple (0.35 − 0.2) / 0.2 = 0.75 → 0.8.
    result = statistics.status_from_sections([_section(TP="0.4"), _section(TP="0.3")], "river")
    assert result.status == "中度污染"
    assert result.main_pollutants == ("总磷(0.8)",)


def test_share_method_from_values_ranks_pollutants_by_exceedance_rate():
    # 6 sections: COD above III in 3 (50 %), TP in 2 (33.3 %), NH3N in 1 (16.7 %); 2 劣V.
    rows = [
        {"COD": "25", "TP": "0.5", "NH3N": "0.5"},  # COD IV, TP 劣V → 劣V
        {"COD": "45", "TP": "0.35", "NH3N": "0.5"},  # COD 劣V → 劣V
        {"COD": "25", "TP": "0.1", "NH3N": "1.2"},  # IV
        {"COD": "15", "TP": "0.1", "NH3N": "0.5"},  # I
        {"COD": "15", "TP": "0.1", "NH3N": "0.5"},  # I
        {"COD": "15", "TP": "0.1", "NH3N": "0.5"},  # I
    ]
    result = statistics.status_from_sections([_section(**row) for row in rows], "river")
    assert result.method == "share"
    # I–III 3/6 = 50 % < 75 %; 劣V 2/6 = 33.3 %: 中度污染.
    assert result.status == "中度污染"
    assert result.main_pollutants == ("化学需氧量(50.0%)", "总磷(33.3%)", "氨氮(16.7%)")


def test_no_river_pollutants_when_the_river_is_good():
    rows = [{"TP": "0.1"}] * 9 + [{"TP": "0.35"}]
    result = statistics.status_from_sections([_section(**row) for row in rows], "river")
    assert (result.status, result.main_pollutants) == ("优", ())


# --- period means -----------------------------------------------------------------------------


def test_period_means_with_their_counts():
    parsed = [
        (date(2025, 1, 5), Decimal("1")),
        (date(2025, 1, 15), Decimal("1")),
        (date(2025, 1, 25), Decimal("1")),
        (date(2025, 2, 10), Decimal("4")),
        (date(2025, 4, 10), parse_readings({"TP": "<0.02"})["TP"].value),  # ½ DL: 0.01
    ]
    months = statistics.period_means(parsed, "month")
    assert [(m.period, m.value, m.count) for m in months] == [
        ("2025-01", Decimal(1), 3),
        ("2025-02", Decimal(4), 1),
        ("2025-04", Decimal("0.01"), 1),
    ]
    quarters = statistics.period_means(parsed, "quarter")
    assert [(q.period, q.value, q.count, q.meets_minimum) for q in quarters] == [
        ("2025-Q1", Decimal("1.75"), 4, True),  # the mean of the four results
        ("2025-Q2", Decimal("0.01"), 1, False),  # a quarter wants at least 2 results
    ]
    (year,) = statistics.period_means(parsed, "year")
    # The year is the mean of the monthly means: (1 + 4 + 0.01) / 3 = 1.67, not of the 5 results.
    assert (year.period, year.count, year.months) == ("2025", 5, 3)
    assert year.value == Decimal("5.01") / 3


# --- trend ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "after", "word"),
    [
        (II, I, "无明显变化"),  # both 优
        (III, II, "有所好转"),
        (III, IV, "有所变差"),
        (II, IV, "明显变差"),
        (WORSE, V, "有所好转"),
        (WORSE, IV, "明显好转"),  # 重度污染 → 轻度污染: two levels
        ("重度污染", "良好", "明显好转"),
    ],
)
def test_trend_words(before, after, word):
    assert statistics.trend(before, after) == word
