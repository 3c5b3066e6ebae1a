"""Reporting: routing to the reach, out-of-area reports, idempotent retries, files, scope."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from riverchief.core.models import AuditEntry
from riverchief.problems import services, signals
from riverchief.problems.models import Attachment, Problem
from tests.problems.conftest import FAR_AWAY, ON_REACH, act, jpeg, move_to, post, report


def test_the_reach_is_found_from_the_location_and_can_be_given(signed_in, reach):
    found = report(signed_in("patroller_dongliujia")).json()
    assert found["reach_code"] == "P-REACH"
    assert found["reach_distance_m"] < 5
    assert found["source"] == "patrol"
    assert found["out_of_area"] is False
    given = report(signed_in("admin"), reach_code="M-REACH").json()
    assert given["reach_code"] == "M-REACH"
    assert given["source"] == "inspection"
    unknown = report(signed_in("admin"), reach_code="NO-SUCH")
    assert unknown.status_code == 404
    assert unknown.json()["field"] == "reach_code"


def test_a_location_outside_the_county_is_accepted_flagged_and_routed_to_the_office(
    signed_in, reach
):
    answer = report(signed_in("chief_dongliujia"), point=FAR_AWAY)
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["out_of_area"] is True
    assert body["reach_code"] is None
    assert body["division_code"] == "140826"  # the county: its office handles it
    assert body["timeline"][0]["data"]["out_of_area"] is True
    admin_list = signed_in("admin").get("/api/v1/problems?out_of_area=true").json()
    assert body["id"] in [item["id"] for item in admin_list["items"]]
    # The village chief still follows what he reported; his neighbour does not see it.
    assert signed_in("chief_dongliujia").get(f"/api/v1/problems/{body['id']}").status_code == 200
    assert (
        signed_in("patroller_dongliujia").get(f"/api/v1/problems/{body['id']}").status_code == 404
    )
    entry = AuditEntry.objects.get(object_type="problems.problem", object_id=str(body["id"]))
    assert "位置超出辖区" in entry.message


def test_a_point_outside_china_or_swapped_is_refused(signed_in, reach):
    answer = report(signed_in("admin"), point=(35.49, 111.39))
    assert answer.status_code == 400
    assert "写反" in answer.json()["message"]


def test_a_retried_post_with_the_same_idempotency_key_creates_one_problem(signed_in, reach):
    client = signed_in("chief_hengshui")
    body = {"category": "luan_dui", "description": "重试", "lon": ON_REACH[0], "lat": ON_REACH[1]}
    first = post(client, "/api/v1/problems", body, HTTP_IDEMPOTENCY_KEY="phone-1-0001")
    second = post(client, "/api/v1/problems", body, HTTP_IDEMPOTENCY_KEY="phone-1-0001")
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json() == second.json()
    assert Problem.objects.filter(idempotency_key="phone-1-0001").count() == 1
    other_user = post(
        signed_in("admin"), "/api/v1/problems", body, HTTP_IDEMPOTENCY_KEY="phone-1-0001"
    )
    assert other_user.status_code == 201  # keys belong to their sender
    without_key = post(client, "/api/v1/problems", body)
    assert without_key.status_code == 201


def test_a_retried_multipart_report_stores_its_photo_once(signed_in, reach):
    client = signed_in("patroller_dongliujia")
    fields = {"category": "luan_dui", "description": "附照片", "lon": "111.3975", "lat": "35.4925"}
    first = client.post(
        "/api/v1/problems", {**fields, "files": [jpeg()]}, HTTP_IDEMPOTENCY_KEY="k-photo"
    )
    assert first.status_code == 201, first.content
    second = client.post(
        "/api/v1/problems", {**fields, "files": [jpeg()]}, HTTP_IDEMPOTENCY_KEY="k-photo"
    )
    assert second.status_code == 200
    assert Attachment.objects.filter(problem_id=first.json()["id"]).count() == 1
    assert first.json()["attachments"][0]["stage"] == "before"


@pytest.mark.parametrize("username", ["patroller_dongliujia", "chief_hengshui", "admin"])
def test_the_answer_to_a_report_is_the_record_a_later_read_returns(signed_in, reach, username):
    """The 201 is made from the problem as written, without reading it back: it must say exactly
    what GET, through the scope, says afterwards (the timeline, the photo with its EXIF time and
    place, the allowed actions, the tracking code)."""
    client = signed_in(username)
    fields = {"category": "luan_dui", "description": "附照片", "lon": "111.3975", "lat": "35.4925"}
    photo = jpeg(gps=ON_REACH, exif_time="2026:09:01 10:00:00")  # Beijing time, no zone
    created = client.post("/api/v1/problems", {**fields, "files": [photo]})
    assert created.status_code == 201, created.content
    answer = created.json()
    assert [item["action"] for item in answer["timeline"]] == ["report"]
    assert answer["timeline"][0]["attachment_ids"] == [answer["attachments"][0]["id"]]
    assert answer["attachments"][0]["exif_time"] == "2026-09-01T02:00:00Z"
    assert client.get(f"/api/v1/problems/{answer['id']}").json() == answer


def test_a_file_over_the_limit_answers_413_and_stores_nothing(signed_in, reach, settings):
    settings.RIVERCHIEF_PROBLEM_FILE_LIMITS_MB = {"image": 0.01}  # 10 KB for this test
    client = signed_in("patroller_dongliujia")
    big = jpeg("big.jpg", size=(800, 800))
    assert big.size > 10 * 1024
    fields = {"category": "luan_dui", "description": "大图", "lon": "111.3975", "lat": "35.4925"}
    before = Problem.objects.count()
    answer = client.post("/api/v1/problems", {**fields, "files": [big]})
    assert answer.status_code == 413
    assert answer.json()["code"] == "too_large"
    assert Problem.objects.count() == before


def test_a_non_image_named_jpg_is_refused(signed_in, reach):
    fake = SimpleUploadedFile("photo.jpg", b"MZ\x90\x00 not an image at all", "image/jpeg")
    fields = {"category": "luan_dui", "description": "假图", "lon": "111.3975", "lat": "35.4925"}
    answer = signed_in("patroller_dongliujia").post("/api/v1/problems", {**fields, "files": [fake]})
    assert answer.status_code == 400
    assert answer.json()["code"] == "not_an_image"
    exe = SimpleUploadedFile("tool.exe", b"MZ", "application/octet-stream")
    refused = signed_in("patroller_dongliujia").post("/api/v1/problems", {**fields, "files": [exe]})
    assert refused.status_code == 400
    assert refused.json()["code"] == "file_type"


def test_a_fake_jpg_as_rectification_evidence_is_refused_and_nothing_moves(signed_in, reported):
    move_to(signed_in, reported, "in_progress")
    fake = SimpleUploadedFile("after.jpg", b"<html>not a photo</html>", "image/jpeg")
    answer = act(signed_in("dept_water"), reported, "submit", files=[fake], note="已整改")
    assert answer.status_code == 400
    assert Problem.objects.get(pk=reported).state == "in_progress"


def test_a_pdf_document_is_checked_by_its_content(signed_in, reach):
    fields = {"category": "luan_jian", "description": "附文件", "lon": "111.3975", "lat": "35.4925"}
    client = signed_in("admin")
    good = SimpleUploadedFile("notice.pdf", b"%PDF-1.4\n%...", "application/pdf")
    answer = client.post("/api/v1/problems", {**fields, "files": [good]})
    assert answer.status_code == 201, answer.content
    assert answer.json()["attachments"][0]["stage"] == "document"
    bad = SimpleUploadedFile("notice.pdf", b"hello", "application/pdf")
    assert client.post("/api/v1/problems", {**fields, "files": [bad]}).status_code == 400


def test_a_leader_may_not_report_and_anonymous_gets_401(signed_in, reach, client):
    assert report(signed_in("leader")).status_code == 403
    assert report(client).status_code == 401


def test_the_public_portal_reports_without_an_account(reach):
    problem, created = services.report_problem(
        None,
        {
            "category": "floating_waste",
            "description": "河面漂浮垃圾",
            "lon": ON_REACH[0],
            "lat": ON_REACH[1],
            "division_code": "140826",
            "reporter_name": "张三",
            "reporter_phone": "13800000000",
        },
        idempotency_key="public-1",
    )
    assert created and problem.public and problem.source == "public"
    assert problem.reach.code == "P-REACH"
    assert len(problem.tracking_code) >= 20
    again, created_again = services.report_problem(
        None, {"category": "x"}, idempotency_key="public-1"
    )
    assert (again.pk, created_again) == (problem.pk, False)


def test_hooks_run_after_commit_with_problem_and_event(
    signed_in, reach, django_capture_on_commit_callbacks
):
    seen = []
    hook = signals.subscribe(seen.extend)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            pid = report(signed_in("chief_hengshui")).json()["id"]
        assert seen == [(pid, Problem.objects.get(pk=pid).events.get().pk)]
        with django_capture_on_commit_callbacks(execute=True):
            act(signed_in("admin"), pid, "reject")  # refused: nothing committed, no hook
        assert len(seen) == 1
    finally:
        signals.on_transition.remove(hook)


@pytest.mark.parametrize(
    ("username", "sees"),
    [
        ("admin", True),
        ("leader", True),
        ("chief_sushui", True),
        ("chief_hengshui", True),
        ("chief_dongliujia", True),
        ("patroller_dongliujia", True),
        ("chief_chencun", False),
        ("dept_water", False),
        ("out_office", False),
        ("out_chief_village", False),
        ("sysadmin", True),
    ],
)
def test_who_sees_a_problem_in_dongliujia(signed_in, reported, username, sees):
    items = signed_in(username).get("/api/v1/problems").json()["items"]
    assert (reported in [item["id"] for item in items]) is sees


def test_a_department_sees_problems_once_assigned_to_it(signed_in, reported):
    dept = signed_in("dept_water")
    assert dept.get(f"/api/v1/problems/{reported}").status_code == 404
    move_to(signed_in, reported, "assigned")
    assert dept.get(f"/api/v1/problems/{reported}").status_code == 200
    todo = dept.get("/api/v1/problems?todo=true").json()
    assert [item["id"] for item in todo["items"]] == [reported]
    assert signed_in("out_dept").get(f"/api/v1/problems/{reported}").status_code == 404


def test_lists_filter_and_page(signed_in, reach):
    client = signed_in("admin")
    for severity in ("ordinary", "serious", "major"):
        assert report(client, severity=severity).status_code == 201
    everything = client.get("/api/v1/problems?limit=2").json()
    assert everything["count"] >= 3 and len(everything["items"]) == 2
    major = client.get("/api/v1/problems?severity=major&division=140826101").json()
    assert {item["severity"] for item in major["items"]} == {"major"}
    assert client.get("/api/v1/problems?state=closed,rejected").json()["count"] == 0
    assert client.get("/api/v1/problems?reach=P-REACH&category=luan_dui").json()["count"] == 3
    assert client.get("/api/v1/problems?overdue=true").json()["count"] == 0


def test_the_office_todo_lists_new_reports(signed_in, reported):
    todo = signed_in("admin").get("/api/v1/problems?todo=true").json()
    assert reported in [item["id"] for item in todo["items"]]
    assert signed_in("leader").get("/api/v1/problems?todo=true").json()["count"] == 0


def test_detail_has_timeline_attachments_and_my_allowed_actions(signed_in, reported):
    detail = signed_in("admin").get(f"/api/v1/problems/{reported}").json()
    assert detail["allowed_actions"] == ["accept", "reject", "mark_duplicate", "edit"]
    assert detail["timeline"][0]["action"] == "report"
    assert detail["timeline"][0]["action_label"]
    assert detail["tracking_code"]
    by_number = signed_in("admin").get(f"/api/v1/problems/{detail['number']}")
    assert by_number.json()["id"] == reported
    assert signed_in("leader").get(f"/api/v1/problems/{reported}").json()["allowed_actions"] == []


def test_the_list_and_the_detail_take_the_same_number_of_queries_however_long(signed_in, reach):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = signed_in("admin")
    first = report(client).json()["id"]

    def count(url):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    move_to(signed_in, first, "pending_verification")
    list_one, detail_one = count("/api/v1/problems"), count(f"/api/v1/problems/{first}")
    for _ in range(4):
        report(client)
    act(client, first, "return", reason="不彻底")
    act(signed_in("dept_water"), first, "submit", files=[jpeg(), jpeg("b.jpg")], note="再次清理")
    assert count("/api/v1/problems") == list_one
    assert count(f"/api/v1/problems/{first}") == detail_one
