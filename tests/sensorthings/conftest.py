"""Fixtures for the SensorThings tests: token clients and a station of section SEC-SSH-DLJ."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from riverchief.accounts import services as account_services
from riverchief.accounts.models import User
from tests.browser.conftest import (  # noqa: F401 (the real server, for test_frost_client.py)
    live_server_url,
    server_database_url,
    server_dir,
)

ROOT = "/sta/v1.1/"
SECTION = "SEC-SSH-DLJ"  # 涑水河东刘家村断面, target class IV, in 横水镇东刘家村


class Sta:
    """A Django test client speaking JSON to /sta/v1.1/ with a token (or a session)."""

    def __init__(self, client: Client, headers: dict[str, str]):
        self.client, self.headers = client, headers

    def get(self, path: str, **params):
        return self.client.get(ROOT + path, params, **self.headers)

    def post(self, path: str, body):
        return self.client.post(
            ROOT + path, json.dumps(body), content_type="application/json", **self.headers
        )

    def patch(self, path: str, body, content_type="application/json"):
        return self.client.patch(
            ROOT + path, json.dumps(body), content_type=content_type, **self.headers
        )

    def put(self, path: str, body):
        return self.client.put(
            ROOT + path, json.dumps(body), content_type="application/json", **self.headers
        )

    def delete(self, path: str):
        return self.client.delete(ROOT + path, **self.headers)


def _token(username: str) -> dict[str, str]:
    _t, raw = account_services.issue_token(User.objects.get(username=username), "sta")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


@pytest.fixture
def office(db) -> Sta:
    """绛县's 河长办 administrator with a token: may write."""
    return Sta(Client(), _token("admin"))


@pytest.fixture
def sta_as(db):
    def make(username: str) -> Sta:
        return Sta(Client(), _token(username))

    return make


def thing_body(section_code: str | None = SECTION, name: str = "东刘家自动站") -> dict:
    properties = {"section_code": section_code} if section_code else {}
    return {
        "name": name,
        "description": "水质自动监测站",
        "properties": properties,
        "Locations": [
            {
                "name": "站房",
                "description": "凤凰湾站房",
                "encodingType": "application/geo+json",
                "location": {"type": "Point", "coordinates": [111.412, 35.5205]},
            }
        ],
    }


def datastream_body(thing_id: int, code_name: str = "NH3N", symbol: str = "mg/L") -> dict:
    return {
        "name": f"{code_name} at 东刘家",
        "description": "online analyser",
        "observationType": "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement",
        "unitOfMeasurement": {
            "name": "milligram per litre",
            "symbol": symbol,
            "definition": "http://qudt.org/vocab/unit/MilliGM-PER-L",
        },
        "Thing": {"@iot.id": thing_id},
        "Sensor": {
            "name": "analyser",
            "description": "NH3-N analyser",
            "encodingType": "text/html",
            "metadata": "https://example.org/analyser",
        },
        "ObservedProperty": {
            "name": code_name,
            "description": "ammonia nitrogen",
            "definition": f"https://riverchief.example/parameters/{code_name}",
        },
    }


def entity_id(response) -> int:
    location = response["Location"]
    return int(location[location.index("(") + 1 : location.index(")")])


@pytest.fixture
def station(office) -> dict[str, int]:
    """A Thing tied to SEC-SSH-DLJ with a Location and an NH3N Datastream."""
    thing = entity_id(office.post("Things", thing_body()))
    datastream = entity_id(office.post("Datastreams", datastream_body(thing)))
    return {"thing": thing, "datastream": datastream}
