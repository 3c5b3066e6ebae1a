"""Landing page, conformance, API definition and collection metadata, as clients read them."""

from __future__ import annotations

import shapely
from shapely.geometry import shape

from riverchief.registry.models import Facility, Reach, WaterBody

BASE = "http://testserver/ogcapi"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
IDS = ["waterbodies", "reaches", "facilities", "sections", "problems"]


def _rels(links):
    return {(link["rel"], link["type"]): link["href"] for link in links}


def test_landing_page_links_the_api_definition_conformance_and_data(client, db):
    answer = client.get("/ogcapi/")
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/json"
    links = answer.json()["links"]
    assert all({"href", "rel", "type"} <= link.keys() for link in links)
    rels = _rels(links)
    assert rels[("self", "application/json")] == f"{BASE}/?f=json"
    assert rels[("alternate", "text/html")] == f"{BASE}/?f=html"
    assert rels[("service-desc", OPENAPI)] == f"{BASE}/api"
    assert rels[("service-doc", "text/html")] == f"{BASE}/api?f=html"
    assert rels[("conformance", "application/json")] == f"{BASE}/conformance"
    assert rels[("data", "application/json")] == f"{BASE}/collections"


def test_conformance_declares_core_geojson_html_and_openapi(client, db):
    classes = client.get("/ogcapi/conformance").json()["conformsTo"]
    prefix = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/"
    assert sorted(classes) == sorted(prefix + name for name in ("core", "geojson", "html", "oas30"))


def test_api_definition_is_openapi_3_with_every_parameter_the_items_accept(client, db):
    answer = client.get("/ogcapi/api")
    assert answer["Content-Type"] == OPENAPI
    document = answer.json()
    assert document["openapi"].startswith("3.0")
    assert document["servers"] == [{"url": BASE}]
    for collection in IDS:
        items = document["paths"][f"/collections/{collection}/items"]["get"]
        names = {parameter["name"] for parameter in items["parameters"]}
        assert {"bbox", "bbox-crs", "limit", "offset", "datetime", "f"} <= names
        limit = next(p for p in items["parameters"] if p["name"] == "limit")["schema"]
        assert (limit["minimum"], limit["default"], limit["maximum"]) == (1, 10, 10000)
        assert f"/collections/{collection}/items/{{featureId}}" in document["paths"]
    facilities = document["paths"]["/collections/facilities/items"]["get"]["parameters"]
    kind = next(p for p in facilities if p["name"] == "kind")
    assert set(kind["schema"]["enum"]) == set(Facility.objects.values_list("kind", flat=True))


def _box_of(rows) -> list[float]:
    bounds = shapely.bounds([shape(row.geometry) for row in rows if row.geometry])
    return [bounds[:, 0].min(), bounds[:, 1].min(), bounds[:, 2].max(), bounds[:, 3].max()]


def test_collections_list_the_public_layers_with_extents_from_the_data(client, reports):
    answer = client.get("/ogcapi/collections").json()
    entries = {entry["id"]: entry for entry in answer["collections"]}
    assert list(entries) == IDS
    for entry in entries.values():
        assert entry["itemType"] == "feature"
        rels = _rels(entry["links"])
        assert rels[("items", "application/geo+json")] == f"{BASE}/collections/{entry['id']}/items"
    expected = {
        "waterbodies": _box_of(WaterBody.objects.all()),
        "reaches": _box_of(Reach.objects.all()),
        "facilities": _box_of(Facility.objects.all()),
        "sections": _box_of(Facility.objects.filter(kind="section")),
        "problems": [111.57, 35.49, 111.65, 35.60],  # the three published reports only
    }
    for collection, box in expected.items():
        got = entries[collection]["extent"]["spatial"]["bbox"][0]
        assert got == [round(value, 9) for value in box], collection
    # Report times of the published ones (the unpublished 2026-06-01 report is left out).
    assert entries["problems"]["extent"]["temporal"]["interval"] == [
        ["2026-03-01T02:00:00Z", "2026-05-20T12:30:00Z"]
    ]
    assert "temporal" not in entries["reaches"]["extent"]


def test_a_collection_answers_what_the_list_says_with_more_links(client, db):
    listed = {e["id"]: e for e in client.get("/ogcapi/collections").json()["collections"]}
    for collection in IDS:
        alone = client.get(f"/ogcapi/collections/{collection}").json()
        for key in ("id", "title", "description", "extent", "itemType"):
            assert alone.get(key) == listed[collection].get(key), (collection, key)
        own = _rels(alone["links"])
        assert set(_rels(listed[collection]["links"])) <= set(own)
        assert own[("self", "application/json")] == f"{BASE}/collections/{collection}?f=json"


def test_browsers_get_html_and_other_clients_json(client, db):
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    for url in ("/ogcapi/", "/ogcapi/conformance", "/ogcapi/collections", "/ogcapi/api"):
        assert client.get(url, HTTP_ACCEPT=browser)["Content-Type"].startswith("text/html")
        assert client.get(url, HTTP_ACCEPT="*/*")["Content-Type"].split(";")[0].endswith("json")
        assert (
            client.get(url)["Content-Type"].split(";")[0].endswith("json")
        )  # no Accept header at all
        assert (
            client.get(url, HTTP_ACCEPT="application/json")["Content-Type"]
            .split(";")[0]
            .endswith("json")
        )
        assert (
            client.get(f"{url}?f=json", HTTP_ACCEPT=browser)["Content-Type"]
            .split(";")[0]
            .endswith("json")
        )
        assert client.get(f"{url}?f=html")["Content-Type"].startswith("text/html")
    assert "Accept" in client.get("/ogcapi/collections")["Vary"]  # caches key on it
    page = client.get("/ogcapi/collections?f=html").content.decode()
    assert "/ogcapi/collections/reaches?f=html" in page
    assert 'type="application/json" href="http://testserver/ogcapi/collections?f=json"' in page


def test_only_get_is_answered(client, db):
    assert client.post("/ogcapi/collections").status_code == 405
    assert client.head("/ogcapi/collections").status_code == 200
