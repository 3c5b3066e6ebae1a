"""Creating, linking, updating and deleting over /sta/v1.1/, and every integrity rule."""

from __future__ import annotations

import pytest
from django.test import Client

from riverchief.core.models import AuditEntry
from riverchief.sensorthings import models as m
from tests.sensorthings.conftest import ROOT, SECTION, Sta, datastream_body, entity_id, thing_body


def test_the_service_root_lists_every_entity_set_and_the_conformance(office):
    body = office.get("").json()
    assert [s["name"] for s in body["value"]] == [
        "Things",
        "Locations",
        "HistoricalLocations",
        "Sensors",
        "ObservedProperties",
        "Datastreams",
        "Observations",
        "FeaturesOfInterest",
    ]
    assert body["value"][0]["url"] == "http://testserver/sta/v1.1/Things"
    assert any(
        c.endswith("/req/create-update-delete") for c in body["serverSettings"]["conformance"]
    )


def test_deep_insert_answers_201_with_the_location_header_and_makes_a_historical_location(office):
    response = office.post("Things", thing_body())
    assert response.status_code == 201
    thing_id = entity_id(response)
    assert response["Location"] == f"http://testserver/sta/v1.1/Things({thing_id})"
    thing = m.Thing.objects.get(pk=thing_id)
    assert thing.section.code == SECTION
    assert thing.locations.count() == 1
    history = thing.historical_locations.get()
    assert list(history.locations.all()) == list(thing.locations.all())
    assert AuditEntry.objects.filter(action="sta.create", object_id=str(thing_id)).exists()


def test_a_nested_object_with_an_id_is_a_link_and_its_other_members_are_ignored(office, station):
    # frost-sta-client sends linked entities in full: nothing must be inserted twice.
    thing = office.get(f"Things({station['thing']})", **{"$expand": "Locations"}).json()
    body = datastream_body(station["thing"], "DO")
    body["Thing"] = thing
    before = m.Location.objects.count()
    response = office.post("Datastreams", body)
    assert response.status_code == 201, response.content
    assert m.Location.objects.count() == before
    assert m.Datastream.objects.get(pk=entity_id(response)).thing_id == station["thing"]


@pytest.mark.parametrize("missing", ["Thing", "Sensor", "ObservedProperty"])
def test_a_datastream_without_its_thing_sensor_or_observed_property_is_400(
    office, station, missing
):
    body = datastream_body(station["thing"])
    del body[missing]
    before = (m.Datastream.objects.count(), m.Sensor.objects.count())
    response = office.post("Datastreams", body)
    assert response.status_code == 400
    assert response.json()["field"] == missing
    assert missing in response.json()["message_en"]
    assert (
        m.Datastream.objects.count(),
        m.Sensor.objects.count(),
    ) == before  # nothing half-written


def test_an_observation_without_a_datastream_is_400(office, station):
    response = office.post(
        "Observations", {"result": 1.0, "phenomenonTime": "2026-05-01T10:00:00Z"}
    )
    assert response.status_code == 400
    assert response.json()["field"] == "Datastream"


def test_a_link_to_an_entity_that_does_not_exist_is_400(office, station):
    response = office.post("Observations", {"result": 1.0, "Datastream": {"@iot.id": 999999}})
    assert response.status_code == 400
    assert response.json()["code"] == "unknown_link"


def test_the_feature_of_interest_is_made_from_the_location_once_and_reused(office, station):
    path = f"Datastreams({station['datastream']})/Observations"
    first = office.post(path, {"result": 0.8, "phenomenonTime": "2026-05-01T10:00:00+08:00"})
    second = office.post(path, {"result": 0.9})  # no phenomenonTime: the server's time
    assert first.status_code == second.status_code == 201
    one, two = m.Observation.objects.filter(pk__in=[entity_id(first), entity_id(second)])
    assert one.feature_of_interest_id == two.feature_of_interest_id
    feature = one.feature_of_interest
    assert feature.feature == {"type": "Point", "coordinates": [111.412, 35.5205]}
    assert two.phenomenon_time_start is not None


def test_an_observation_of_a_thing_without_location_and_without_feature_is_400(office):
    thing = entity_id(office.post("Things", {"name": "no place", "description": "x"}))
    datastream = entity_id(office.post("Datastreams", datastream_body(thing)))
    response = office.post("Observations", {"result": 1, "Datastream": {"@iot.id": datastream}})
    assert response.status_code == 400
    assert response.json()["field"] == "FeatureOfInterest"


def test_a_text_result_on_a_measurement_datastream_is_400(office, station):
    response = office.post(f"Datastreams({station['datastream']})/Observations", {"result": "high"})
    assert response.status_code == 400
    assert response.json()["field"] == "result"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"description": "no name"}, "name"),
        ({"name": 5, "description": "x"}, "name"),
        ({"name": "x", "description": "x", "properties": [1]}, "properties"),
        ({"name": "x", "description": "x", "colour": "red"}, "colour"),
        (
            {"name": "x", "description": "x", "properties": {"section_code": "NOPE"}},
            "properties.section_code",
        ),
    ],
)
def test_bad_members_are_400_naming_the_field(office, body, field):
    response = office.post("Things", body)
    assert response.status_code == 400
    assert response.json()["field"] == field


def test_a_bad_time_is_400_and_a_time_without_zone_is_shanghai_time(office, station):
    path = f"Datastreams({station['datastream']})/Observations"
    assert office.post(path, {"result": 1, "phenomenonTime": "yesterday"}).status_code == 400
    obs = entity_id(office.post(path, {"result": 1, "phenomenonTime": "2026-05-01T08:00:00"}))
    assert office.get(f"Observations({obs})").json()["phenomenonTime"] == "2026-05-01T00:00:00Z"


def test_an_observed_property_maps_to_the_contract_parameter_code(office, station):
    datastream = m.Datastream.objects.get(pk=station["datastream"])
    assert datastream.observed_property.parameter_code == "NH3N"
    response = office.post(
        "ObservedProperties",
        {"name": "Dissolved oxygen", "definition": "http://x/do", "description": "DO"},
    )
    assert m.ObservedProperty.objects.get(pk=entity_id(response)).parameter_code == "DO"
    bad = office.post(
        "ObservedProperties",
        {
            "name": "x",
            "definition": "http://x",
            "description": "x",
            "properties": {"parameter_code": "XYZ"},
        },
    )
    assert bad.status_code == 400


def test_writing_needs_a_token_reading_needs_a_user(db, signed_in, station, sta_as):
    anonymous = Client()
    assert anonymous.get(ROOT + "Things").status_code == 401
    session = signed_in("chief_hengshui")
    assert session.get(ROOT + "Things").status_code == 200
    assert session.post(ROOT + "Things", "{}", content_type="application/json").status_code == 401
    chief = sta_as("chief_hengshui")
    assert chief.get("Things").status_code == 200
    assert chief.post("Things", thing_body(None)).status_code == 403
    bad = Sta(Client(), {"HTTP_AUTHORIZATION": "Bearer rc_nope"})
    assert bad.get("Things").status_code == 401


def test_basic_auth_with_the_token_as_password_is_accepted(db):
    import base64

    from riverchief.accounts import services
    from riverchief.accounts.models import User

    _t, raw = services.issue_token(User.objects.get(username="admin"), "basic")
    header = "Basic " + base64.b64encode(f"station:{raw}".encode()).decode()
    client = Sta(Client(), {"HTTP_AUTHORIZATION": header})
    assert client.post("Things", thing_body(None)).status_code == 201


def test_an_office_of_another_county_cannot_tie_a_station_to_our_section(sta_as, station):
    outsider = sta_as("out_office")
    response = outsider.post("Things", thing_body())
    assert response.status_code == 400
    assert response.json()["field"] == "properties.section_code"
    denied = outsider.post(f"Datastreams({station['datastream']})/Observations", {"result": 1.0})
    assert denied.status_code == 403


def test_patch_merges_and_json_patch_replaces(office, station):
    path = f"Things({station['thing']})"
    response = office.patch(path, {"description": "新描述"})
    assert response.status_code == 200
    assert response.json()["name"] == "东刘家自动站"
    assert response.json()["description"] == "新描述"
    response = office.patch(
        path,
        [{"op": "replace", "path": "/name", "value": "改名站"}],
        content_type="application/json-patch+json",
    )
    assert response.status_code == 200, response.content
    assert m.Thing.objects.get(pk=station["thing"]).name == "改名站"
    assert office.patch(path, {"Locations": [{"name": "new"}]}).status_code == 400
    assert AuditEntry.objects.filter(action="sta.update", object_id=str(station["thing"])).exists()


def test_put_replaces_and_needs_every_mandatory_property(office, station):
    path = f"Things({station['thing']})"
    assert office.put(path, {"name": "only a name"}).status_code == 400
    response = office.put(path, {"name": "n", "description": "d"})
    assert response.status_code == 200
    thing = m.Thing.objects.get(pk=station["thing"])
    assert thing.properties is None and thing.section is None


def test_delete_cascades_as_the_spec_says(office, station):
    office.post(
        "CreateObservations",
        [
            {
                "Datastream": {"@iot.id": station["datastream"]},
                "components": ["phenomenonTime", "result"],
                "dataArray": [["2026-05-01T10:00:00Z", 0.5], ["2026-05-01T11:00:00Z", 0.6]],
            }
        ],
    )
    assert office.delete(f"Things({station['thing']})").status_code == 200
    assert not m.Datastream.objects.filter(pk=station["datastream"]).exists()
    assert not m.Observation.objects.filter(datastream_id=station["datastream"]).exists()
    assert not m.HistoricalLocation.objects.filter(thing_id=station["thing"]).exists()
    assert office.get(f"Things({station['thing']})").status_code == 404
    assert office.delete(f"Things({station['thing']})").status_code == 404


def test_deleting_a_location_deletes_its_historical_locations(office, station):
    location = m.Thing.objects.get(pk=station["thing"]).locations.get()
    assert office.delete(f"Locations({location.pk})").status_code == 200
    assert not m.HistoricalLocation.objects.filter(thing_id=station["thing"]).exists()


def test_bad_json_and_wrong_methods_are_clear_errors(office):
    response = office.client.post(
        ROOT + "Things", "{not json", content_type="application/json", **office.headers
    )
    assert response.status_code == 400
    assert response.json()["code"] == "bad_json"
    assert office.post("", {}).status_code == 405
    assert office.get("CreateObservations").status_code == 405


@pytest.mark.parametrize(
    "operations",
    [
        [{"op": "move", "from": "/name", "path": "/description"}],
        [{"op": "test", "path": "/name", "value": "not the name"}],
        [{"op": "replace", "path": "/nosuch", "value": 1}],
        [{"path": "/name"}],
        {"op": "replace"},
    ],
)
def test_bad_json_patches_are_400_and_change_nothing(office, station, operations):
    path = f"Things({station['thing']})"
    response = office.patch(path, operations, content_type="application/json-patch+json")
    assert response.status_code == 400
    assert m.Thing.objects.get(pk=station["thing"]).name == "东刘家自动站"
