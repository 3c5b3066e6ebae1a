"""GB 3838-2002 classes item by item, values below the detection limit, and a sample's evaluation.

The expected limits are written out here from the standard's Table 1, independently of the data
file the module loads, so a slip in either shows up.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from riverchief.monitoring import gb3838
from riverchief.monitoring.evaluation import evaluate
from riverchief.monitoring.gb3838 import (
    CLASS_ITEMS,
    ITEMS,
    Grade,
    InputError,
    classify_array,
    classify_long,
    classify_value,
    row_indices,
    sample_grades,
)
from riverchief.monitoring.readings import Reading, parse_reading, parse_readings

I, II, III, IV, V, WORSE = (  # noqa: E741 - the standard's class names
    Grade.I,
    Grade.II,
    Grade.III,
    Grade.IV,
    Grade.V,
    Grade.WORSE_THAN_V,
)

# GB 3838-2002 Table 1, classes I–V (upper limits unless noted), as printed in the standard.
TABLE = {
    "DO": ("7.5", "6", "5", "3", "2"),  # lower limits
    "CODMn": ("2", "4", "6", "10", "15"),
    "COD": ("15", "15", "20", "30", "40"),
    "BOD5": ("3", "3", "4", "6", "10"),
    "NH3N": ("0.15", "0.5", "1.0", "1.5", "2.0"),
    "TP": ("0.02", "0.1", "0.2", "0.3", "0.4"),
    "TN": ("0.2", "0.5", "1.0", "1.5", "2.0"),
    "Cu": ("0.01", "1.0", "1.0", "1.0", "1.0"),
    "Zn": ("0.05", "1.0", "1.0", "2.0", "2.0"),
    "F": ("1.0", "1.0", "1.0", "1.5", "1.5"),
    "Se": ("0.01", "0.01", "0.01", "0.02", "0.02"),
    "As": ("0.05", "0.05", "0.05", "0.1", "0.1"),
    "Hg": ("0.00005", "0.00005", "0.0001", "0.001", "0.001"),
    "Cd": ("0.001", "0.005", "0.005", "0.005", "0.01"),
    "Cr6": ("0.01", "0.05", "0.05", "0.05", "0.1"),
    "Pb": ("0.01", "0.01", "0.05", "0.05", "0.1"),
    "CN": ("0.005", "0.05", "0.2", "0.2", "0.2"),
    "VPhenol": ("0.002", "0.002", "0.005", "0.01", "0.1"),
    "Oil": ("0.05", "0.05", "0.05", "0.5", "1.0"),
    "LAS": ("0.2", "0.2", "0.2", "0.3", "0.3"),
    "S2": ("0.05", "0.1", "0.2", "0.5", "1.0"),
    "FC": ("200", "2000", "10000", "20000", "40000"),
}
LAKE_TP = ("0.01", "0.025", "0.05", "0.1", "0.2")
UPPER = [code for code in TABLE if code != "DO"]


def D(text: str) -> Decimal:
    return Decimal(text)


def _expected_upper(limits: tuple[str, ...], value: Decimal) -> Grade:
    """The best class whose limit the value does not exceed (≤, inclusive)."""
    for grade, limit in zip(Grade, limits, strict=False):
        if value <= D(limit):
            return grade
    return WORSE


def _tables() -> list[tuple[str, str, tuple[str, ...]]]:
    rows = [(code, "river", TABLE[code]) for code in UPPER]
    return [*rows, ("TP", "lake", LAKE_TP)]


def test_the_data_file_holds_table_1():
    assert gb3838.VERSION == "GB3838-2002"
    for code, limits in TABLE.items():
        assert ITEMS[code].limits == tuple(D(x) for x in limits), code
    assert ITEMS["TP"].lake_limits == tuple(D(x) for x in LAKE_TP)
    assert ITEMS["pH"].limits == (D("6"), D("9"))
    # 21 items set the class; TN and FC are reference indicators; WT is reported only.
    assert len(CLASS_ITEMS) == 21
    assert set(CLASS_ITEMS) == set(TABLE) - {"TN", "FC"} | {"pH"}
    assert gb3838.REFERENCE_ITEMS == ("TN", "FC")
    assert ITEMS["WT"].role == "reported"


@pytest.mark.parametrize(("code", "waterbody", "limits"), _tables(), ids=lambda x: str(x))
def test_both_sides_of_every_upper_limit(code, waterbody, limits):
    for limit_text in limits:
        limit = D(limit_text)
        step = Decimal(10) ** (limit.adjusted() - 6)
        for value in (limit - step, limit, limit + step):
            expected = _expected_upper(limits, value)
            assert classify_value(code, value, waterbody) == expected, (code, value)
            assert classify_value(code, str(value), waterbody) == expected
            vector = classify_array(code, [float(value)], waterbody)
            assert vector[0] == expected, (code, value)
        # On the limit: the class of that limit (or a better one it shares the limit with).
        assert classify_value(code, limit, waterbody) <= limits.index(limit_text) + 1


def test_shared_limits_skip_classes():
    # COD I=II=15: 15 is I, just above 15 jumps to III.
    assert classify_value("COD", "15") is I
    assert classify_value("COD", "15.01") is III
    assert classify_value("BOD5", "3.1") is III
    # Cu II–V = 1.0: above 0.01 is II all the way to 1.0, then 劣V.
    assert classify_value("Cu", "0.011") is II
    assert classify_value("Cu", "1.0") is II
    assert classify_value("Cu", "1.01") is WORSE
    # F I–III = 1.0, IV–V = 1.5.
    assert classify_value("F", "1.0") is I
    assert classify_value("F", "1.01") is IV
    assert classify_value("F", "1.51") is WORSE
    assert classify_value("Se", "0.011") is IV
    # Hg I=II=0.00005, IV=V=0.001.
    assert classify_value("Hg", "0.00005") is I
    assert classify_value("Hg", "0.00006") is III
    assert classify_value("Hg", "0.001") is IV
    assert classify_value("Cd", "0.006") is V
    assert classify_value("Pb", "0.02") is III
    # The research notes' own examples: CN 0.21 is 劣V, oil 0.06 is IV.
    assert classify_value("CN", "0.21") is WORSE
    assert classify_value("CN", "0.2") is III
    assert classify_value("Oil", "0.06") is IV
    assert classify_value("LAS", "0.21") is IV


def test_a_float_on_a_limit_is_read_as_the_decimal_written():
    # 0.2 as a binary float is 0.2000000000000000111…; read through its repr it is 0.2: III.
    assert classify_value("TP", 0.2) is III
    assert classify_value("TP", 0.1 + 0.1) is III
    assert classify_value("TP", 0.30000000000000004) is V  # 0.1 + 0.2 really is above 0.3


def test_lake_tp_limits():
    assert classify_value("TP", "0.01", "lake") is I
    assert classify_value("TP", "0.011", "lake") is II
    assert classify_value("TP", "0.05", "lake") is III
    assert classify_value("TP", "0.2", "lake") is V
    assert classify_value("TP", "0.2", "river") is III
    assert classify_value("TP", "0.21", "lake") is WORSE
    # Only TP differs: NH3N is the same in a lake.
    assert classify_value("NH3N", "0.8", "lake") is classify_value("NH3N", "0.8", "river")


def test_dissolved_oxygen_is_better_when_higher():
    cases = {
        "8": I,
        "7.5": I,
        "7.49": II,
        "6": II,
        "5.99": III,
        "5": III,
        "4.99": IV,
        "3": IV,
        "2.99": V,
        "2": V,
        "1.99": WORSE,
        "0": WORSE,
    }
    for value, grade in cases.items():
        assert classify_value("DO", value) is grade, value
        assert classify_array("DO", [float(value)])[0] == grade, value


def test_do_saturation_of_90_percent_meets_class_i():
    # Warm water: 6.9 mg/L can be 92 % saturated; 饱和率90%（或7.5） makes it class I.
    assert classify_value("DO", "6.9", do_saturation_pct=Decimal("92")) is I
    assert classify_value("DO", "6.9", do_saturation_pct=Decimal("90")) is I
    assert classify_value("DO", "6.9", do_saturation_pct=Decimal("89.9")) is II
    assert classify_value("DO", "6.9") is II
    grades = classify_array("DO", [6.9, 6.9, 6.9, 1.0], do_saturation_pct=[92, 89.9, np.nan, 95])
    assert grades.tolist() == [1, 2, 2, 1]


def test_ph_inside_6_to_9_is_class_i_and_outside_is_worse_than_v():
    for value, grade in {
        "6": I,
        "7.2": I,
        "9": I,
        "5.99": WORSE,
        "9.01": WORSE,
        "0": WORSE,
    }.items():
        assert classify_value("pH", value) is grade, value
        assert classify_array("pH", [float(value)])[0] == grade, value


@pytest.mark.parametrize(
    ("code", "value", "error"),
    [
        ("pH", "15", "out_of_range"),
        ("pH", "-0.1", "out_of_range"),
        ("TP", "-0.01", "negative"),
        ("DO", "-1", "negative"),
        ("FC", "1e13", "out_of_range"),
        ("XY", "1", "unknown_parameter"),
    ],
)
def test_values_outside_the_physical_range_are_refused(code, value, error):
    with pytest.raises(InputError) as raised:
        classify_value(code, value)
    assert raised.value.code == error


def test_vectorised_refuses_values_outside_the_physical_range():
    with pytest.raises(InputError) as raised:
        classify_array("pH", [7.0, 15.0])
    assert raised.value.code == "out_of_range"
    assert raised.value.field == "1"


# --- below the detection limit ----------------------------------------------------------------


@pytest.mark.parametrize("text", ["ND", "nd", "未检出", " ND "])
def test_not_detected_uses_half_the_detection_limit(text):
    reading = parse_reading("TP", text, D("0.01"))
    assert reading == Reading("TP", D("0.005"), True, D("0.01"))


@pytest.mark.parametrize("text", ["<0.01", "＜0.01", "< 0.01", "0.01L"])
def test_less_than_carries_its_own_detection_limit(text):
    assert parse_reading("TP", text) == Reading("TP", D("0.005"), True, D("0.01"))


def test_a_number_below_the_detection_limit_counts_as_below_it():
    assert parse_reading("TP", 0.004, D("0.01")).value == D("0.005")
    assert parse_reading("TP", 0.01, D("0.01")) == Reading("TP", D("0.01"))


def test_half_the_detection_limit_sets_the_class():
    # "<0.5" NH3N → 0.25 mg/L → II (0.15 < 0.25 ≤ 0.5), not I.
    parsed = parse_readings({"NH3N": "<0.5", "TP": "ND"}, {"TP": 0.01})
    result = evaluate(parsed, "lake")
    assert result.item_grades == {"NH3N": II, "TP": I}  # TP 0.005 ≤ lake I 0.01
    assert result.below_detection == ("NH3N", "TP")


@pytest.mark.parametrize(
    ("raw", "limit", "error"),
    [
        ("ND", None, "needs_detection_limit"),
        ("未检出", None, "needs_detection_limit"),
        ("<0", None, "bad_detection_limit"),
        ("<-1", None, "bad_detection_limit"),
        ("<abc", None, "not_a_number"),
        ("abc", None, "not_a_number"),
        ("0.5 mg/L", None, "not_a_number"),
        ("NaN", None, "not_a_number"),
        ("Infinity", None, "not_a_number"),
        (True, None, "not_a_number"),
        ([0.5], None, "not_a_number"),
        (None, None, "empty"),
        ("  ", None, "empty"),
        (-0.1, None, "negative"),
    ],
)
def test_unreadable_values_are_refused(raw, limit, error):
    with pytest.raises(InputError) as raised:
        parse_reading("TP", raw, limit, "values.TP")
    assert (raised.value.code, raised.value.field) == (error, "values.TP")


def test_ph_is_never_below_a_detection_limit():
    with pytest.raises(InputError) as raised:
        parse_reading("pH", "<1")
    assert raised.value.code == "not_censorable"


# --- a sample ---------------------------------------------------------------------------------


def _evaluate(values, waterbody="river", target=None, saturation=None):
    readings = {code: Reading(code, D(str(value))) for code, value in values.items()}
    return evaluate(readings, waterbody, target, saturation)


def test_a_river_sample_by_the_single_factor_method():
    # pH 7.2 → I; DO 6.1 ≥ 6 → II; CODMn 5.2 ≤ 6 → III; NH3N 0.8 ≤ 1.0 → III;
    # TP 0.3 ≤ 0.3 → IV; COD 22 ≤ 30 → IV. Worst: IV, 轻度污染.
    # 超标倍数 = (C − C_III) / C_III: TP (0.3 − 0.2) / 0.2 = 0.5; COD (22 − 20) / 20 = 0.1.
    result = _evaluate(
        {"pH": 7.2, "DO": 6.1, "CODMn": 5.2, "NH3N": 0.8, "TP": 0.3, "COD": 22, "WT": 18},
        target=III,
    )
    assert result.grade is IV
    assert result.status == "轻度污染"
    assert result.compliant is False
    assert [p.label for p in result.main_pollutants] == ["总磷(0.5)", "化学需氧量(0.1)"]
    assert result.evaluated_items == ("pH", "DO", "CODMn", "COD", "NH3N", "TP")
    assert "WT" not in result.item_grades and result.values["WT"] == 18


def test_main_pollutants_order():
    # Pb 0.06 → V, (0.06 − 0.05) / 0.05 = 0.2, a priority metal: first whatever its class.
    # TP 0.5 → 劣V, (0.5 − 0.2) / 0.2 = 1.5.  NH3N 1.8 → V, (1.8 − 1.0) / 1.0 = 0.8.
    # COD 35 → V, (35 − 20) / 20 = 0.75 (shown 0.8, but ranked by the exact 0.75 < 0.8).
    # CODMn 8 → IV, 0.33.  DO 2.5 → V, no multiple. At most three are named.
    result = _evaluate({"Pb": 0.06, "TP": 0.5, "NH3N": 1.8, "COD": 35, "CODMn": 8, "DO": 2.5})
    assert result.grade is WORSE
    assert result.status == "重度污染"
    assert [p.label for p in result.main_pollutants] == ["铅(0.2)", "总磷(1.5)", "氨氮(0.8)"]


def test_an_item_without_a_multiple_comes_after_those_with_one_in_its_class():
    # DO 2.5 → V (no multiple); NH3N 1.6 → V, 0.6; pH 9.5 → 劣V (no multiple) first by class.
    result = _evaluate({"DO": 2.5, "NH3N": 1.6, "pH": 9.5})
    assert [p.label for p in result.main_pollutants] == ["pH", "氨氮(0.6)", "溶解氧"]


def test_multiples_are_rounded_half_up_to_one_decimal():
    # COD 21: (21 − 20) / 20 = 0.05 → 0.1 half up (half-even would say 0.0).
    # CODMn 6.3: (6.3 − 6) / 6 = 0.05 → 0.1 (the 肇源 2007 case in the notes).
    # Both IV with equal multiples: the table's order decides.
    result = _evaluate({"COD": 21, "CODMn": "6.3"})
    assert [p.label for p in result.main_pollutants] == ["高锰酸盐指数(0.1)", "化学需氧量(0.1)"]
    # NH3N 1.04: (1.04 − 1) / 1 = 0.04 → 0.0; 1.25 → 0.25 → 0.3 (half up).
    assert _evaluate({"NH3N": "1.04"}).main_pollutants[0].label == "氨氮(0.0)"
    assert _evaluate({"NH3N": "1.25"}).main_pollutants[0].label == "氨氮(0.3)"


def test_lake_multiples_use_the_lake_class_iii_limit():
    # Lake TP 0.06 → IV; (0.06 − 0.05) / 0.05 = 0.2.
    result = _evaluate({"TP": "0.06", "pH": 7}, "lake")
    assert result.grade is IV
    assert [p.label for p in result.main_pollutants] == ["总磷(0.2)"]


def test_no_main_pollutants_for_a_class_iii_section():
    result = _evaluate({"TP": 0.2, "NH3N": 1.0})
    assert result.grade is III and result.status == "良好"
    assert result.main_pollutants == ()


def test_compliance_against_the_target_class():
    assert _evaluate({"TP": 0.2}, target=III).compliant is True
    assert _evaluate({"TP": 0.01}, target=II).compliant is True
    assert _evaluate({"TP": 0.21}, target=III).compliant is False
    assert _evaluate({"TP": 0.21}).compliant is None


def test_reference_indicators_never_change_the_class():
    # TN 1.2 → IV (湖、库 limits, informational on a river); FC 2500 → III. Class from TP: II.
    result = _evaluate({"TP": 0.05, "TN": 1.2, "FC": 2500})
    assert result.grade is II
    assert result.reference == {"TN": IV, "FC": III}
    assert "TN" not in result.item_grades


def test_status_words_and_colours():
    words = [grade.status for grade in Grade]
    assert words == ["优", "优", "良好", "轻度污染", "中度污染", "重度污染"]
    assert [grade.colour for grade in Grade] == ["blue", "blue", "green", "yellow", "orange", "red"]
    assert gb3838.parse_grade("Ⅲ") is III and gb3838.parse_grade("劣V") is WORSE
    with pytest.raises(InputError):
        gb3838.parse_grade("劣V", allow_worse_than_v=False)


def test_a_sample_needs_a_class_item():
    with pytest.raises(InputError) as raised:
        _evaluate({"TN": 1.0, "WT": 20})
    assert raised.value.code == "no_class_item"


# --- properties -------------------------------------------------------------------------------


def _values(code: str) -> st.SearchStrategy[Decimal]:
    spec = ITEMS[code]
    if code == "pH":
        return st.decimals(min_value=0, max_value=14, places=2)
    limits = list(spec.limits) + list(spec.lake_limits or ())
    top = max(limits) * 3
    step = Decimal(10) ** (min(limits).adjusted() - 2)
    edges = [limit + delta for limit in limits for delta in (-step, 0, step) if limit + delta >= 0]
    places = max(0, -min(limits).adjusted() + 2)
    return st.one_of(st.sampled_from(edges), st.decimals(min_value=0, max_value=top, places=places))


SAMPLES = st.sets(st.sampled_from(CLASS_ITEMS), min_size=1).flatmap(
    lambda codes: st.fixed_dictionaries({code: _values(code) for code in sorted(codes)})
)
WATERBODIES = st.sampled_from(["river", "lake"])


def _worse(code: str, value: Decimal, by: Decimal) -> Decimal:
    if code == "DO":
        return max(Decimal(0), value - by)
    if code == "pH":
        return min(Decimal(14), value + by) if value >= Decimal("7.5") else max(0, value - by)
    return value + by


@settings(max_examples=300, deadline=None)
@given(SAMPLES, WATERBODIES, st.data())
def test_making_a_value_worse_never_improves_the_class(sample, waterbody, data):
    before = _evaluate(sample, waterbody)
    code = data.draw(st.sampled_from(sorted(sample)))
    by = data.draw(st.decimals(min_value=0, max_value=50, places=4))
    worse = {**sample, code: _worse(code, sample[code], by)}
    after = _evaluate(worse, waterbody)
    assert after.grade >= before.grade
    assert after.item_grades[code] >= before.item_grades[code]


@settings(max_examples=300, deadline=None)
@given(SAMPLES, WATERBODIES)
def test_the_class_is_the_worst_item_class(sample, waterbody):
    result = _evaluate(sample, waterbody)
    assert result.grade == max(result.item_grades.values())
    assert result.item_grades == {
        code: classify_value(code, value, waterbody) for code, value in sample.items()
    }
    assert (result.main_pollutants != ()) == (result.grade > III)


@settings(max_examples=300, deadline=None)
@given(SAMPLES, WATERBODIES)
def test_scalar_and_vectorised_agree_on_samples(sample, waterbody):
    arrays = {code: np.array([float(value)]) for code, value in sample.items()}
    assert sample_grades(arrays, waterbody)[0] == _evaluate(sample, waterbody).grade


def test_scalar_and_vectorised_agree_on_random_data():
    rng = np.random.default_rng(3838)
    codes = [code for code in ITEMS if ITEMS[code].direction != "none"]
    for code in codes:
        spec = ITEMS[code]
        limits = [float(x) for x in (*spec.limits, *(spec.lake_limits or ()))]
        top = 14.0 if code == "pH" else max(limits) * 3
        values = np.concatenate(
            [
                rng.uniform(0, top, 400),
                np.round(rng.uniform(0, top, 400), rng.integers(0, 6)),
                np.array(limits),
                np.nextafter(np.array(limits), np.inf),
                np.nextafter(np.array(limits), 0),
            ]
        )
        saturation = rng.uniform(60, 110, values.size) if code == "DO" else None
        for waterbody in ("river", "lake"):
            vector = classify_array(code, values, waterbody, saturation)
            scalar = [
                classify_value(
                    code,
                    float(value),
                    waterbody,
                    None if saturation is None else float(saturation[i]),
                )
                for i, value in enumerate(values)
            ]
            assert vector.tolist() == [int(grade) for grade in scalar], code


def test_classify_long_mixes_items_and_water_bodies():
    codes = ["TP", "TP", "DO", "pH", "COD", "TP"]
    values = [0.2, 0.2, 5.0, 9.5, np.nan, 0.05]
    lake = [False, True, True, False, False, True]
    grades = classify_long(row_indices(codes), values, lake)
    assert grades.tolist() == [3, 5, 3, 6, 0, 3]


def test_a_zero_reading_in_a_lake_leaves_its_trophic_index_out():
    # ln 0 has no value: TP written as 0 (rather than "ND") drops out of TLI, weights renormalised.
    result = _evaluate({"TP": "0", "chla": "10", "SD": "1.0"}, "lake")
    assert result.item_grades == {"TP": I}
    assert result.trophic is not None and set(result.trophic.items) == {"chla", "SD"}
