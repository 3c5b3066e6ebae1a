"""Reads: $filter, $orderby, $top, $skip, $count, $select, $expand, paging, properties, $ref."""

from __future__ import annotations

import pytest

from tests.sensorthings.conftest import datastream_body, entity_id

HOURS = [0.2, 1.7, 0.9, None, 2.4, 1.1]  # None: no observation that hour


@pytest.fixture
def series(office, station):
    rows = [[f"2026-05-01T{h:02d}:00:00Z", v] for h, v in enumerate(HOURS) if v is not None]
    office.post(
        "CreateObservations",
        [
            {
                "Datastream": {"@iot.id": station["datastream"]},
                "components": ["phenomenonTime", "result"],
                "dataArray": rows,
            }
        ],
    )
    return station


def _results(response):
    assert response.status_code == 200, response.content
    return [o["result"] for o in response.json()["value"]]


def test_filter_by_result_time_and_datastream_path(office, series):
    ds = series["datastream"]
    got = office.get(
        "Observations",
        **{
            "$filter": f"Datastream/@iot.id eq {ds} and result gt 1 and phenomenonTime lt "
            "2026-05-01T05:00:00Z",
            "$orderby": "phenomenonTime",
        },
    )
    assert _results(got) == [1.7, 2.4]
    got = office.get(
        f"Datastreams({ds})/Observations",
        **{
            "$filter": "not (result ge 1) or phenomenonTime eq '2026-05-01T05:00:00+00:00'",
            "$orderby": "result desc",
        },
    )
    assert _results(got) == [1.1, 0.9, 0.2]
    got = office.get("Observations", **{"$filter": f"Datastream/id eq {ds} and 1 lt result"})
    assert sorted(_results(got)) == [1.1, 1.7, 2.4]


def test_filter_across_relations_and_into_properties(office, series):
    things = office.get("Things", **{"$filter": "properties/section_code eq 'SEC-SSH-DLJ'"})
    assert [t["@iot.id"] for t in things.json()["value"]] == [series["thing"]]
    things = office.get(
        "Things", **{"$filter": "Datastreams/ObservedProperty/name eq 'NH3N'", "$count": "true"}
    )
    assert things.json()["@iot.count"] == 1
    datastreams = office.get("Datastreams", **{"$filter": "Thing/name ne '东刘家自动站'"})
    assert datastreams.json()["value"] == []


@pytest.mark.parametrize(
    "query",
    [
        {"$filter": "startswith(name, 'a')"},
        {"$filter": "result add 1 gt 2"},
        {"$resultFormat": "GeoJSON"},
        {"$search": "x"},
        {"$expand": "Datastreams($levels=2)"},
        {"$orderby": "length(name)"},
        {"$select": "Datastreams/name"},
    ],
)
def test_unsupported_options_answer_501_with_a_message(office, series, query):
    response = office.get("Things", **query)
    assert response.status_code == 501
    assert response.json()["message_en"]


@pytest.mark.parametrize(
    "query",
    [
        {"$filter": "nosuch eq 1"},
        {"$filter": "name eq"},
        {"$filter": "phenomenonTime gt 'soon'"},
        {"$count": "yes"},
        {"$top": "-1"},
        {"$skip": "x"},
        {"$orderby": "nosuch"},
        {"$select": "nosuch"},
        {"$expand": "Nosuch"},
    ],
)
def test_bad_options_are_400_never_500(office, series, query):
    path = "Observations" if "phenomenonTime" in query.get("$filter", "") else "Things"
    response = office.get(path, **query)
    assert response.status_code == 400, response.content
    assert response.json()["message"]


def test_count_ignores_paging_and_next_links_visit_every_page(office, series):
    ds = series["datastream"]
    first = office.get(
        f"Datastreams({ds})/Observations",
        **{"$top": "2", "$count": "true", "$orderby": "phenomenonTime"},
    ).json()
    assert first["@iot.count"] == 5
    seen = [o["result"] for o in first["value"]]
    link = first["@iot.nextLink"]
    assert link.startswith("http://testserver/sta/v1.1/Datastreams(")
    while link:
        page = office.client.get(link, **office.headers).json()
        seen += [o["result"] for o in page["value"]]
        link = page.get("@iot.nextLink")
    assert seen == [v for v in HOURS if v is not None]


def test_top_zero_with_count_answers_the_count_only(office, series):
    body = office.get("Observations", **{"$top": "0", "$count": "true"}).json()
    assert body["value"] == [] and body["@iot.count"] == 5


def test_select_keeps_only_what_is_named(office, series):
    body = office.get("Things", **{"$select": "name,id"}).json()
    assert body["value"] == [{"@iot.id": series["thing"], "name": "东刘家自动站"}]


def test_expand_nested_with_options(office, series):
    body = office.get(
        f"Things({series['thing']})",
        **{
            "$expand": "Datastreams($select=name;$expand=Observations($orderby=result desc;$top=2;"
            "$count=true),ObservedProperty),Locations"
        },
    ).json()
    (datastream,) = body["Datastreams"]
    assert datastream["ObservedProperty"]["name"] == "NH3N"
    assert [o["result"] for o in datastream["Observations"]] == [2.4, 1.7]
    assert datastream["Observations@iot.count"] == 5
    assert "Observations@iot.nextLink" in datastream
    assert body["Locations"][0]["location"]["type"] == "Point"


def test_navigation_properties_and_ref(office, series):
    ds = series["datastream"]
    assert office.get(f"Datastreams({ds})/Thing").json()["@iot.id"] == series["thing"]
    assert office.get(f"Datastreams({ds})/name").json() == {"name": "NH3N at 东刘家"}
    raw = office.get(f"Datastreams({ds})/name/$value")
    assert raw.content.decode() == "NH3N at 东刘家"
    assert office.get(f"Datastreams({ds})/observedArea").status_code == 204
    assert office.get(f"Datastreams({ds})/colour").status_code == 404
    refs = office.get(f"Datastreams({ds})/Observations/$ref").json()["value"]
    assert len(refs) == 5 and set(refs[0]) == {"@iot.selfLink"}
    assert office.get("Nothing").status_code == 404
    assert office.get("Things(99999)").status_code == 404


def test_a_datastream_knows_the_time_span_of_its_observations(office, series):
    body = office.get(f"Datastreams({series['datastream']})").json()
    assert body["phenomenonTime"] == "2026-05-01T00:00:00Z/2026-05-01T05:00:00Z"


def test_a_second_thing_is_filtered_out_by_id(office, series):
    other = entity_id(office.post("Things", {"name": "B", "description": "b"}))
    office.post("Datastreams", datastream_body(other))
    got = office.get("Things", **{"$filter": f"id eq {other}"}).json()["value"]
    assert [t["name"] for t in got] == ["B"]
    got = office.get("Things", **{"$filter": "id eq 'abc'"}).json()["value"]
    assert got == []


def test_the_data_array_result_format_groups_rows_per_datastream(office, series):
    ds = series["datastream"]
    body = office.get(
        f"Datastreams({ds})/Observations",
        **{
            "$resultFormat": "dataArray",
            "$select": "phenomenonTime,result",
            "$orderby": "phenomenonTime",
            "$top": "3",
            "$count": "true",
        },
    ).json()
    assert body["@iot.count"] == 5
    (block,) = body["value"]
    assert block["Datastream@iot.navigationLink"].endswith(f"Datastreams({ds})")
    assert block["components"] == ["phenomenonTime", "result"]
    assert block["dataArray"] == [
        ["2026-05-01T00:00:00Z", 0.2],
        ["2026-05-01T01:00:00Z", 1.7],
        ["2026-05-01T02:00:00Z", 0.9],
    ]
    assert "$resultFormat=dataArray" in body["@iot.nextLink"].replace("%24", "$")
    refused = office.get("Observations", **{"$resultFormat": "dataArray", "$expand": "Datastream"})
    assert refused.status_code == 400


def test_what_qgis_asks_of_locations(office, series):
    body = office.get(
        "Locations",
        **{
            "$top": "0",
            "$count": "true",
            "$filter": "location/type eq 'Point' or location/geometry/type eq 'Point'",
        },
    ).json()
    assert body == {"@iot.count": 1, "value": []}
    spatial = office.get(
        "Locations",
        **{"$filter": "geo.intersects(location, geography'POLYGON((0 0,1 0,1 1,0 0))')"},
    )
    assert spatial.status_code == 501


@pytest.mark.parametrize(
    "path",
    [
        "Things(99999999999999999999999)",
        "Things(0)",
        "Things('abc')",
        "Things(1)/Datastreams(99999999999999999999999)",
    ],
)
def test_ids_out_of_range_are_404_not_500(office, series, path):
    assert office.get(path).status_code == 404


def test_huge_numbers_in_filters_and_paging_are_answered(office, series):
    huge = "9" * 30
    assert office.get("Things", **{"$filter": f"id eq {huge}"}).json()["value"] == []
    assert office.get("Observations", **{"$filter": f"result lt {huge}"}).status_code == 200
    assert office.get("Things", **{"$skip": huge}).status_code == 400
    early = office.get("Observations", **{"$filter": "phenomenonTime gt 0001-01-01T00:00:00+08:00"})
    assert early.status_code == 400
