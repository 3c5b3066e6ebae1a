"""Bad parameters answer 400 and unknown things 404, with a JSON body naming the field."""

from __future__ import annotations

from urllib.parse import quote

import pytest

ITEMS = "/ogcapi/collections/reaches/items"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("bbox=111,35,112", "bbox"),  # three numbers
        ("bbox=111,35,112,36,1", "bbox"),  # five
        ("bbox=", "bbox"),
        ("bbox=a,b,c,d", "bbox"),
        ("bbox=111,35,nan,36", "bbox"),
        ("bbox=111,35,inf,36", "bbox"),
        ("bbox=112,35,111,36", "bbox"),  # min lon > max lon
        ("bbox=111,36,112,35", "bbox"),  # min lat > max lat
        ("bbox=111,-95,112,36", "bbox"),  # latitude out of range
        ("bbox=-190,35,112,36", "bbox"),  # longitude out of range
        ("bbox=111,35,100,112,36,0", "bbox"),  # 6 numbers, min height > max height
        ("bbox=111,35,112,36&bbox-crs=http://www.opengis.net/def/crs/EPSG/0/4326", "bbox-crs"),
        ("bbox-crs=EPSG:4490", "bbox-crs"),
        ("limit=0", "limit"),
        ("limit=-5", "limit"),
        ("limit=ten", "limit"),
        ("limit=1.5", "limit"),
        ("limit=", "limit"),
        ("offset=-1", "offset"),
        ("offset=x", "offset"),
        ("offset=99999999999", "offset"),
        ("datetime=yesterday", "datetime"),
        ("datetime=2026-05-01T00:00:00", "datetime"),  # no time zone
        ("datetime=2026-02-30T00:00:00Z", "datetime"),  # no such day
        ("datetime=2026-13-01", "datetime"),
        ("datetime=2026-06-01T00:00:00Z/2026-05-01T00:00:00Z", "datetime"),  # start after end
        ("datetime=2026-05-01/2026-06-01/2026-07-01", "datetime"),
        ("datetime=", "datetime"),
        ("datetime=..", "datetime"),
        ("f=xml", "f"),
        ("level=kingdom", "level"),  # a declared filter with a value it cannot have
        ("colour=blue", "colour"),  # an undeclared parameter
        ("kind=reservoir", "kind"),  # declared for facilities, not for reaches
        ("limit=5&limit=6", "limit"),  # twice
        ("after=", "after"),
        ("after=" + "A" * 101, "after"),
    ],
)
def test_bad_items_parameters_answer_400_naming_the_parameter(client, db, query, field):
    name, _, value = query.partition("=")
    answer = client.get(f"{ITEMS}?{name}={quote(value, safe='=&,:/')}")
    assert answer.status_code == 400
    assert answer["Content-Type"] == "application/json"
    body = answer.json()
    assert body["field"] == field
    unknown = name in ("colour", "kind")
    assert body["code"] == ("UnknownParameter" if unknown else "InvalidParameterValue")
    assert body["message"] and body["message_en"] and body["description"] == body["message_en"]


@pytest.mark.parametrize(
    "url",
    [
        "/ogcapi/?bbox=1,2,3,4",
        "/ogcapi/conformance?limit=5",
        "/ogcapi/collections?f=pdf",
        "/ogcapi/api?x=1",
        "/ogcapi/collections/reaches?datetime=2026-05-01",
        "/ogcapi/collections/reaches/items/KH-140826?bbox=1,2,3,4",
        "/ogcapi/collections/problems/items?after=WT-2026-000001",  # pages by offset only
    ],
)
def test_parameters_other_pages_do_not_take_are_refused(client, db, url):
    answer = client.get(url)
    assert answer.status_code == 400
    assert {"code", "description", "message", "message_en", "field"} <= answer.json().keys()


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/ogcapi/collections/chiefs", "collectionId"),
        ("/ogcapi/collections/chiefs/items", "collectionId"),
        ("/ogcapi/collections/chiefs/items/KH-140826", "collectionId"),
        ("/ogcapi/collections/reaches/items/NO-SUCH-REACH", "featureId"),
        ("/ogcapi/collections/sections/items/KH-140826", "featureId"),  # a reach, not a section
    ],
)
def test_unknown_collections_and_features_answer_404(client, db, url, field):
    answer = client.get(url)
    assert answer.status_code == 404
    body = answer.json()
    assert body["code"] == "NotFound" and body["field"] == field
    assert body["message"] != body["message_en"]  # Chinese and English


def test_an_unknown_collection_is_404_even_with_bad_parameters(client, db):
    assert client.get("/ogcapi/collections/chiefs/items?limit=0").status_code == 404
