"""Open311 GeoReport v2 through Django's test client: every JSON answer is validated against
the community's JSON Schemas; XML is parsed; errors come in the spec's format and status."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from defusedxml import ElementTree as ET
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from riverchief.portal.categories import PUBLIC_CATEGORIES
from riverchief.portal.models import PublicReport
from riverchief.problems.models import Problem
from tests.open311.conftest import CLOSING_NOTE, ON_REACH, accept, close, submit, validate

BASE = "/open311/v2"


def _xml(answer):
    assert answer["Content-Type"] == "text/xml; charset=utf-8"
    assert answer.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(answer.content)


def _errors(answer, status):
    assert answer.status_code == status, answer.content
    if answer["Content-Type"].startswith("application/json"):
        body = answer.json()
        assert isinstance(body, list) and body[0]["code"] == status
        return body[0]["description"]
    root = _xml(answer)
    assert root.tag == "errors"
    assert root.find("error/code").text == str(status)
    return root.find("error/description").text


def test_discovery_names_the_endpoint_and_both_formats(client, db):
    body = client.get(f"{BASE}/discovery.json").json()
    endpoint = body["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2"
    assert endpoint["formats"] == ["text/xml", "application/json"]
    assert {"changeset", "contact", "key_service"} <= body.keys()
    root = _xml(client.get(f"{BASE}/discovery.xml"))
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == [
        "text/xml",
        "application/json",
    ]


def test_services_are_the_portal_categories_in_both_formats(client, db):
    body = client.get(f"{BASE}/services.json").json()
    validate(body, "services.json")
    assert [item["service_code"] for item in body] == [c.code for c in PUBLIC_CATEGORIES]
    rubbish = body[0]
    assert rubbish["service_name"] == "河边垃圾" and rubbish["type"] == "batch"
    assert rubbish["metadata"] is True
    root = _xml(client.get(f"{BASE}/services.xml"))
    assert root.tag == "services"
    assert [s.find("service_code").text for s in root.findall("service")] == [
        c.code for c in PUBLIC_CATEGORIES
    ]
    assert root.find("service/metadata").text == "true"


@pytest.mark.parametrize("folder", ["services", "service"])
def test_service_definition_plural_and_singular(client, db, folder):
    body = client.get(f"{BASE}/{folder}/sewage.json").json()
    validate(body, "service-definition.json")
    assert body["service_code"] == "sewage"
    codes = {a["code"]: a for a in body["attributes"]}
    assert [v["key"] for v in codes["coordinate_system"]["values"]] == ["wgs84", "gcj02"]
    root = _xml(client.get(f"{BASE}/{folder}/sewage.xml"))
    assert root.tag == "service_definition"
    keys = [v.text for v in root.findall("attributes/attribute/values/value/key")]
    assert keys == ["wgs84", "gcj02"]


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_unknown_service_code_is_404_in_the_spec_format(client, db, fmt):
    description = _errors(client.get(f"{BASE}/services/no_such.{fmt}"), 404)
    assert "service_code" in description


def test_an_empty_jurisdiction_counts_as_absent_and_a_wrong_one_is_404(client, db, settings):
    settings.RIVERCHIEF_OPEN311_JURISDICTION = "jiangxian.example.cn"
    assert client.get(f"{BASE}/services.xml?jurisdiction_id=").status_code == 200
    ok = client.get(f"{BASE}/services.xml?jurisdiction_id=jiangxian.example.cn")
    assert ok.status_code == 200
    _errors(client.get(f"{BASE}/services.xml?jurisdiction_id=elsewhere.example"), 404)


# --- GET requests ---------------------------------------------------------------------------


def test_only_accepted_reports_are_listed_without_names_or_phones(client, reach):
    waiting = submit(description="等待受理的举报")
    published = submit(
        category="sewage", description="排污口冒黑水", name="李四", phone="13911112222"
    )
    accept(published)
    answer = client.get(f"{BASE}/requests.json")
    body = answer.json()
    validate(body, "requests.json")
    assert [item["service_request_id"] for item in body] == [published.problem.number]
    item = body[0]
    assert item["status"] == "open" and item["service_code"] == "sewage"
    assert item["service_name"] == "污水排放" and item["description"] == "排污口冒黑水"
    assert (item["long"], item["lat"]) == pytest.approx(ON_REACH)
    text = answer.content.decode()
    for secret in ("李四", "13911112222", published.tracking_code, waiting.tracking_code):
        assert secret not in text
    # The same in XML, one <request> per report.
    root = _xml(client.get(f"{BASE}/requests.xml"))
    assert [r.find("service_request_id").text for r in root.findall("request")] == [
        published.problem.number
    ]


def test_filters_by_status_service_code_and_id_list(client, reach):
    rubbish, sewage, done = submit(), submit(category="sewage"), submit(category="sewage")
    for report in (rubbish, sewage):
        accept(report)
    close(done)
    number = {r: r.problem.number for r in (rubbish, sewage, done)}

    def ids(query):
        body = client.get(f"{BASE}/requests.json?{query}").json()
        validate(body, "requests.json")
        return sorted(item["service_request_id"] for item in body)

    assert ids("status=closed") == [number[done]]
    assert ids("status=open") == sorted([number[rubbish], number[sewage]])
    assert ids("status=open,closed") == sorted(number.values())
    assert ids("service_code=sewage") == sorted([number[sewage], number[done]])
    assert ids("service_code=sewage&status=open") == [number[sewage]]
    # service_request_id overrides every other filter, even a contradicting one.
    assert ids(f"service_request_id={number[rubbish]},{number[done]}&status=open") == sorted(
        [number[rubbish], number[done]]
    )
    closed = client.get(f"{BASE}/requests.json?status=closed").json()[0]
    assert closed["updated_datetime"] is not None and closed["expected_datetime"] is None
    assert closed["status_notes"] == CLOSING_NOTE  # the office's public answer
    still_open = client.get(f"{BASE}/requests/{number[sewage]}.json").json()[0]
    assert still_open["status_notes"] == "办理中"  # accepted, then routed to its department
    assert still_open["expected_datetime"] == timezone.localtime(sewage.answer_due).isoformat(
        timespec="seconds"
    )


def test_a_list_is_one_query_with_photos_answers_and_times_to_the_second(client, reach):
    from tests.problems.conftest import jpeg

    shown = submit(photos=[jpeg("site.jpg", gps=ON_REACH)])
    accept(shown)
    done = submit(category="sewage")
    close(done)
    with CaptureQueriesContext(connection) as queries:
        answer = client.get(f"{BASE}/requests.json")
    assert len(queries) == 1  # photos, answers and times come with the rows
    body = answer.json()
    validate(body, "requests.json")
    items = {item["service_request_id"]: item for item in body}
    open_item, closed_item = items[shown.problem.number], items[done.problem.number]
    assert open_item["media_url"].startswith("http://testserver/p/photos/")
    assert closed_item["media_url"] is None and closed_item["status_notes"] == CLOSING_NOTE

    def local(moment):
        return timezone.localtime(moment).isoformat(timespec="seconds")

    problems = Problem.objects.in_bulk([shown.problem.pk, done.problem.pk])
    assert open_item["requested_datetime"] == local(shown.created_at)
    assert open_item["updated_datetime"] == local(problems[shown.problem.pk].updated_at)
    assert open_item["expected_datetime"] == local(shown.answer_due)
    assert closed_item["updated_datetime"] == local(problems[done.problem.pk].closed_at)
    assert closed_item["requested_datetime"].endswith("+08:00")
    xml = _xml(client.get(f"{BASE}/requests.xml"))
    assert {r.find("service_request_id").text for r in xml.findall("request")} == set(items)


def test_date_window_defaults_to_90_days_and_filters_on_requested_datetime(client, reach):
    recent, old = submit(), submit()
    accept(recent)
    accept(old)
    long_ago = timezone.now() - timedelta(days=120)
    Problem.objects.filter(pk=old.problem.pk).update(created_at=long_ago)
    PublicReport.objects.filter(pk=old.pk).update(created_at=long_ago)

    def ids(query=""):
        return [i["service_request_id"] for i in client.get(f"{BASE}/requests.json?{query}").json()]

    assert ids() == [recent.problem.number]
    start = (long_ago - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    end = (long_ago + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    assert ids(urlencode({"start_date": start, "end_date": end})) == [old.problem.number]
    # A client that forgets to encode "+" sends a space; the zone is still understood.
    assert ids(f"start_date={start}&end_date={end}") == [old.problem.number]
    assert ids(f"start_date={start}") == [old.problem.number]  # start + 90 days
    assert ids("start_date=&end_date=&status=&service_code=") == [recent.problem.number]


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("start_date=yesterday", "start_date"),
        ("start_date=2026-13-01T00:00:00Z", "start_date"),
        ("end_date=2026-02-30", "end_date"),
        ("start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z", "end_date"),
        ("start_date=2026-06-01T00:00:00Z&end_date=2026-01-01T00:00:00Z", "end_date"),
        ("status=pending", "status"),
        ("service_code=no_such", "service_code"),
    ],
)
@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_bad_filters_are_400_naming_the_parameter(client, db, query, parameter, fmt):
    description = _errors(client.get(f"{BASE}/requests.{fmt}?{query}"), 400)
    assert description.startswith(f"{parameter}:")


def test_one_request_and_unknown_or_unpublished_ones(client, reach):
    report = submit(category="dead_fish", description="水面有死鱼")
    _errors(client.get(f"{BASE}/requests/{report.problem.number}.json"), 404)
    accept(report)
    body = client.get(f"{BASE}/requests/{report.problem.number}.json").json()
    validate(body, "requests.json")
    assert len(body) == 1 and body[0]["service_code"] == "dead_fish"
    root = _xml(client.get(f"{BASE}/requests/{report.problem.number}.xml"))
    assert root.find("request/status").text == "open"
    _errors(client.get(f"{BASE}/requests/WT-1999-000001.xml"), 404)


# --- POST requests and tokens ---------------------------------------------------------------


def _post(client, fmt="json", query="", **fields):
    data = {
        "service_code": "rubbish",
        "lat": ON_REACH[1],
        "long": ON_REACH[0],
        "description": "河边垃圾成堆",
        **fields,
    }
    return client.post(f"{BASE}/requests.{fmt}{query}", data)


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_post_needs_a_valid_api_key(client, reach, fmt, api_key):
    _errors(_post(client, fmt, description="无 key"), 403)
    _errors(_post(client, fmt, api_key="o311_wrong"), 403)
    _errors(_post(client, fmt, query="?api_key="), 403)
    assert PublicReport.objects.count() == 0


def test_post_with_the_key_in_the_body_then_token_gives_the_id_once_accepted(
    client, reach, api_key
):
    answer = _post(
        client,
        api_key=api_key,
        description="岸边倾倒建筑垃圾",
        first_name="三",
        last_name="张",
        phone="13800001111",
        email="z@example.org",
        device_id="phone-1",
    )
    assert answer.status_code == 201, answer.content
    [created] = answer.json()
    assert "service_request_id" not in created
    report = PublicReport.objects.get(tracking_code=created["token"])
    assert report.channel == "open311" and report.phone == "13800001111"
    assert report.problem.description == "岸边倾倒建筑垃圾"
    pending = client.get(f"{BASE}/tokens/{created['token']}.json").json()
    assert pending == [{"token": created["token"]}]
    accept(report)
    ready = client.get(f"{BASE}/tokens/{created['token']}.xml")
    root = _xml(ready)
    assert root.find("request/service_request_id").text == report.problem.number
    _errors(client.get(f"{BASE}/tokens/NOSUCHTOKEN.json"), 404)


def test_post_with_the_key_in_the_query_and_gcj02_coordinates(client, reach, api_key):
    import prcoords

    shifted = prcoords.wgs_gcj(prcoords.Coords(ON_REACH[1], ON_REACH[0]))
    gcj = (shifted.lon, shifted.lat)
    assert abs(gcj[0] - ON_REACH[0]) > 1e-3  # the shift is hundreds of metres here
    answer = _post(
        client,
        "xml",
        query=f"?api_key={api_key}&jurisdiction_id=",
        description="高德地图上选的位置",
        lat=gcj[1],
        long=gcj[0],
        **{"attribute[coordinate_system]": "gcj02", "attribute[accuracy_m]": "8"},
    )
    assert answer.status_code == 201, answer.content
    token = _xml(answer).find("request/token").text
    report = PublicReport.objects.get(tracking_code=token)
    assert (report.problem.lon, report.problem.lat) == pytest.approx(ON_REACH, abs=2e-5)
    assert report.accuracy_m == 8


@pytest.mark.parametrize(
    ("fields", "status", "parameter"),
    [
        ({"service_code": "no_such"}, 404, "service_code"),
        ({"service_code": ""}, 400, "service_code"),
        ({"lat": "", "long": ""}, 400, "lat"),
        ({"lat": "", "long": "", "address_string": "东刘家村"}, 400, "lat"),
        ({"lat": "north"}, 400, "lat"),
        ({"lat": "40.0", "long": "-74.0"}, 400, "location"),  # New York: outside China
        ({"description": ""}, 400, "description"),
        ({"attribute[coordinate_system]": "bd09"}, 400, "attribute[coordinate_system]"),
        ({"email": "not-an-address"}, 400, "email"),
    ],
)
def test_bad_posts_get_the_spec_error_and_store_nothing(
    client, reach, api_key, fields, status, parameter
):
    answer = _post(client, api_key=api_key, **fields)
    description = _errors(answer, status)
    assert description.startswith(f"{parameter}:"), description
    assert PublicReport.objects.count() == 0 and Problem.objects.filter(public=True).count() == 0


def test_an_html_payload_is_stored_as_plain_text(client, reach, api_key):
    answer = _post(client, api_key=api_key, description="<script>alert(1)</script>污水")
    token = answer.json()[0]["token"]
    report = PublicReport.objects.get(tracking_code=token)
    accept(report)
    body = client.get(f"{BASE}/requests.xml").content.decode()
    assert "<script>" not in body and "污水" in body


def test_other_methods_are_refused_in_the_spec_format(client, db):
    answer = client.delete(f"{BASE}/services.json")
    assert answer.status_code == 405 and answer.json()[0]["code"] == 405
    assert json.loads(answer.content)[0]["description"]


def test_a_photo_posted_as_media_is_published_without_exif(client, reach, api_key):
    from PIL import Image

    from tests.problems.conftest import jpeg

    photo = jpeg("site.jpg", size=(320, 240), gps=ON_REACH, exif_time="2026:11:29 09:30:00")
    answer = _post(client, api_key=api_key, media=photo)
    assert answer.status_code == 201, answer.content
    report = PublicReport.objects.get(tracking_code=answer.json()[0]["token"])
    accept(report)
    [item] = client.get(f"{BASE}/requests.json").json()
    assert item["media_url"].startswith("http://testserver/p/photos/")
    image = client.get(item["media_url"].removeprefix("http://testserver"))
    assert image.status_code == 200
    data = b"".join(image.streaming_content) if image.streaming else image.content
    picture = Image.open(io.BytesIO(data))
    assert not picture.getexif()  # the public copy carries no EXIF (no GPS, no time)


def test_the_portal_rate_limit_applies_to_open311_posts(client, reach, api_key, settings):
    settings.RIVERCHIEF_PORTAL_REPORTS_PER_HOUR = 2
    for _ in range(2):
        assert _post(client, api_key=api_key).status_code == 201
    answer = _post(client, api_key=api_key, device_id="another-phone")
    assert answer.status_code == 429
    assert answer.json()[0]["code"] == 429
    assert PublicReport.objects.count() == 2


def test_a_wrong_jurisdiction_in_the_post_body_is_404(client, reach, api_key, settings):
    settings.RIVERCHIEF_OPEN311_JURISDICTION = "jiangxian.example.cn"
    _errors(_post(client, api_key=api_key, jurisdiction_id="elsewhere.example"), 404)
    answer = _post(client, api_key=api_key, jurisdiction_id="jiangxian.example.cn")
    assert answer.status_code == 201
