"""Open311 with the real clients against a real server on loopback: the PyPI `open311` 1.1
client (Python 2 code, loaded through tests/open311/py2compat.py, its files unchanged) and the
PyPI `georeport` client. The server is `riverchief serve` in its own process, on the demo county
plus three public reports (seed_server.py)."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
from pathlib import Path

import pytest
from defusedxml import ElementTree as ET

from tests.browser.conftest import (  # noqa: F401 - fixtures: the server, as the browser tests'
    _server_env,
    live_server_url,
    server_database_url,
    server_dir,
)
from tests.open311.conftest import validate
from tests.open311.py2compat import load_open311

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def server(live_server_url, server_dir, server_database_url):  # noqa: F811
    """The browser tests' server (demo county; its own instance here), plus seed_server.py's
    key and reports, written by a process of its own into the server's database."""
    env = _server_env(server_dir / "data", server_database_url)
    seeded = subprocess.run(
        [sys.executable, "-m", "tests.open311.seed_server"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert seeded.returncode == 0, seeded.stderr[-3000:]
    facts = json.loads(seeded.stdout.strip().splitlines()[-1])
    return {"endpoint": f"{live_server_url}/open311/v2", **facts}


def _as_list(value):
    """xml2dict gives a dict for one element and a list for several."""
    return value if isinstance(value, list) else [value]


def test_open311_client_reads_services_definitions_and_requests(server):
    Open311 = load_open311()
    client = Open311(endpoint=server["endpoint"])  # no jurisdiction: it sends jurisdiction_id=
    services = _as_list(client.service_list())
    assert [s["service_code"] for s in services][:3] == ["rubbish", "floating", "sewage"]
    assert services[0]["service_name"] == "河边垃圾" and services[0]["metadata"] == "true"
    # The client asks for the singular /service/{code}.xml.
    definition = client.service_definition("sewage")["service_definition"]
    attributes = _as_list(definition["attributes"]["attribute"])
    assert [a["code"] for a in attributes] == ["privacy", "coordinate_system", "accuracy_m"]
    numbers = server["numbers"]
    listed = {r["service_request_id"]: r for r in _as_list(client.service_requests())}
    assert set(listed) == {numbers["open"], numbers["closed"]}  # the waiting one is not public
    assert listed[numbers["closed"]]["status"] == "closed"
    only_open = _as_list(client.service_requests(status="open", service_code="rubbish"))
    assert [r["service_request_id"] for r in only_open] == [numbers["open"]]
    one = client.get_service_request(numbers["closed"])["service_requests"]["request"]
    assert one["service_code"] == "sewage" and one["status"] == "closed"
    assert "王五" not in json.dumps(listed, ensure_ascii=False)


def test_open311_client_posts_with_the_key_in_the_query_and_polls_the_token(server):
    Open311 = load_open311()
    client = Open311(endpoint=server["endpoint"], api_key=server["key"])
    lon, lat = server["point"]
    answer = client.post_service_request(
        service_code="fishing",
        lat=lat,
        long=lon,
        description="有人电鱼",
        email="reporter@example.org",
        **{"attribute[coordinate_system]": "wgs84", "attribute[accuracy_m]": "12"},
    )
    created = answer["service_requests"]["request"]
    assert created["token"] and "service_request_id" not in created
    polled = client.request_id_from_token(created["token"])
    assert polled == {"token": created["token"]}  # no id until the office accepts it
    known = client.request_id_from_token(server["tokens"]["open"])
    assert known["service_request_id"] == server["numbers"]["open"]


def test_open311_client_with_a_bad_key_gets_403_with_the_error_body(server):
    Open311 = load_open311()
    client = Open311(endpoint=server["endpoint"], api_key="o311_not-a-key")
    lon, lat = server["point"]
    with pytest.raises(urllib.error.HTTPError) as raised:
        client.post_service_request(service_code="rubbish", lat=lat, long=lon, description="x")
    assert raised.value.code == 403
    root = ET.fromstring(raised.value.read())
    assert root.find("error/code").text == "403"


def test_georeport_client_in_json_validated_against_the_schemas(server):
    from georeport import GeoReport

    client = GeoReport(server["endpoint"])
    services = client.get_service_list()
    validate(services, "services.json")
    definition = client.get_service_definition("rubbish")
    validate(definition, "service-definition.json")
    requests = client.get_service_requests(status="open,closed")
    validate(requests, "requests.json")
    assert {r["service_request_id"] for r in requests} == {
        server["numbers"]["open"],
        server["numbers"]["closed"],
    }
    closed = client.get_service_requests(service_request_id=server["numbers"]["closed"])
    assert [r["status"] for r in closed] == ["closed"]
    one = client.get_service_request(server["numbers"]["open"])
    validate([one], "requests.json")
    assert one["service_code"] == "rubbish"


def test_georeport_client_in_xml(server):
    from georeport import GeoReport

    client = GeoReport(server["endpoint"], jurisdiction="", output_format="xml")
    services = client.get_service_list()
    assert services[0]["service_code"] == "rubbish"
    requests = _as_list(client.get_service_requests(service_code="sewage"))
    assert [r["service_request_id"] for r in requests] == [server["numbers"]["closed"]]


def test_georeport_client_sees_http_errors_for_bad_filters(server):
    import requests
    from georeport import GeoReport

    client = GeoReport(server["endpoint"])
    with pytest.raises(requests.HTTPError) as raised:
        client.get_service_requests(start_date="last tuesday")
    assert raised.value.response.status_code == 400
    assert raised.value.response.json()[0]["description"].startswith("start_date:")
