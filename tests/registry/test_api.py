"""The registry API: create, read, update, filters, scope, validation, assignment history."""

import json
import time

import pytest
from pyproj import Geod

from riverchief.accounts.models import User
from riverchief.core.models import AuditEntry
from riverchief.registry import services
from riverchief.registry.models import ChiefAssignment, Reach

LINE_IN_HENGSHUI = {"type": "LineString", "coordinates": [[111.42, 35.50], [111.45, 35.51]]}


def post(client, url, data, **headers):
    return client.post(url, json.dumps(data), content_type="application/json", **headers)


def patch(client, url, data):
    return client.patch(url, json.dumps(data), content_type="application/json")


@pytest.fixture
def river(db):
    return services.save_water_body(
        None,
        {"code": "T-RIVER", "name": "测试河", "kind": "river", "division_code": "140826"},
    )


@pytest.fixture
def reach(river):
    return services.save_reach(
        None,
        {
            "code": "T-REACH-HS",
            "name": "测试河横水段",
            "water_body_code": "T-RIVER",
            "division_code": "140826101",
            "geometry": LINE_IN_HENGSHUI,
        },
    )


def test_an_office_admin_creates_a_reach_and_its_length_is_geodesic(signed_in, river):
    client = signed_in("admin")
    answer = post(
        client,
        "/api/v1/reaches",
        {
            "code": "T-NEW",
            "name": "新河段",
            "water_body_code": "T-RIVER",
            "division_code": "140826101",
            "geometry": LINE_IN_HENGSHUI,
        },
    )
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["division_code"] == "140826101" and body["level"] == "township"
    expected = Geod(ellps="WGS84").inv(111.42, 35.50, 111.45, 35.51)[2]
    assert body["length_m"] == pytest.approx(expected, abs=0.1)
    entry = AuditEntry.objects.filter(object_type="registry.reach", action="create").latest("id")
    assert entry.actor_name == "admin" and entry.after["code"] == "T-NEW"


def test_creating_an_existing_code_is_a_conflict(signed_in, reach):
    answer = post(
        signed_in("admin"),
        "/api/v1/reaches",
        {
            "code": "T-REACH-HS",
            "name": "x",
            "water_body_code": "T-RIVER",
            "division_code": "140826101",
        },
    )
    assert answer.status_code == 409 and answer.json()["field"] == "code"


@pytest.mark.parametrize(
    ("geometry", "reason"),
    [
        ({"type": "LineString", "coordinates": [[35.50, 111.42], [35.51, 111.45]]}, "swapped"),
        ({"type": "LineString", "coordinates": [[2.35, 48.85], [2.36, 48.86]]}, "outside China"),
        (
            {
                "type": "LineString",
                "coordinates": [[111.42, 35.50], [111.45, 35.52], [111.45, 35.50], [111.42, 35.52]],
            },
            "intersects itself",
        ),
        ({"type": "Point", "coordinates": [111.42, 35.50]}, "must be a LineString"),
        ({"type": "LineString", "coordinates": [[111.42]]}, "malformed"),
    ],
)
def test_bad_geometry_is_refused_with_the_reason_and_nothing_is_written(
    signed_in, river, geometry, reason
):
    before = Reach.objects.count()
    answer = post(
        signed_in("admin"),
        "/api/v1/reaches",
        {
            "code": "T-BAD",
            "name": "坏",
            "water_body_code": "T-RIVER",
            "division_code": "140826101",
            "geometry": geometry,
        },
    )
    assert answer.status_code == 400, answer.content
    body = answer.json()
    assert body["field"] == "geometry" and reason in body["message_en"] and body["message"]
    assert Reach.objects.count() == before


def test_unknown_division_code_names_the_field(signed_in, river):
    answer = post(
        signed_in("admin"),
        "/api/v1/reaches",
        {"code": "T-X", "name": "x", "water_body_code": "T-RIVER", "division_code": "140826999"},
    )
    assert answer.status_code == 404 and answer.json()["field"] == "division_code"


def test_a_chief_may_read_but_not_write(signed_in, reach):
    client = signed_in("chief_hengshui")
    assert client.get("/api/v1/reaches/T-REACH-HS").status_code == 200
    refused = patch(client, "/api/v1/reaches/T-REACH-HS", {"name": "改名"})
    assert refused.status_code == 403
    assert Reach.objects.get(code="T-REACH-HS").name == "测试河横水段"


def test_an_office_admin_of_another_county_cannot_see_or_touch_it(signed_in, reach):
    client = signed_in("out_office")
    assert client.get("/api/v1/reaches/T-REACH-HS").status_code == 404
    assert patch(client, "/api/v1/reaches/T-REACH-HS", {"name": "改名"}).status_code == 404
    listed = client.get("/api/v1/reaches", {"q": "T-REACH"}).json()
    assert listed["count"] == 0


def test_an_office_admin_cannot_move_a_reach_out_of_the_county(signed_in, reach):
    answer = patch(signed_in("admin"), "/api/v1/reaches/T-REACH-HS", {"division_code": "140827100"})
    assert answer.status_code == 403
    assert Reach.objects.get(code="T-REACH-HS").division.code == "140826101000"


def test_patch_changes_only_what_is_sent_and_audits_the_difference(signed_in, reach):
    answer = patch(
        signed_in("admin"), "/api/v1/reaches/T-REACH-HS", {"end_description": "东刘家村凤凰湾"}
    )
    assert answer.status_code == 200
    assert answer.json()["name"] == "测试河横水段"
    entry = AuditEntry.objects.filter(object_type="registry.reach", action="update").latest("id")
    assert entry.before == {"end_description": ""}
    assert entry.after == {"end_description": "东刘家村凤凰湾"}


def test_a_facility_with_bad_details_names_the_detail_field(signed_in, reach):
    client = signed_in("admin")
    base = {
        "kind": "reservoir",
        "code": "T-RES",
        "name": "测试水库",
        "division_code": "140826101",
        "lon": 111.43,
        "lat": 35.5,
    }
    text_in_number = post(
        client,
        "/api/v1/facilities",
        {**base, "details": {"scale": "small_1", "total_capacity": "很多"}},
    )
    assert text_in_number.status_code == 400 and text_in_number.json()["field"] == "total_capacity"
    levels = post(
        client,
        "/api/v1/facilities",
        {**base, "details": {"scale": "small_1", "normal_level": 600, "flood_limit_level": 610}},
    )
    assert levels.status_code == 400 and levels.json()["field"] == "normal_level"
    swapped = post(
        client,
        "/api/v1/facilities",
        {**base, "lon": 35.5, "lat": 111.43, "details": {"scale": "小(1)型"}},
    )
    assert swapped.status_code == 400 and "swapped" in swapped.json()["message_en"]
    good = post(
        client,
        "/api/v1/facilities",
        {**base, "details": {"scale": "小(1)型", "total_capacity": 120.5}},
    )
    assert good.status_code == 201, good.content
    assert good.json()["details"]["scale"] == "small_1"
    listed = client.get("/api/v1/facilities", {"kind": "reservoir", "q": "T-RES"}).json()
    assert listed["count"] == 1 and listed["items"][0]["division_code"] == "140826101"


def test_changing_a_chief_ends_the_old_assignment_and_keeps_history(signed_in, reach):
    client = signed_in("admin")
    first = post(
        client,
        "/api/v1/assignments",
        {
            "person_name": "甲（演示）",
            "role": "河长",
            "level": "township",
            "reach_code": "T-REACH-HS",
            "start_date": "2026-01-01",
        },
    )
    assert first.status_code == 201, first.content
    second = post(
        client,
        "/api/v1/assignments",
        {
            "person_name": "乙（演示）",
            "role": "河长",
            "level": "township",
            "reach_code": "T-REACH-HS",
            "start_date": "2026-11-01",
        },
    )
    assert second.status_code == 201
    history = client.get("/api/v1/assignments", {"reach": "T-REACH-HS"}).json()["items"]
    by_name = {row["person_name"]: row for row in history}
    assert by_name["甲（演示）"]["end_date"] == "2026-10-31" and not by_name["甲（演示）"]["active"]
    assert by_name["乙（演示）"]["active"]
    assert ChiefAssignment.objects.filter(reach__code="T-REACH-HS").count() == 2
    too_early = post(
        client,
        "/api/v1/assignments",
        {
            "person_name": "丙",
            "role": "河长",
            "level": "township",
            "reach_code": "T-REACH-HS",
            "start_date": "2026-10-01",
        },
    )
    assert too_early.status_code == 400 and too_early.json()["field"] == "start_date"


def test_the_database_allows_one_active_chief_per_reach_and_level(reach):
    from django.db import IntegrityError, transaction

    services.assign_person(
        None, {"person_name": "甲", "role": "河长", "level": "township", "reach_code": "T-REACH-HS"}
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        ChiefAssignment.objects.create(
            person_name="乙",
            role="河长",
            level="township",
            reach=reach,
            division=reach.division,
            start_date="2026-01-01",
        )


def test_reassigning_one_person_to_a_thousand_reaches_is_one_fast_operation(db, river):
    reaches = [
        Reach(
            code=f"T-BULK-{i:04d}",
            name=f"段{i}",
            water_body=river,
            level="township",
            division=river.division.children.get(code="140826101000"),
        )
        for i in range(1000)
    ]
    Reach.objects.bulk_create(reaches)
    codes = [r.code for r in reaches]
    services.assign_person_to_reaches(
        None,
        {
            "person_name": "旧（演示）",
            "role": "河长",
            "level": "township",
            "start_date": "2026-01-01",
        },
        codes,
    )
    admin = User.objects.get(username="admin")
    started = time.perf_counter()
    created = services.assign_person_to_reaches(
        admin,
        {
            "person_name": "新（演示）",
            "role": "河长",
            "level": "township",
            "start_date": "2026-06-01",
        },
        codes,
    )
    elapsed = time.perf_counter() - started
    assert created == 1000
    active = ChiefAssignment.objects.filter(reach__code__in=codes, end_date__isnull=True)
    assert set(active.values_list("person_name", flat=True)) == {"新（演示）"}
    assert (
        ChiefAssignment.objects.filter(
            reach__code__in=codes, person_name="旧（演示）", end_date="2026-05-31"
        ).count()
        == 1000
    )
    assert (
        AuditEntry.objects.filter(
            object_type="registry.chiefassignment", actor_name="admin"
        ).count()
        == 2000
    )
    # Not a timing test: the figure is measured in bench/; this only guards against a per-row loop.
    assert elapsed < 10


def test_map_layer_is_geojson_with_bbox_filter_and_scope(signed_in, reach):
    client = signed_in("admin")
    layer = client.get("/api/v1/map/reaches.geojson", {"bbox": "111.4,35.45,111.5,35.55"})
    assert layer.status_code == 200 and layer["Content-Type"].startswith("application/geo+json")
    codes = {f["properties"]["code"] for f in layer.json()["features"]}
    assert "T-REACH-HS" in codes
    far = client.get("/api/v1/map/reaches.geojson", {"bbox": "100,30,100.1,30.1"}).json()
    assert "T-REACH-HS" not in {f["properties"]["code"] for f in far["features"]}
    outsider = signed_in("out_office").get("/api/v1/map/reaches.geojson").json()
    assert "T-REACH-HS" not in {f["properties"]["code"] for f in outsider["features"]}
    bad = client.get("/api/v1/map/reaches.geojson", {"bbox": "1,2,3"})
    assert bad.status_code == 400 and bad.json()["field"] == "bbox"
    assert client.get("/api/v1/map/nonsense.geojson").status_code == 404


def test_nearest_reach_to_a_point(signed_in, reach):
    client = signed_in("admin")
    near = client.get(
        "/api/v1/reaches/nearest", {"lon": 111.435, "lat": 35.5051, "max_distance_m": 500}
    ).json()
    assert near["reach"]["code"] == "T-REACH-HS" and near["distance_m"] < 100
    far = client.get(
        "/api/v1/reaches/nearest", {"lon": 111.8, "lat": 35.3, "max_distance_m": 100}
    ).json()
    assert far["reach"] is None
