"""Real clients against a real server process on the demo county: OWSLib and GDAL's OAPIF driver.

GDAL (inside the pyogrio wheel) holds the GIL during its HTTP calls, so the server must run in
another process: the browser tests' `live_server_url` fixture starts `riverchief serve`.
"""

from __future__ import annotations

import json
import urllib.request

import pytest
from shapely import wkb
from shapely.geometry import box, shape

owslib_features = pytest.importorskip("owslib.ogcapi.features")
pyogrio = pytest.importorskip("pyogrio")

IDS = {"waterbodies", "reaches", "facilities", "sections", "problems"}
CORE = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"


def _get(url: str) -> dict:
    request = urllib.request.Request(url, headers={"Accept": "application/geo+json"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 - loopback
        return json.loads(answer.read())


def _everything(ogcapi: str, collection: str) -> list[dict]:
    """Every feature of a collection, following `next` links with plain HTTP."""
    url = f"{ogcapi}/collections/{collection}/items?limit=1000"
    features = []
    while url:
        page = _get(url)
        features += page["features"]
        url = next((link["href"] for link in page["links"] if link["rel"] == "next"), None)
    return features


# --- OWSLib ---------------------------------------------------------------------------------


def test_owslib_reads_the_landing_page_conformance_and_collections(ogcapi):
    service = owslib_features.Features(ogcapi)
    assert CORE in service.conformance()["conformsTo"]
    assert set(service.feature_collections()) == IDS
    assert service.collection("reaches")["id"] == "reaches"
    api = service.api()  # found through the service-desc link's exact media type
    assert "/collections/reaches/items" in api["paths"]


def test_owslib_items_with_bbox_limit_and_offset_match_the_full_download(ogcapi):
    service = owslib_features.Features(ogcapi)
    everything = _everything(ogcapi, "reaches")
    area = (111.50, 35.45, 111.65, 35.60)
    expected = sorted(
        f["id"] for f in everything if f["geometry"] and shape(f["geometry"]).intersects(box(*area))
    )
    assert 3 < len(expected) < len(everything)
    first = service.collection_items("reaches", bbox=list(area), limit=3)
    assert first["numberMatched"] == len(expected) and first["numberReturned"] == 3
    rest = service.collection_items("reaches", bbox=list(area), limit=1000, offset=3)
    got = [f["id"] for f in first["features"] + rest["features"]]
    assert sorted(got) == expected
    one = service.collection_item("reaches", got[0])
    assert one["id"] == got[0]


def test_owslib_sees_the_400_for_a_bad_parameter(ogcapi):
    service = owslib_features.Features(ogcapi)
    with pytest.raises(RuntimeError, match="bbox"):
        service.collection_items("reaches", bbox=[112, 35, 111, 36])
    with pytest.raises(RuntimeError, match="datetime"):
        service.collection_items("reaches", datetime_="yesterday")


# --- GDAL's OAPIF driver (pyogrio) -----------------------------------------------------------


def test_gdal_lists_the_collections_as_layers(ogcapi):
    layers = {name for name, _geometry_type in pyogrio.list_layers(f"OAPIF:{ogcapi}")}
    assert layers == IDS


def test_gdal_reads_a_whole_layer_following_next_links(ogcapi):
    everything = _everything(ogcapi, "reaches")
    # Small pages: GDAL has to follow several `next` links.
    meta, _fids, geometries, fields = pyogrio.raw.read(
        f"OAPIF:{ogcapi}", layer="reaches", PAGE_SIZE="7", INITIAL_REQUEST_PAGE_SIZE="7"
    )
    columns = dict(zip(meta["fields"], fields, strict=True))
    assert sorted(columns["code"]) == sorted(f["id"] for f in everything)
    by_code = {f["id"]: f for f in everything}
    for code, name, geometry in zip(columns["code"], columns["name"], geometries, strict=True):
        assert name == by_code[code]["properties"]["name"]
        assert wkb.loads(geometry).equals(shape(by_code[code]["geometry"]))


def test_gdal_forwards_bbox_and_attribute_filters(ogcapi):
    facilities = _everything(ogcapi, "facilities")
    area = (111.45, 35.40, 111.70, 35.60)
    expected = sorted(
        f["id"]
        for f in facilities
        if f["geometry"]
        and f["properties"]["kind"] == "check_dam"
        and shape(f["geometry"]).intersects(box(*area))
    )
    assert expected
    meta, _fids, _geometries, fields = pyogrio.raw.read(
        f"OAPIF:{ogcapi}", layer="facilities", bbox=area, where="kind = 'check_dam'"
    )
    codes = dict(zip(meta["fields"], fields, strict=True))["code"]
    assert sorted(codes) == expected


def test_gdal_reads_sections_with_their_target_class(ogcapi):
    sections = {f["id"]: f for f in _everything(ogcapi, "sections")}
    meta, _fids, _geometries, fields = pyogrio.raw.read(f"OAPIF:{ogcapi}", layer="sections")
    columns = dict(zip(meta["fields"], fields, strict=True))
    assert sorted(columns["code"]) == sorted(sections)
    for code, target in zip(columns["code"], columns["target_class"], strict=True):
        assert target == sections[code]["properties"]["target_class"]
