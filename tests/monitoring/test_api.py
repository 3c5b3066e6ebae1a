"""The contract's water-quality endpoints: evaluate, river-status and tli, good and bad input."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

EVALUATE = "/api/v1/water-quality/evaluate"
RIVER_STATUS = "/api/v1/water-quality/river-status"
TLI = "/api/v1/water-quality/tli"


@pytest.fixture
def client(signed_in):
    return signed_in("chief_hengshui")


def _post(client, url, body, **headers):
    return client.post(url, data=json.dumps(body), content_type="application/json", **headers)


def test_a_river_sample_is_evaluated_as_the_contract_shows(client):
    answer = _post(
        client,
        EVALUATE,
        {
            "waterbody_type": "river",
            "target_class": "III",
            "values": {
                "pH": 7.2,
                "DO": 6.1,
                "CODMn": "5.2",
                "NH3N": 0.8,
                "TP": 0.3,
                "COD": 22,
                "Hg": "<0.00004",
                "TN": 1.2,
                "FC": 1500,
                "WT": 18.5,
            },
        },
    )
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["class"] == "IV"
    assert body["status"] == "轻度污染"
    assert body["colour"] == "yellow"
    assert body["compliant"] is False
    assert body["item_classes"] == {
        "pH": "I",
        "DO": "II",
        "CODMn": "III",
        "COD": "IV",
        "NH3N": "III",
        "TP": "IV",
        "Hg": "I",
    }
    assert body["evaluated_items"] == ["pH", "DO", "CODMn", "COD", "NH3N", "TP", "Hg"]
    assert body["main_pollutants"] == ["总磷(0.5)", "化学需氧量(0.1)"]
    assert body["reference"] == {"TN": "IV", "FC": "II"}
    assert body["values"]["Hg"] == 0.00002  # ½ × 0.00004
    assert body["values"]["WT"] == 18.5
    assert body["below_detection"] == ["Hg"]
    assert body["tli"] is None
    assert body["rules"] == "GB 3838-2002, 环办〔2011〕22号"


def test_a_lake_sample_has_its_trophic_state(client):
    answer = _post(
        client,
        EVALUATE,
        {
            "waterbody_type": "lake",
            "values": {"pH": 8, "DO": 8.0, "TP": "ND", "TN": 1.0, "chla": 10, "SD": 1.0},
            "detection_limits": {"TP": 0.01},
        },
    )
    assert answer.status_code == 200, answer.content
    body = answer.json()
    # TP ND → ½ × 0.01 = 0.005 ≤ lake class I 0.01.
    assert (body["class"], body["status"], body["compliant"]) == ("I", "优", None)
    assert set(body["tli"]["items"]) == {"chla", "TP", "TN", "SD"}
    assert body["tli"]["grade"] in ("贫营养", "中营养")
    assert body["tli"]["items"]["chla"] == 50.01


def test_do_saturation_lifts_dissolved_oxygen_to_class_i(client):
    body = {"waterbody_type": "river", "values": {"DO": 6.9}, "do_saturation_pct": 92}
    assert _post(client, EVALUATE, body).json()["class"] == "I"
    body["do_saturation_pct"] = 80
    assert _post(client, EVALUATE, body).json()["class"] == "II"


def test_an_api_token_may_evaluate(db, token_for):
    from django.test import Client

    body = {"waterbody_type": "river", "values": {"TP": 0.2}}
    answer = _post(Client(), EVALUATE, body, **token_for("dept_water"))
    assert answer.status_code == 200
    assert answer.json()["class"] == "III"
    assert _post(Client(), EVALUATE, body).status_code == 401


RIVER = {"waterbody_type": "river"}


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({**RIVER, "values": {"XYZ": 1}}, "values.XYZ", "unknown_parameter"),
        ({**RIVER, "values": {"TP": -0.1}}, "values.TP", "negative"),
        ({**RIVER, "values": {"pH": 15}}, "values.pH", "out_of_range"),
        ({**RIVER, "values": {"TP": "abc"}}, "values.TP", "not_a_number"),
        ({**RIVER, "values": {"TP": "0.1 mg/L"}}, "values.TP", "not_a_number"),
        ({**RIVER, "values": {"TP": True}}, "values.TP", "not_a_number"),
        ({**RIVER, "values": {"TP": [1]}}, "values.TP", "not_a_number"),
        ({**RIVER, "values": {"TP": "1e400"}}, "values.TP", "out_of_range"),
        ({**RIVER, "values": {"TP": "ND"}}, "values.TP", "needs_detection_limit"),
        ({**RIVER, "values": {"TP": "未检出"}}, "values.TP", "needs_detection_limit"),
        ({**RIVER, "values": {"TP": "<-1"}}, "values.TP", "bad_detection_limit"),
        ({**RIVER, "values": {"pH": "<5"}}, "values.pH", "not_censorable"),
        ({**RIVER, "values": {"TP": ""}}, "values.TP", "empty"),
        ({**RIVER, "values": {"TP": None}}, "values.TP", "empty"),
        ({**RIVER, "values": {}}, "values", "no_values"),
        ({**RIVER, "values": {"TN": 1.0}}, "values", "no_class_item"),
        (
            {**RIVER, "values": {"TP": "ND"}, "detection_limits": {"TP": 0}},
            "detection_limits.TP",
            "bad_detection_limit",
        ),
        (
            {**RIVER, "values": {"TP": 1}, "detection_limits": {"Foo": 1}},
            "detection_limits.Foo",
            "unknown_parameter",
        ),
        ({**RIVER, "values": {"TP": 1}, "target_class": "VI"}, "target_class", "unknown_class"),
        ({**RIVER, "values": {"TP": 1}, "target_class": "劣V"}, "target_class", "unknown_class"),
        (
            {**RIVER, "values": {"TP": 1}, "do_saturation_pct": "x"},
            "do_saturation_pct",
            "not_a_number",
        ),
        (
            {**RIVER, "values": {"TP": 1}, "do_saturation_pct": 95},
            "do_saturation_pct",
            "saturation_without_do",
        ),
        (
            {"waterbody_type": "lake", "values": {"TP": 0.1, "chla": -1}},
            "values.chla",
            "negative",
        ),
        ({**RIVER, "values": [1, 2]}, "values", "invalid"),
        ({"waterbody_type": "sea", "values": {"TP": 1}}, "waterbody_type", "invalid"),
        ({"values": {"TP": 1}}, "waterbody_type", "invalid"),
    ],
)
def test_bad_evaluation_input_is_a_4xx_naming_the_field(client, body, field, code):
    answer = _post(client, EVALUATE, body)
    assert 400 <= answer.status_code < 500, answer.content
    payload = answer.json()
    assert (payload["field"], payload["code"]) == (field, code), payload
    assert payload["message"] and payload["message_en"]


def test_errors_are_in_chinese_and_english(client):
    payload = _post(client, EVALUATE, {**RIVER, "values": {"pH": 15}}).json()
    assert payload["message_en"] == "Outside the physical range 0 to 14."
    assert payload["message"] == "超出物理范围 0 至 14。"
    payload = _post(client, EVALUATE, {**RIVER, "values": {"TP": "ND"}}).json()
    assert "detection_limits.TP" in payload["message_en"]
    assert "检出限" in payload["message"]


# --- river status -----------------------------------------------------------------------------


def test_river_status_by_the_share_of_sections(client):
    answer = _post(client, RIVER_STATUS, {"section_classes": ["II", "III", "劣V", "IV", "Ⅱ"]})
    assert answer.status_code == 200, answer.content
    body = answer.json()
    # 3 of 5 in I–III = 60 % < 75 %; 劣V 1 of 5 = 20 %: 中度污染.
    assert body["status"] == "中度污染"
    assert (body["share_I_III"], body["share_worse_than_V"]) == (60.0, 20.0)
    assert body["method"] == "share"
    assert body["section_classes"] == ["II", "III", "劣V", "IV", "II"]


def test_river_status_by_the_mean_of_fewer_than_five_sections(client):
    sections = [{"values": {"TP": tp, "NH3N": "0.4"}} for tp in ("0.1", "0.2", "0.3")]
    answer = _post(client, RIVER_STATUS, {"sections": sections})
    assert answer.status_code == 200, answer.content
    body = answer.json()
    # TP mean (0.1 + 0.2 + 0.3) / 3 = 0.2 exactly → III; NH3N 0.4 → II: 良好.
    assert (body["method"], body["class"], body["status"]) == ("mean", "III", "良好")
    assert body["section_classes"] == ["II", "III", "IV"]
    assert body["share_I_III"] == 66.7


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({}, "sections", "invalid"),
        ({"section_classes": ["II"] * 5, "sections": []}, "sections", "invalid"),
        ({"section_classes": ["II", "III", "IV"]}, "section_classes", "needs_section_values"),
        (
            {"section_classes": ["II", "III", "VII", "II", "I"]},
            "section_classes.2",
            "unknown_class",
        ),
        ({"section_classes": []}, "section_classes", "no_sections"),
        ({"sections": []}, "sections", "no_sections"),
        (
            {"sections": [{"values": {"TP": 0.1}}, {"values": {"TP": -1}}]},
            "sections.1.values.TP",
            "negative",
        ),
        ({"sections": [{"values": {"WT": 20}}]}, "sections.0.values", "no_class_item"),
        ({"sections": [1, 2]}, "sections.0.", "invalid"),
        ({"section_classes": ["II"] * 10_001}, "section_classes", "invalid"),
    ],
)
def test_bad_river_status_input(client, body, field, code):
    answer = _post(client, RIVER_STATUS, body)
    assert 400 <= answer.status_code < 500, answer.content
    payload = answer.json()
    assert payload["code"] == code, payload
    if field.endswith("."):  # pydantic names the first missing key inside the bad item
        assert payload["field"].startswith(field), payload
    else:
        assert payload.get("field") == field, payload


# --- TLI --------------------------------------------------------------------------------------


def test_tli_from_values_indices_or_a_value(client):
    body = _post(
        client, TLI, {"values": {"chla": 10, "TP": 0.05, "TN": 1.0, "SD": 1.0, "CODMn": 4}}
    ).json()
    assert (body["value"], body["grade"]) == (48.02, "中营养")  # hand-computed in test_tli…
    assert body["items"]["TN"] == 54.53
    body = _post(client, TLI, {"indices": {"chla": 37.7, "TP": 69.8}}).json()
    assert (body["value"], body["grade"]) == (50.98, "轻度富营养")
    body = _post(client, TLI, {"value": 52.3}).json()
    assert body == {"value": 52.3, "grade": "轻度富营养", "items": {}, "weights": {}}
    body = _post(client, TLI, {"values": {"TP": "<0.02"}}).json()
    assert body["items"] == {"TP": round(10 * (9.436 + 1.624 * -4.605170), 2)}  # ln 0.01


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({}, "values", "invalid"),
        ({"value": 50, "indices": {"TP": 50}}, "values", "invalid"),
        ({"values": {"chla": 0}}, "values.chla", "not_positive"),
        ({"values": {"pH": 7}}, "values.pH", "not_trophic_parameter"),
        ({"values": {"TP": "ND"}}, "values.TP", "needs_detection_limit"),
        ({"values": {}}, "values", "no_values"),
        ({"indices": {"chla": "abc"}}, "indices.chla", "not_a_number"),
        ({"indices": {"chla": 1e9}}, "indices.chla", "out_of_range"),
        ({"indices": {"DO": 30}}, "indices.DO", "not_trophic_parameter"),
        ({"indices": {}}, "indices", "no_trophic_values"),
        ({"value": "high"}, "value", "not_a_number"),
        ({"value": True}, "value", "not_a_number"),
    ],
)
def test_bad_tli_input(client, body, field, code):
    answer = _post(client, TLI, body)
    assert 400 <= answer.status_code < 500, answer.content
    payload = answer.json()
    assert (payload.get("field"), payload["code"]) == (field, code), payload


def test_the_endpoints_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for url in (EVALUATE, RIVER_STATUS, TLI):
        assert "post" in paths[url]


# --- whatever arrives, the answer is never a 500 ----------------------------------------------

ANY_VALUE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    st.sampled_from(
        ["ND", "未检出", "<0.01", "0.01L", "1e999999999", "1e-999999999", "-0", "<1e-9999", "L"]
    ),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
CODES = st.sampled_from(["pH", "DO", "TP", "TN", "FC", "WT", "chla", "SD", "Hg", "COD", "XX"])


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    waterbody=st.sampled_from(["river", "lake"]),
    values=st.dictionaries(CODES, ANY_VALUE, max_size=5),
    limits=st.one_of(st.none(), st.dictionaries(CODES, ANY_VALUE, max_size=2)),
    saturation=ANY_VALUE,
    target=st.one_of(st.none(), st.sampled_from(["I", "Ⅲ", "劣V", "x"])),
)
def test_evaluate_never_answers_500(client, waterbody, values, limits, saturation, target):
    body = {"waterbody_type": waterbody, "values": values, "detection_limits": limits}
    body |= {"do_saturation_pct": saturation, "target_class": target}
    answer = _post(client, EVALUATE, body)
    assert answer.status_code in (200, 400, 422), (body, answer.content[:300])
    for url in (RIVER_STATUS, TLI):
        other = (
            {"sections": [{"values": values}] * 2} if url == RIVER_STATUS else {"values": values}
        )
        answer = _post(client, url, other)
        assert answer.status_code in (200, 400, 422), (url, values, answer.content[:300])
