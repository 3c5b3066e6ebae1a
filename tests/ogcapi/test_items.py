"""/items and /items/{id}: filters, paging, single features, and what is never published."""

from __future__ import annotations

from collections import Counter
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from shapely.geometry import box, shape

from riverchief.registry.models import Facility, Reach, WaterBody
from tests.ogcapi.conftest import REPORTER_NAME, REPORTER_PHONE


def _items(client, url, **headers):
    answer = client.get(url, **headers)
    assert answer.status_code == 200, answer.content[:300]
    assert answer["Content-Type"] == "application/geo+json"
    return answer.json()


def _link(document, rel):
    found = [link["href"] for link in document["links"] if link["rel"] == rel]
    return found[0] if found else None


def _all_pages(client, url):
    """Follow `next` links to the end, as GDAL does; returns every feature and every page."""
    features, pages = [], []
    while url:
        page = _items(client, url.replace("http://testserver", ""))
        pages.append(page)
        features += page["features"]
        url = _link(page, "next")
    return features, pages


def test_items_default_to_ten_features_and_count_the_whole_collection(client, db):
    page = _items(client, "/ogcapi/collections/reaches/items")
    assert page["type"] == "FeatureCollection"
    assert page["numberReturned"] == len(page["features"]) == 10
    assert page["numberMatched"] == Reach.objects.count()
    assert page["timeStamp"].endswith("Z")
    first = page["features"][0]
    reach = Reach.objects.order_by("code").first()
    assert first["id"] == reach.code
    assert first["properties"]["name"] == reach.name
    assert first["geometry"] == reach.geometry


def test_paging_walks_every_feature_once_in_a_stable_order(client, db):
    features, pages = _all_pages(client, "/ogcapi/collections/reaches/items?limit=7")
    codes = [feature["id"] for feature in features]
    assert codes == sorted(Reach.objects.values_list("code", flat=True))
    assert [page["numberReturned"] for page in pages][:-1] == [7] * (len(pages) - 1)
    assert _link(pages[0], "prev") is None and _link(pages[-1], "next") is None
    # `next` starts after the last id of the page (a range on the code index, not an OFFSET).
    assert parse_qs(urlsplit(_link(pages[0], "next")).query)["after"] == [codes[6]]
    assert all(page["numberMatched"] == len(codes) for page in pages)


def test_offset_pages_match_the_keyset_pages_and_link_back(client, db):
    codes = sorted(Reach.objects.values_list("code", flat=True))
    page = _items(client, "/ogcapi/collections/reaches/items?limit=5&offset=10")
    assert [feature["id"] for feature in page["features"]] == codes[10:15]
    assert parse_qs(urlsplit(_link(page, "prev")).query)["offset"] == ["5"]
    after = _items(client, f"/ogcapi/collections/reaches/items?limit=5&after={codes[9]}")
    assert [feature["id"] for feature in after["features"]] == codes[10:15]
    assert _link(after, "prev") is None
    last = _items(client, f"/ogcapi/collections/reaches/items?limit=5&after={codes[-2]}")
    assert [f["id"] for f in last["features"]] == codes[-1:] and _link(last, "next") is None


def _reaches_meeting(area):
    return sorted(
        r.code for r in Reach.objects.all() if r.geometry and shape(r.geometry).intersects(area)
    )


def test_bbox_selects_geometries_that_meet_the_box_not_only_their_boxes(client, db):
    # A box that overlaps some reach's bounding box at a corner its line never reaches.
    reaches = [r for r in Reach.objects.all() if r.geometry]
    chosen = None
    for reach in reaches:
        line = shape(reach.geometry)
        min_x, min_y, max_x, max_y = line.bounds
        for corner in ((min_x, min_y), (min_x, max_y), (max_x, min_y), (max_x, max_y)):
            x, y = corner
            w, h = (max_x - min_x) * 0.05, (max_y - min_y) * 0.05
            area = box(x - w, y - h, x + w, y + h)
            if not line.intersects(area):
                chosen = area
                break
        if chosen is not None:
            break
    assert chosen is not None, "no reach with an empty corner in the demo data"
    bbox = ",".join(f"{value:.6f}" for value in chosen.bounds)
    features, _pages = _all_pages(client, f"/ogcapi/collections/reaches/items?bbox={bbox}&limit=2")
    assert sorted(f["id"] for f in features) == _reaches_meeting(
        box(*(float(v) for v in bbox.split(",")))
    )


def test_bbox_and_kind_filters_survive_every_next_link(client, db):
    kinds = Counter(Facility.objects.filter(lon__isnull=False).values_list("kind", flat=True))
    kind = kinds.most_common(1)[0][0]
    points = sorted(Facility.objects.filter(kind=kind).values_list("lon", "lat"))
    lats = [lat for _lon, lat in points]
    # The western half of that kind's facilities.
    area = (points[0][0] - 0.001, min(lats), points[len(points) // 2][0], max(lats))
    bbox = ",".join(str(value) for value in area)
    url = f"/ogcapi/collections/facilities/items?bbox={bbox}&kind={kind}&limit=2"
    features, pages = _all_pages(client, url)
    expected = sorted(
        f.code
        for f in Facility.objects.filter(kind=kind)
        if f.lon is not None and box(*area).intersects(shape(f.geometry))
    )
    assert 2 < len(expected) < len(points)  # several pages, and the box leaves some out
    assert sorted(f["id"] for f in features) == expected
    assert all(page["numberMatched"] == len(expected) for page in pages)
    for page in pages[:-1]:
        query = parse_qs(urlsplit(_link(page, "next")).query)
        assert query["bbox"] == [bbox] and query["kind"] == [kind]


def test_features_without_geometry_match_any_bbox(client, db):
    body = WaterBody.objects.filter(geometry__isnull=False).first()
    WaterBody.objects.filter(pk=body.pk).update(
        geometry=None, min_lon=None, min_lat=None, max_lon=None, max_lat=None
    )
    page = _items(client, "/ogcapi/collections/waterbodies/items?bbox=100,20,100.1,20.1")
    without = WaterBody.objects.filter(geometry__isnull=True).values_list("code", flat=True)
    assert body.code in without
    assert sorted(feature["id"] for feature in page["features"]) == sorted(without)
    assert all(feature["geometry"] is None for feature in page["features"])


def test_limit_above_the_maximum_uses_the_maximum(client, db):
    page = _items(client, "/ogcapi/collections/facilities/items?limit=50000")
    assert page["numberReturned"] == Facility.objects.count()  # fewer than 10,000
    assert parse_qs(urlsplit(_link(page, "self")).query)["limit"] == ["10000"]


def test_sections_flatten_their_public_details(client, db):
    page = _items(client, "/ogcapi/collections/sections/items?limit=100")
    sections = {f.code: f for f in Facility.objects.filter(kind="section")}
    assert {feature["id"] for feature in page["features"]} == set(sections)
    for feature in page["features"]:
        details = sections[feature["id"]].details
        assert feature["properties"]["target_class"] == details["target_class"]
        assert feature["properties"]["control_level"] == details["control_level"]


def test_facility_details_never_name_or_reach_a_person(client, db):
    page = _items(client, "/ogcapi/collections/facilities/items?limit=10000")
    text = str(page)
    private = [
        value
        for facility in Facility.objects.all()
        for key, value in facility.details.items()
        if key.endswith(("_name", "_phone")) or key == "one_dam_one_person"
    ]
    assert private, "the demo data has responsible persons to hide"
    for value in private:
        assert str(value) not in text


def test_one_feature_by_its_registry_code(client, db):
    reach = Reach.objects.order_by("code").last()
    feature = _items(client, f"/ogcapi/collections/reaches/items/{reach.code}")
    assert feature["type"] == "Feature" and feature["id"] == reach.code
    rels = {link["rel"]: link["href"] for link in feature["links"]}
    base = "http://testserver/ogcapi/collections/reaches"
    assert rels["self"] == f"{base}/items/{reach.code}?f=json"
    assert rels["alternate"] == f"{base}/items/{reach.code}?f=html"
    assert rels["collection"] == base
    html = client.get(f"/ogcapi/collections/reaches/items/{reach.code}?f=html")
    assert html["Content-Type"].startswith("text/html") and reach.name in html.content.decode()


def test_items_as_html_list_the_page_with_next_link(client, db):
    answer = client.get(
        "/ogcapi/collections/reaches/items?limit=3",
        HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8",
    )
    page = answer.content.decode()
    assert answer["Content-Type"].startswith("text/html")
    assert page.count('data-testid="feature"') == 3
    third = sorted(Reach.objects.values_list("code", flat=True))[2]
    url = "http://testserver/ogcapi/collections/reaches/items"
    assert f'rel="next" href="{url}?limit=3&amp;after={third}&amp;f=html"' in page


# --- published problems ---------------------------------------------------------------------


def test_only_published_problems_appear_newest_first(client, reports):
    page = _items(client, "/ogcapi/collections/problems/items")
    published = [p for p in reports if p.accepted_at is not None]
    assert len(published) == 3
    expected = [p.number for p in sorted(published, key=lambda p: p.created_at, reverse=True)]
    assert [feature["id"] for feature in page["features"]] == expected
    first = page["features"][0]
    newest = max(published, key=lambda p: p.created_at)
    assert first["geometry"] == {"type": "Point", "coordinates": [newest.lon, newest.lat]}
    assert first["properties"]["reported_at"] == "2026-05-20T12:30:00Z"
    assert first["properties"]["state"] == "accepted"
    hidden = reports[3]
    assert client.get(f"/ogcapi/collections/problems/items/{hidden.number}").status_code == 404
    assert (
        _items(client, f"/ogcapi/collections/problems/items/{newest.number}")["id"] == newest.number
    )


def test_problems_never_show_who_reported_them(client, reports):
    texts = [
        client.get("/ogcapi/collections/problems/items").content.decode(),
        client.get(f"/ogcapi/collections/problems/items/{reports[0].number}").content.decode(),
        client.get("/ogcapi/collections/problems/items?f=html").content.decode(),
    ]
    for text in texts:
        assert REPORTER_NAME not in text and REPORTER_PHONE not in text
        assert reports[0].tracking_code not in text
        assert reports[0].public_report.tracking_code not in text


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-05-01T00:00:00Z", [1]),  # an instant
        ("2026-05-01", [1]),  # a day
        ("2026-05-01T08:00:00+08:00", [1]),  # the same instant with an offset
        ("2026-04-01T00:00:00Z/2026-05-31T00:00:00Z", [1, 2]),
        ("2026-05-01T00:00:00Z/..", [1, 2]),  # open end
        ("../2026-05-01T00:00:00Z", [0, 1]),  # open start
        ("/2026-04-30", [0]),  # an empty start is open too
        ("../..", [0, 1, 2]),
        ("2027-01-01T00:00:00Z/..", []),
    ],
)
def test_datetime_selects_problems_by_report_time(client, reports, value, expected):
    page = _items(client, f"/ogcapi/collections/problems/items?datetime={quote(value)}")
    assert sorted(f["id"] for f in page["features"]) == sorted(reports[i].number for i in expected)
    assert page["numberMatched"] == len(expected)


def test_datetime_is_kept_in_the_next_link_and_ignored_by_timeless_layers(client, reports):
    url = "/ogcapi/collections/problems/items?datetime=2026-01-01T00:00:00Z/..&limit=1"
    features, pages = _all_pages(client, url)
    assert len(features) == 3
    for page in pages[:-1]:
        assert parse_qs(urlsplit(_link(page, "next")).query)["datetime"] == [
            "2026-01-01T00:00:00Z/.."
        ]
    # Reaches have no time: every reach matches any valid datetime.
    reaches = _items(client, "/ogcapi/collections/reaches/items?datetime=1999-01-01T00:00:00Z")
    assert reaches["numberMatched"] == Reach.objects.count()


def test_state_filter_on_problems(client, reports):
    accepted = _items(client, "/ogcapi/collections/problems/items?state=accepted")
    assert accepted["numberMatched"] == 3
    closed = _items(client, "/ogcapi/collections/problems/items?state=closed")
    assert closed["numberMatched"] == 0
