"""End to end with the real `frost-sta-client` against a real `riverchief serve` on loopback.

A station of section SEC-SSH-DLJ (target class IV) is created the way a field integrator would,
observations are streamed one by one and as a dataArray, read back with filters, expand and
paging; values worse than class IV raise the section's alarm (and its problem), good values
clear it.
"""

from __future__ import annotations

import json
import urllib.request

import frost_sta_client as fsc
import pytest
from geojson import Point

from riverchief.demo import DEMO_PASSWORD

MEASUREMENT = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement"


def _json(url: str, *, token: str | None = None, body: dict | None = None) -> dict:
    request = urllib.request.Request(  # noqa: S310 (the loopback test server)
        url, method="POST" if body is not None else "GET"
    )
    if body is not None:
        request.data = json.dumps(body).encode()
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 (loopback)
        return json.loads(answer.read())


@pytest.fixture(scope="module")
def token(live_server_url) -> str:
    body = {"username": "admin", "password": DEMO_PASSWORD, "name": "station"}
    return _json(f"{live_server_url}/api/v1/auth/token", body=body)["token"]


@pytest.fixture(scope="module")
def service(live_server_url, token) -> fsc.SensorThingsService:
    # The stock AuthHandler sends HTTP Basic; the server takes the password as the API token.
    return fsc.SensorThingsService(
        f"{live_server_url}/sta/v1.1", auth_handler=fsc.AuthHandler("station", token)
    )


def _open_alarms(url: str, token: str) -> list[dict]:
    items = _json(f"{url}/api/v1/alarms?open=true", token=token)["items"]
    return [a for a in items if a["section_code"] == "SEC-SSH-DLJ" and a["parameter"] == "NH3N"]


def test_a_station_streams_values_that_raise_and_clear_the_section_alarm(
    service,
    live_server_url,
    token,
):
    thing = fsc.Thing(
        name="东刘家自动站（frost）",
        description="水质自动站",
        properties={"section_code": "SEC-SSH-DLJ"},
    )
    thing.locations = [
        fsc.Location(
            name="站房",
            description="凤凰湾",
            encoding_type="application/geo+json",
            location=Point((111.412, 35.5205)),
        )
    ]
    service.create(thing)
    assert isinstance(thing.id, int)
    sensor = fsc.Sensor(
        name="NH3-N analyser",
        description="online",
        encoding_type="text/html",
        metadata="https://example.org/analyser",
    )
    observed = fsc.ObservedProperty(
        name="Ammonia nitrogen",
        description="NH3-N",
        definition="https://riverchief.example/parameters/NH3N",
    )
    service.create(sensor)
    service.create(observed)
    datastream = fsc.Datastream(
        name="NH3N",
        description="ammonia",
        observation_type=MEASUREMENT,
        unit_of_measurement=fsc.UnitOfMeasurement(
            name="milligram per litre",
            symbol="mg/L",
            definition="http://qudt.org/vocab/unit/MilliGM-PER-L",
        ),
        thing=thing,
        sensor=sensor,
        observed_property=observed,
    )
    service.create(datastream)  # links the Thing sent in full: no second Location
    assert service.things().find(thing.id).name == "东刘家自动站（frost）"
    assert len(service.things().find(thing.id).get_locations().query().list().entities) == 1

    # One by one: class III (1.0 mg/L), then class V (2.4): worse than the target IV.
    for hour, value in ((8, 1.0), (9, 2.4)):
        observation = fsc.Observation(
            result=value,
            datastream=datastream,
            phenomenon_time=f"2026-05-01T{hour:02d}:00:00+08:00",
        )
        service.create(observation)
        assert isinstance(observation.id, int)
    (alarm,) = _open_alarms(live_server_url, token)
    assert alarm["worst_value"] == 2.4
    assert alarm["problem_id"]  # the alarm opened a problem (监测告警)

    # A dataArray batch: still bad, then back inside class IV.
    array = fsc.DataArrayValue()
    array.components = {
        fsc.DataArrayValue.Property.PHENOMENON_TIME,
        fsc.DataArrayValue.Property.RESULT,
    }
    array.datastream = datastream
    for hour, value in ((10, 2.8), (11, 1.2), (12, 0.9)):
        array.add_observation(
            fsc.Observation(
                result=value,
                phenomenon_time=f"2026-05-01T{hour:02d}:00:00+08:00",
                datastream=datastream,
            )
        )
    document = fsc.DataArrayDocument()
    document.add_data_array_value(array)
    created = service.observations().create(document)
    assert len(created) == 3 and all("Observations(" in o.self_link for o in created)
    assert _open_alarms(live_server_url, token) == []

    # Reading back: filter, order, paging that the client follows, expand.
    bad = (
        service.datastreams()
        .find(datastream.id)
        .get_observations()
        .query()
        .filter("result gt 1.5")
        .orderby("phenomenonTime", "asc")
        .list()
    )
    assert [o.result for o in bad] == [2.4, 2.8]
    paged = (
        service.observations()
        .query()
        .filter(f"Datastream/@iot.id eq {datastream.id}")
        .top(2)
        .orderby("phenomenonTime", "ASC")
        .list()
    )
    assert [o.result for o in paged] == [1.0, 2.4, 2.8, 1.2, 0.9]  # three pages
    things = (
        service.things()
        .query()
        .filter("properties/section_code eq 'SEC-SSH-DLJ'")
        .expand("Datastreams")
        .select("name", "id", "Datastreams")
        .list()
    )
    assert [t.name for t in things] == ["东刘家自动站（frost）"]


def test_patch_update_and_delete_through_the_client(service):
    thing = fsc.Thing(name="临时站", description="to be removed")
    service.create(thing)
    service.patch(thing, [{"op": "replace", "path": "/description", "value": "patched"}])
    assert service.things().find(thing.id).description == "patched"
    fetched = service.things().find(thing.id)
    fetched.name = "改名"
    service.update(fetched)
    assert service.things().find(thing.id).name == "改名"
    service.delete(fetched)
    with pytest.raises(Exception):  # noqa: B017 (the client raises requests' HTTPError)
        service.things().find(thing.id)
