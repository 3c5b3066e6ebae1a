"""The sections GeoJSON of the water-quality map: each section's latest class (lab sample or the
last day of automatic values) with its official colour and the legend's shade, in the caller's
scope, in a number of queries that does not grow with the sections."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import connection
from django.test.utils import CaptureQueriesContext

from riverchief.monitoring import automatic, pages, queries
from riverchief.monitoring.latest import latest_many
from riverchief.monitoring.models import Sample
from riverchief.monitoring.sections import info
from riverchief.registry.models import Facility

DLJ = "SEC-SSH-DLJ"  # 横水镇东刘家村, river, target IV
GJ = "SEC-SSH-GJ"  # 横水镇
XQC = "SEC-KH-XQC"  # 南樊镇, outside 横水镇
DAY = datetime(2031, 5, 4, 8, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # after every demo sample


def _features(client, query: str = "") -> dict[str, dict]:
    answer = client.get(f"/api/v1/sections.geojson{query}")
    assert answer.status_code == 200, answer.content
    assert answer["Content-Type"].startswith("application/geo+json")
    body = answer.json()
    assert body["type"] == "FeatureCollection"
    return {feature["properties"]["code"]: feature for feature in body["features"]}


def test_each_feature_carries_the_latest_class_and_the_legends_colour(signed_in):
    # DLJ: a day of automatic values newer than its samples, class V by its NH3N mean (1.8).
    automatic.record_automatic_values(
        DLJ, [(DAY, "NH3N", 1.7), (DAY + timedelta(hours=1), "NH3N", 1.9), (DAY, "DO", 7.0)]
    )
    Sample.objects.filter(section__code=GJ).delete()  # GJ: nothing known any more
    client = signed_in("admin")
    features = _features(client)
    assert set(features) == set(
        Facility.objects.filter(kind="section").values_list("code", flat=True)
    )

    for code, feature in features.items():
        expected = queries.latest_grade(code)  # the one-section answer, computed apart
        props = feature["properties"]
        if expected is None:
            assert props["latest_class"] is None and props["latest_colour"] is None, code
            assert props["latest_hex"] == pages.HEX["grey"]
            continue
        grade, when, source = expected
        assert props["latest_class"] == grade.label, code
        assert props["latest_colour"] == grade.colour
        assert props["latest_hex"] == pages.HEX[grade.colour]
        assert props["latest_at"] == when.isoformat() and props["latest_source"] == source
        assert props["url"] == f"/water-quality/sections/{code}/"
        assert feature["geometry"]["type"] == "Point"

    dlj = features[DLJ]["properties"]
    assert (dlj["latest_class"], dlj["latest_source"]) == ("V", "automatic")
    assert (dlj["latest_colour"], dlj["target_class"], dlj["compliant"]) == ("orange", "IV", False)
    assert features[GJ]["properties"]["latest_class"] is None
    # The shade of every class shown is the one the map's legend draws.
    legend = client.get("/water-quality/").content.decode()
    legend = legend[legend.index('data-testid="legend"') :]
    for feature in features.values():
        if feature["properties"]["latest_class"]:
            assert feature["properties"]["latest_hex"] in legend


def test_a_chief_gets_the_sections_of_the_scope_and_a_box_narrows_them(signed_in):
    features = _features(signed_in("chief_hengshui"))
    assert {DLJ, GJ} <= set(features) and XQC not in features
    lon, lat = features[DLJ]["geometry"]["coordinates"]
    box = f"?bbox={lon - 0.001},{lat - 0.001},{lon + 0.001},{lat + 0.001}"
    assert set(_features(signed_in("admin"), box)) == {DLJ}
    answer = signed_in("admin").get("/api/v1/sections.geojson?bbox=1,2,3")
    assert answer.status_code == 400 and answer.json()["field"] == "bbox"
    assert signed_in("out_chief_township").get("/api/v1/sections.geojson").json()["features"] == []


def test_the_latest_classes_take_the_same_queries_for_one_section_or_all(db):
    automatic.record_automatic_values(DLJ, [(DAY, "NH3N", 0.3)])
    automatic.record_automatic_values(XQC, [(DAY, "TP", 0.1)])
    sections = [info(facility) for facility in Facility.objects.filter(kind="section")]
    assert len(sections) > 3
    with CaptureQueriesContext(connection) as all_of_them:
        found = latest_many(sections)
    with CaptureQueriesContext(connection) as one:
        latest_many(sections[:1])
    assert len(all_of_them) == len(one) <= 5
    for section in sections:
        assert found.get(section.facility.pk) == queries.latest_for(section), section.code


def test_the_geojson_page_costs_no_query_per_section(signed_in):
    client = signed_in("admin")
    lon, lat = _features(client)[DLJ]["geometry"]["coordinates"]
    box = f"?bbox={lon - 0.001},{lat - 0.001},{lon + 0.001},{lat + 0.001}"
    with CaptureQueriesContext(connection) as every_section:
        client.get("/api/v1/sections.geojson")
    with CaptureQueriesContext(connection) as one_section:
        client.get(f"/api/v1/sections.geojson{box}")
    assert len(every_section) == len(one_section)
