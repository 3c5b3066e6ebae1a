"""CreateObservations (dataArray) and the hand-over of a station's values to its section."""

from __future__ import annotations

import pytest

from riverchief.sensorthings import models as m
from tests.sensorthings.conftest import SECTION, datastream_body, entity_id


def _doc(datastream: int, rows, components=("phenomenonTime", "result")):
    return [
        {"Datastream": {"@iot.id": datastream}, "components": list(components), "dataArray": rows}
    ]


def test_the_answer_lists_selflinks_in_request_order_with_error_for_bad_rows(office, station):
    rows = [
        ["2026-05-01T10:00:00+08:00", 0.4],
        ["not a time", 0.5],
        ["2026-05-01T11:00:00+08:00", "high"],  # text on a measurement Datastream
        ["2026-05-01T12:00:00+08:00"],  # too short
        ["2026-05-01T12:00:00/2026-05-01T13:00:00", 0.7],  # an interval
    ]
    response = office.post("CreateObservations", _doc(station["datastream"], rows))
    assert response.status_code == 201
    answer = response.json()
    assert [a == "error" for a in answer] == [False, True, True, True, False]
    first = m.Observation.objects.get(pk=int(answer[0].split("(")[1].rstrip(")")))
    assert first.result == 0.4 and first.datastream_id == station["datastream"]
    last = office.client.get(answer[4], **office.headers).json()
    assert last["phenomenonTime"] == "2026-05-01T04:00:00Z/2026-05-01T05:00:00Z"


def test_feature_ids_result_time_and_parameters_components(office, station):
    obs = entity_id(
        office.post(f"Datastreams({station['datastream']})/Observations", {"result": 1.0})
    )
    feature = m.Observation.objects.get(pk=obs).feature_of_interest_id
    rows = [
        ["2026-05-01T10:00:00Z", 1.5, feature, "2026-05-01T10:05:00Z", {"flag": "A"}],
        ["2026-05-01T11:00:00Z", 1.6, 999999, None, None],
    ]
    components = ("phenomenonTime", "result", "FeatureOfInterest/id", "resultTime", "parameters")
    answer = office.post("CreateObservations", _doc(station["datastream"], rows, components)).json()
    assert answer[1] == "error"  # an unknown FeatureOfInterest
    saved = office.client.get(answer[0], **office.headers).json()
    assert saved["resultTime"] == "2026-05-01T10:05:00Z"
    assert saved["parameters"] == {"flag": "A"}


@pytest.mark.parametrize(
    ("document", "field"),
    [
        ({"not": "a list"}, None),
        ([{"components": ["phenomenonTime", "result"], "dataArray": []}], "[0].Datastream"),
        (
            [
                {
                    "Datastream": {"@iot.id": 987654},
                    "components": ["phenomenonTime", "result"],
                    "dataArray": [],
                }
            ],
            "[0].Datastream",
        ),
        ("ds", "[0].components"),
        ("ds-unknown-component", "[0].components"),
    ],
)
def test_a_broken_document_is_400_and_writes_nothing(office, station, document, field):
    if document == "ds":
        document = [
            {
                "Datastream": {"@iot.id": station["datastream"]},
                "components": ["result"],
                "dataArray": [[1]],
            }
        ]
    elif document == "ds-unknown-component":
        document = [
            {
                "Datastream": {"@iot.id": station["datastream"]},
                "components": ["phenomenonTime", "result", "colour"],
                "dataArray": [],
            }
        ]
    good = _doc(station["datastream"], [["2026-05-01T10:00:00Z", 1.0]])
    before = m.Observation.objects.count()
    body = good + document if isinstance(document, list) else document
    response = office.post("CreateObservations", body)
    assert response.status_code == 400
    if field:
        assert response.json()["field"] == field.replace("[0]", "[1]")
    assert m.Observation.objects.count() == before


def test_values_reach_the_section_once_committed_in_the_parameter_unit(
    office, station, monkeypatch, django_capture_on_commit_callbacks
):
    calls = []
    monkeypatch.setattr(
        "riverchief.monitoring.automatic.record_automatic_values",
        lambda code, values, source="": calls.append((code, values, source)),
    )
    micro = entity_id(office.post("Datastreams", datastream_body(station["thing"], "TP", "µg/L")))
    with django_capture_on_commit_callbacks(execute=True):
        office.post(
            "CreateObservations",
            _doc(station["datastream"], [["2026-05-01T10:00:00Z", 1.2]])
            + _doc(micro, [["2026-05-01T10:00:00Z", 250.0]]),
        )
    ((code, values, source),) = calls
    assert code == SECTION and source == "sta"
    assert sorted((c, round(v, 6)) for _t, c, v in values) == [("NH3N", 1.2), ("TP", 0.25)]


def test_a_station_not_tied_to_a_section_hands_nothing_over(
    office, monkeypatch, django_capture_on_commit_callbacks
):
    calls = []
    monkeypatch.setattr(
        "riverchief.monitoring.automatic.record_automatic_values", lambda *a, **k: calls.append(a)
    )
    thing = entity_id(office.post("Things", {**_untied(), "name": "未关联"}))
    ds = entity_id(office.post("Datastreams", datastream_body(thing)))
    with django_capture_on_commit_callbacks(execute=True):
        office.post("CreateObservations", _doc(ds, [["2026-05-01T10:00:00Z", 1.2]]))
    assert calls == []


def _untied():
    from tests.sensorthings.conftest import thing_body

    return thing_body(None)


def test_a_value_worse_than_the_target_class_raises_the_section_alarm_and_clears(
    office, station, django_capture_on_commit_callbacks
):
    from riverchief.monitoring.models import Alarm

    # SEC-SSH-DLJ's target is class IV: NH3N ≤ 1.5 mg/L; 2.4 is class V, 0.8 is class III.
    with django_capture_on_commit_callbacks(execute=True):
        office.post(
            "CreateObservations",
            _doc(
                station["datastream"],
                [
                    ["2026-05-01T10:00:00+08:00", 1.0],
                    ["2026-05-01T11:00:00+08:00", 2.4],
                    ["2026-05-01T12:00:00+08:00", 2.6],
                ],
            ),
        )
    alarm = Alarm.objects.get(section__code=SECTION, parameter="NH3N", kind="class")
    assert alarm.cleared_at is None and alarm.worst_value == 2.6
    with django_capture_on_commit_callbacks(execute=True):
        office.post(
            f"Datastreams({station['datastream']})/Observations",
            {"result": 0.8, "phenomenonTime": "2026-05-01T13:00:00+08:00"},
        )
    alarm.refresh_from_db()
    assert alarm.cleared_at is not None
