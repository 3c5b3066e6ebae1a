"""The problem workflow end to end through the API: every move, every refusal, the timeline."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from riverchief.core.models import AuditEntry
from riverchief.problems.models import Problem, ProblemAssignment
from tests.problems.conftest import DEPARTMENT, act, jpeg, move_to, report


def test_the_whole_loop_from_a_chiefs_report_to_closing(signed_in, reach):
    answer = report(signed_in("chief_hengshui"), severity="serious")
    assert answer.status_code == 201, answer.content
    problem = answer.json()
    assert problem["state"] == "reported"
    assert problem["reach_code"] == "P-REACH"
    assert problem["division_code"] == "140826101201"  # the reach's village
    assert problem["number"].startswith(f"WT-{timezone.localdate():%Y}-")
    pid = problem["id"]

    admin, dept = signed_in("admin"), signed_in("dept_water")
    assert act(admin, pid, "accept").json()["state"] == "accepted"
    assigned = act(admin, pid, "assign", department_code=DEPARTMENT, deadline_days=5).json()
    assert assigned["state"] == "assigned"
    assert assigned["department_code"] == DEPARTMENT
    assert assigned["deadline_days"] == 5
    assert dt.datetime.fromisoformat(assigned["deadline"]) > timezone.now()
    assert act(dept, pid, "start").json()["state"] == "in_progress"
    photo = jpeg("after.jpg", exif_time="2026:05:01 10:30:00", gps=(111.3975, 35.4925))
    submitted = act(dept, pid, "submit", files=[photo], note="建筑垃圾已全部清运")
    assert submitted.status_code == 200, submitted.content
    body = submitted.json()
    assert body["state"] == "pending_verification"
    assert body["submitted_by"] == "dept_water"
    after = [a for a in body["attachments"] if a["stage"] == "after"]
    assert len(after) == 1 and after[0]["kind"] == "image"
    assert after[0]["exif_lon"] == 111.3975 and after[0]["exif_lat"] == 35.4925
    taken = timezone.localtime(dt.datetime.fromisoformat(after[0]["exif_time"]))
    assert taken.replace(tzinfo=None) == dt.datetime(2026, 5, 1, 10, 30)  # phone's local time

    refused = act(dept, pid, "close")
    assert refused.status_code == 403, refused.content
    assert "close" not in body["allowed_actions"]

    closed = act(admin, pid, "close", note="现场核查属实")
    assert closed.status_code == 200, closed.content
    final = closed.json()
    assert final["state"] == "closed"
    assert final["closed_at"]
    steps = [(e["action"], e["from_state"], e["to_state"]) for e in final["timeline"]]
    assert steps == [
        ("report", "", "reported"),
        ("accept", "reported", "accepted"),
        ("assign", "accepted", "assigned"),
        ("start", "assigned", "in_progress"),
        ("submit", "in_progress", "pending_verification"),
        ("close", "pending_verification", "closed"),
    ]
    actors = [e["actor"] for e in final["timeline"]]
    assert actors == ["chief_hengshui", "admin", "admin", "dept_water", "dept_water", "admin"]
    submit_event = final["timeline"][4]
    assert submit_event["note"] == "建筑垃圾已全部清运"
    assert submit_event["attachment_ids"] == [after[0]["id"]]
    audited = list(
        AuditEntry.objects.filter(object_type="problems.problem", object_id=str(pid))
        .order_by("at", "id")
        .values_list("action", "actor_name")
    )
    assert audited == [
        ("create", "chief_hengshui"),
        ("accept", "admin"),
        ("assign", "admin"),
        ("start", "dept_water"),
        ("submit", "dept_water"),
        ("close", "admin"),
    ]
    entry = AuditEntry.objects.get(
        object_type="problems.problem", object_id=str(pid), action="close"
    )
    assert entry.before["state"] == "pending_verification"
    assert entry.after["state"] == "closed"
    assert entry.division_code == "140826101201"


def test_the_photo_can_be_downloaded_only_by_those_who_see_the_problem(signed_in, reported):
    detail = move_to(signed_in, reported, "pending_verification")
    url = detail["attachments"][0]["url"]
    answer = signed_in("admin").get(url)
    assert answer.status_code == 200
    assert answer["Content-Type"] == "image/jpeg"
    assert b"".join(answer.streaming_content)[:2] == b"\xff\xd8"
    assert signed_in("out_office").get(url).status_code == 404
    assert signed_in("chief_chencun").get(url).status_code == 404


def test_a_move_from_the_wrong_state_answers_409_with_the_allowed_moves(signed_in, reported):
    answer = act(signed_in("admin"), reported, "close")
    assert answer.status_code == 409
    body = answer.json()
    assert body["code"] == "conflict"
    assert body["state"] == "reported"
    assert body["version"] == 1
    assert set(body["allowed_actions"]) == {"accept", "reject", "mark_duplicate", "edit"}
    assert "不可" in body["message"] or "不能" in body["message"]
    assert act(signed_in("dept_water"), reported, "submit").status_code == 404  # not theirs yet


def test_a_move_by_the_wrong_person_answers_403(signed_in, reported):
    for username in ("patroller_dongliujia", "chief_dongliujia", "chief_hengshui", "leader"):
        answer = act(signed_in(username), reported, "accept")
        assert answer.status_code == 403, (username, answer.content)
        assert answer.json()["code"] == "forbidden"


def test_a_problem_outside_the_scope_answers_404(signed_in, reported):
    for username in ("out_office", "out_chief_county", "chief_chencun", "out_dept", "dept_water"):
        client = signed_in(username)
        assert client.get(f"/api/v1/problems/{reported}").status_code == 404, username
        assert act(client, reported, "accept").status_code == 404, username


def test_reject_return_and_refusing_an_extension_need_a_reason(signed_in, reported):
    admin = signed_in("admin")
    answer = act(admin, reported, "reject")
    assert answer.status_code == 400
    assert answer.json()["field"] == "reason"
    rejected = act(admin, reported, "reject", reason="照片与描述不符，无法核实")
    assert rejected.json()["state"] == "rejected"
    assert rejected.json()["timeline"][-1]["note"] == "照片与描述不符，无法核实"


def test_returning_for_rectification_needs_a_reason_and_goes_back_to_in_progress(
    signed_in, reported
):
    move_to(signed_in, reported, "pending_verification")
    admin = signed_in("admin")
    assert act(admin, reported, "return").status_code == 400
    returned = act(admin, reported, "return", reason="岸边仍有残留垃圾")
    assert returned.status_code == 200
    body = returned.json()
    assert body["state"] == "in_progress"
    assert body["return_count"] == 1
    again = act(signed_in("dept_water"), reported, "submit", files=[jpeg()], note="已再次清理")
    assert again.json()["state"] == "pending_verification"


def test_submitting_needs_a_description_and_an_after_photo(signed_in, reported):
    move_to(signed_in, reported, "in_progress")
    dept = signed_in("dept_water")
    no_photo = act(dept, reported, "submit", note="已整改")
    assert no_photo.status_code == 400
    assert no_photo.json()["field"] == "files"
    no_text = act(dept, reported, "submit", files=[jpeg()])
    assert no_text.status_code == 400
    assert no_text.json()["field"] == "description"


def test_a_deadline_in_the_past_is_refused(signed_in, reported):
    admin = signed_in("admin")
    act(admin, reported, "accept")
    answer = act(admin, reported, "assign", department_code=DEPARTMENT, deadline="2020-01-01")
    assert answer.status_code == 400
    assert answer.json()["field"] == "deadline"
    assert answer.json()["code"] == "deadline_in_past"
    assert Problem.objects.get(pk=reported).state == "accepted"


def test_assigning_without_a_deadline_uses_the_categorys_working_days(signed_in, reported):
    admin = signed_in("admin")
    act(admin, reported, "accept")
    body = act(admin, reported, "assign", department_code=DEPARTMENT).json()
    assert body["deadline_days"] == 20  # 乱堆's default
    assert body["timeline"][-1]["data"]["calendar"] in ("official", "fallback")


def test_an_explicit_deadline_date_ends_at_that_days_end(signed_in, reported):
    admin = signed_in("admin")
    act(admin, reported, "accept")
    day = timezone.localdate() + dt.timedelta(days=10)
    body = act(admin, reported, "assign", department_code=DEPARTMENT, deadline=day.isoformat())
    deadline = timezone.localtime(dt.datetime.fromisoformat(body.json()["deadline"]))
    assert deadline.date() == day and deadline.hour == 23


def test_marking_a_duplicate_links_the_original(signed_in, reach, reported):
    second = report(signed_in("patroller_dongliujia")).json()["id"]
    admin = signed_in("admin")
    assert act(admin, second, "mark_duplicate").status_code == 400
    assert act(admin, second, "mark_duplicate", duplicate_of=str(second)).status_code == 400
    original = Problem.objects.get(pk=reported).number
    answer = act(admin, second, "mark_duplicate", duplicate_of=original)
    assert answer.status_code == 200, answer.content
    assert answer.json()["state"] == "duplicate"
    assert answer.json()["duplicate_of"] == original


def test_an_extension_is_requested_with_a_reason_and_approved_by_the_office(signed_in, reported):
    detail = move_to(signed_in, reported, "in_progress")
    dept, admin = signed_in("dept_water"), signed_in("admin")
    later = (timezone.localdate() + dt.timedelta(days=60)).isoformat()
    assert act(dept, reported, "request_extension", until=later).status_code == 400
    assert act(admin, reported, "approve_extension").status_code == 409  # nothing requested
    asked = act(dept, reported, "request_extension", until=later, reason="需协调机械清运")
    assert asked.status_code == 200, asked.content
    assert asked.json()["extension_requested_until"]
    assert act(dept, reported, "request_extension", until=later, reason="再次").status_code == 409
    assert act(dept, reported, "approve_extension").status_code == 403
    todo = admin.get("/api/v1/problems?todo=true").json()
    assert reported in [item["id"] for item in todo["items"]]
    approved = act(admin, reported, "approve_extension").json()
    assert approved["extension_requested_until"] is None
    assert (
        timezone.localtime(dt.datetime.fromisoformat(approved["deadline"])).date().isoformat()
        == later
    )
    assert approved["deadline"] != detail["deadline"]
    assert approved["state"] == "in_progress"
    history = ProblemAssignment.objects.get(problem_id=reported, end__isnull=True)
    assert history.deadline == dt.datetime.fromisoformat(approved["deadline"])


def test_a_refused_extension_needs_a_reason_and_keeps_the_deadline(signed_in, reported):
    detail = move_to(signed_in, reported, "assigned")
    later = (timezone.localdate() + dt.timedelta(days=60)).isoformat()
    act(signed_in("dept_water"), reported, "request_extension", until=later, reason="雨季")
    admin = signed_in("admin")
    assert act(admin, reported, "refuse_extension").status_code == 400
    refused = act(admin, reported, "refuse_extension", reason="问题紧急，不予延期").json()
    assert refused["extension_requested_until"] is None
    assert refused["deadline"] == detail["deadline"]


def test_a_transfer_keeps_the_history_and_the_former_department_still_sees_it(signed_in, reported):
    move_to(signed_in, reported, "in_progress")
    admin = signed_in("admin")
    same = act(admin, reported, "transfer", department_code=DEPARTMENT)
    assert same.status_code == 400
    moved = act(admin, reported, "transfer", department_code="140826-STHJ", reason="属水污染")
    assert moved.status_code == 200, moved.content
    body = moved.json()
    assert body["state"] == "assigned"
    assert body["department_code"] == "140826-STHJ"
    assert [(a["department_code"], a["end"] is None) for a in body["assignments"]] == [
        (DEPARTMENT, False),
        ("140826-STHJ", True),
    ]
    assert body["timeline"][-1]["data"]["from_department"] == DEPARTMENT
    dept = signed_in("dept_water")
    seen = dept.get(f"/api/v1/problems/{reported}")
    assert seen.status_code == 200
    assert seen.json()["allowed_actions"] == []
    assert act(dept, reported, "start").status_code == 403


def test_a_township_chief_assigns_to_a_village_chief_who_cannot_close_his_own_work(
    signed_in, reported
):
    act(signed_in("admin"), reported, "accept")
    township, village = signed_in("chief_hengshui"), signed_in("chief_dongliujia")
    to_self = act(township, reported, "assign", assignee_username="chief_hengshui")
    assert to_self.status_code == 403
    assigned = act(township, reported, "assign", assignee_username="chief_dongliujia")
    assert assigned.status_code == 200, assigned.content
    assert assigned.json()["assignee_username"] == "chief_dongliujia"
    assert act(village, reported, "start").status_code == 200
    assert act(village, reported, "submit", files=[jpeg()], note="已清理").status_code == 200
    assert act(village, reported, "close").status_code == 403
    assert act(township, reported, "close").status_code == 200  # the chief above verifies


def test_the_verifier_is_never_the_handler_even_a_chief_above(signed_in, reported):
    admin = signed_in("admin")
    act(admin, reported, "accept")
    act(admin, reported, "assign", assignee_username="chief_hengshui", deadline_days=3)
    handler = signed_in("chief_hengshui")  # a chief above 东刘家村, but the handler here
    act(handler, reported, "start")
    body = act(handler, reported, "submit", files=[jpeg()], note="已清理").json()
    assert body["state"] == "pending_verification"
    assert "close" not in body["allowed_actions"]
    assert act(handler, reported, "close").status_code == 403
    assert act(handler, reported, "return", reason="x").status_code == 403
    county_chief = signed_in("chief_sushui")
    assert "close" in county_chief.get(f"/api/v1/problems/{reported}").json()["allowed_actions"]
    assert act(county_chief, reported, "close").json()["state"] == "closed"


def test_a_problem_is_reopened_once_after_the_public_is_not_satisfied(signed_in, reported):
    move_to(signed_in, reported, "closed")
    admin, reporter = signed_in("admin"), signed_in("chief_hengshui")
    assert act(admin, reported, "reopen", reason="群众不满意").status_code == 409
    assert act(admin, reported, "rate", satisfied=False).status_code == 403  # not the reporter
    rated = act(reporter, reported, "rate", satisfied=False, note="垃圾又回来了")
    assert rated.json()["dissatisfied"] is True
    assert act(admin, reported, "reopen").status_code == 400  # a reason is required
    reopened = act(admin, reported, "reopen", reason="群众不满意，重新整改").json()
    assert reopened["state"] == "assigned"
    assert reopened["reopen_count"] == 1
    assert reopened["department_code"] == DEPARTMENT
    dept = signed_in("dept_water")
    act(dept, reported, "start")
    act(dept, reported, "submit", files=[jpeg()], note="彻底清理")
    act(admin, reported, "close")
    act(reporter, reported, "rate", satisfied=False)
    again = act(admin, reported, "reopen", reason="仍不满意")
    assert again.status_code == 409
    assert "reopen" not in again.json()["allowed_actions"]


def test_the_office_corrects_category_and_reach_with_patch(signed_in, reported):
    admin = signed_in("admin")
    url = f"/api/v1/problems/{reported}"
    answer = admin.patch(
        url, '{"category": "luan_jian", "severity": "major"}', content_type="application/json"
    )
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert (body["category"], body["severity"]) == ("luan_jian", "major")
    assert body["timeline"][-1]["action"] == "edit"
    assert body["state"] == "reported"
    denied = signed_in("chief_hengshui").patch(
        url, '{"severity": "ordinary"}', content_type="application/json"
    )
    assert denied.status_code == 403
    stale = admin.patch(
        url, '{"severity": "ordinary", "expected_version": 1}', content_type="application/json"
    )
    assert stale.status_code == 409


def test_an_unknown_action_is_a_400(signed_in, reported):
    answer = act(signed_in("admin"), reported, "teleport")
    assert answer.status_code == 400
    assert answer.json()["field"] == "action"


def test_every_step_writes_one_event_and_one_audit_entry(signed_in, reported):
    move_to(signed_in, reported, "closed")
    problem = Problem.objects.get(pk=reported)
    events = problem.events.count()
    audits = AuditEntry.objects.filter(object_type="problems.problem", object_id=str(reported))
    assert events == 6 == audits.count()
    assert problem.version == 6
