"""The problem page's actions: only the allowed ones, each form valid and invalid, a stale
version's conflict, htmx answers; batch assign (交办) and the office's statistics."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from riverchief.problems.models import Problem
from tests.problems.conftest import DEPARTMENT, ON_REACH, act, jpeg, move_to, report
from tests.problems.test_pages import _act, _number, _report_form, _state, _version, make_three

# --- the detail page ---------------------------------------------------------------------------


def _actions(html: str) -> set[str]:
    return set(re.findall(r'data-testid="action-(\w+)"', html))


def test_the_detail_page_offers_only_the_actions_this_user_may_take(signed_in, reported):
    admin, dept = signed_in("admin"), signed_in("dept_water")
    page = admin.get(f"/problems/{_number(reported)}/").content.decode()
    assert _actions(page) == {"accept", "reject", "mark_duplicate", "edit"}
    assert _actions(dept.get(f"/problems/{reported}/").content.decode()) == set()
    move_to(signed_in, reported, "assigned")
    assert _actions(dept.get(f"/problems/{reported}/").content.decode()) == {
        "start",
        "request_extension",
    }
    assert _actions(admin.get(f"/problems/{reported}/").content.decode()) == {"transfer", "edit"}
    chief = signed_in("chief_hengshui")
    assert _actions(chief.get(f"/problems/{reported}/").content.decode()) == {"transfer"}


def test_the_detail_page_shows_facts_map_timeline_and_photos_with_exif(signed_in, reach):
    client = signed_in("chief_hengshui")
    near = jpeg("near.jpg", exif_time="2026:05:01 10:30:00", gps=ON_REACH)
    far = jpeg("far.jpg", gps=(111.45, 35.52))
    answer = client.post("/problems/new/", _report_form(files=[near, far]))
    page = client.get(answer["Location"]).content.decode()
    assert 'data-testid="minimap"' in page
    assert '"type": "Point"' in page and '"type": "LineString"' in page  # point and reach
    assert "2026-05-01 10:30" in page
    assert page.count('data-testid="photo"') == 2
    assert page.count('data-testid="exif-far"') == 1
    assert page.count('data-testid="timeline-step"') == 1
    assert "上报" in page


def test_each_action_form_moves_the_problem_or_shows_its_errors(signed_in, reported):
    admin, dept = signed_in("admin"), signed_in("dept_water")
    version = _version(reported)
    missing = _act(admin, reported, "reject", version)
    assert missing.status_code == 400
    assert 'data-testid="error-reason"' in missing.content.decode()
    unknown = _act(admin, reported, "mark_duplicate", version, duplicate_of="WT-1999-000001")
    assert 'data-testid="error-duplicate_of"' in unknown.content.decode()
    accepted = _act(admin, reported, "accept", version, note="属实")
    assert accepted.status_code == 302
    assert _state(reported) == "accepted"

    past = _act(admin, reported, "assign", _version(reported), deadline="2020-01-01")
    assert 'data-testid="error-deadline"' in past.content.decode()
    bad_days = _act(admin, reported, "assign", _version(reported), deadline_days="0")
    assert 'data-testid="error-deadline_days"' in bad_days.content.decode()
    both = _act(
        admin,
        reported,
        "assign",
        _version(reported),
        department_code=DEPARTMENT,
        assignee_username="chief_dongliujia",
    )
    assert 'data-testid="error-assignee_username"' in both.content.decode()
    assigned = _act(
        admin, reported, "assign", _version(reported), department_code=DEPARTMENT, deadline_days=5
    )
    assert assigned.status_code == 302
    problem = Problem.objects.get(pk=reported)
    assert (problem.state, problem.assignee_department.code, problem.deadline_days) == (
        "assigned",
        DEPARTMENT,
        5,
    )
    same = _act(admin, reported, "transfer", _version(reported), department_code=DEPARTMENT)
    assert 'data-testid="error-department_code"' in same.content.decode()

    no_until = _act(dept, reported, "request_extension", _version(reported), reason="雨季")
    assert 'data-testid="error-until"' in no_until.content.decode()
    later = (timezone.localdate() + dt.timedelta(days=60)).isoformat()
    asked = _act(
        dept, reported, "request_extension", _version(reported), reason="雨季", until=later
    )
    assert asked.status_code == 302
    refuse = _act(admin, reported, "refuse_extension", _version(reported))
    assert 'data-testid="error-reason"' in refuse.content.decode()
    assert _act(admin, reported, "approve_extension", _version(reported)).status_code == 302
    assert Problem.objects.get(pk=reported).deadline.date() >= dt.date.fromisoformat(later)

    assert _act(dept, reported, "start", _version(reported)).status_code == 302
    no_photo = _act(dept, reported, "submit", _version(reported), description="已清运")
    assert 'data-testid="error-files"' in no_photo.content.decode()
    no_text = _act(dept, reported, "submit", _version(reported), files=[jpeg()])
    assert 'data-testid="error-description"' in no_text.content.decode()
    submitted = _act(
        dept, reported, "submit", _version(reported), description="已清运", files=[jpeg("a.jpg")]
    )
    assert submitted.status_code == 302
    assert _state(reported) == "pending_verification"
    no_reason = _act(admin, reported, "return", _version(reported))
    assert 'data-testid="error-reason"' in no_reason.content.decode()
    assert _act(admin, reported, "close", _version(reported), note="核查属实").status_code == 302
    assert _state(reported) == "closed"
    chief = signed_in("chief_hengshui")
    assert _act(chief, reported, "rate", _version(reported)).status_code == 400
    assert _act(chief, reported, "rate", _version(reported), satisfied="false").status_code == 302
    assert Problem.objects.get(pk=reported).dissatisfied
    no_reason = _act(admin, reported, "reopen", _version(reported))
    assert 'data-testid="error-reason"' in no_reason.content.decode()
    reopened = _act(admin, reported, "reopen", _version(reported), reason="群众反映仍有垃圾")
    assert reopened.status_code == 302
    assert _state(reported) == "assigned"
    page = admin.get(f"/problems/{reported}/").content.decode()
    steps = re.findall(r'data-testid="timeline-step" data-action="(\w+)"', page)
    assert steps == [
        "report",
        "accept",
        "assign",
        "request_extension",
        "approve_extension",
        "start",
        "submit",
        "close",
        "rate",
        "reopen",
    ]


def test_editing_changes_only_what_was_changed(signed_in, reported):
    admin = signed_in("admin")
    problem = Problem.objects.get(pk=reported)
    fields = {
        "category": "luan_dui",
        "severity": problem.severity,
        "description": problem.description,
        "address": "",
        "reach_code": "P-REACH",
    }
    nothing = _act(admin, reported, "edit", problem.version, **fields)
    assert nothing.status_code == 400
    assert "没有需要修改的内容" in nothing.content.decode()
    changed = _act(admin, reported, "edit", problem.version, **{**fields, "severity": "major"})
    assert changed.status_code == 302
    event = Problem.objects.get(pk=reported).events.last()
    assert event.action == "edit" and event.data == {"severity": "major"}


def test_a_stale_version_answers_the_conflict_with_the_current_state(signed_in, reported):
    admin = signed_in("admin")
    shown = _version(reported)
    assert _act(admin, reported, "accept", shown).status_code == 302
    late = _act(admin, reported, "reject", shown, reason="重复上报")
    assert late.status_code == 409
    assert 'data-testid="conflict"' in late.content.decode()
    assert "已受理" in late.content.decode()
    fragment = _act(admin, reported, "reject", shown, htmx=True, reason="重复上报")
    assert fragment.status_code == 409
    html = fragment.content.decode()
    assert "<html" not in html and 'data-testid="conflict"' in html
    assert f'name="expected_version" value="{shown}"' in html  # sending it again stays refused
    assert _state(reported) == "accepted"


def test_htmx_actions_redirect_on_success_and_answer_errors_in_place(signed_in, reported):
    admin = signed_in("admin")
    bad = _act(admin, reported, "reject", _version(reported), htmx=True)
    assert bad.status_code == 400
    assert 'id="action-reject"' in bad.content.decode()
    good = _act(admin, reported, "accept", _version(reported), htmx=True)
    assert good.status_code == 200
    assert good["HX-Redirect"] == f"/problems/{_number(reported)}/"


def test_a_role_that_may_not_act_gets_403_and_outside_the_scope_404(signed_in, reported):
    patroller = signed_in("patroller_dongliujia")
    refused = _act(patroller, reported, "accept", _version(reported))
    assert refused.status_code == 403
    assert 'data-testid="refusal"' in refused.content.decode()
    assert _act(signed_in("chief_chencun"), reported, "accept").status_code == 404
    assert signed_in("chief_chencun").get(f"/problems/{reported}/").status_code == 404
    assert _act(signed_in("admin"), reported, "escalate").status_code == 400


@pytest.fixture
def three(signed_in, reach):
    return make_three(signed_in)


# --- batch assign and statistics -----------------------------------------------------------------


def test_the_office_assigns_several_accepted_problems_at_once(signed_in, reach):
    admin = signed_in("admin")
    chief = signed_in("chief_hengshui")
    ids = [report(chief, description=f"批量 {n}").json()["id"] for n in range(3)]
    for pid in ids[:2]:
        act(admin, pid, "accept")
    page = admin.get("/problems/batch-assign/").content.decode()
    for pid in ids[:2]:
        assert f'name="ids" value="{pid}"' in page
    assert f'name="ids" value="{ids[2]}"' not in page  # not accepted yet
    answer = admin.post(
        "/problems/batch-assign/",
        {"ids": [str(pid) for pid in ids], "department_code": DEPARTMENT, "deadline_days": "7"},
    )
    assert answer.status_code == 200
    html = answer.content.decode()
    assert html.count('data-ok="1"') == 2
    assert html.count('data-ok="0"') == 1
    assert 'data-testid="failure"' in html
    for pid in ids[:2]:
        problem = Problem.objects.get(pk=pid)
        assert (problem.state, problem.assignee_department.code) == ("assigned", DEPARTMENT)
        assert problem.deadline_days == 7
    assert _state(ids[2]) == "reported"
    empty = admin.post("/problems/batch-assign/", {"department_code": DEPARTMENT})
    assert 'data-testid="form-error"' in empty.content.decode()
    assert signed_in("chief_hengshui").get("/problems/batch-assign/").status_code == 403


def test_the_list_preselects_the_problems_chosen_for_batch_assign(signed_in, three):
    admin = signed_in("admin")
    assert f'name="ids" value="{three[1]}"' in admin.get("/problems/").content.decode()
    page = admin.get(f"/problems/batch-assign/?ids={three[1]}").content.decode()
    assert f'value="{three[1]}" checked' in page


def test_the_statistics_count_open_problems_and_overdue_ones_by_department(signed_in, three):
    move_to(signed_in, three[0], "assigned")
    Problem.objects.filter(pk=three[0]).update(deadline=timezone.now() - dt.timedelta(days=1))
    page = signed_in("admin").get("/problems/dashboard/").content.decode()
    assert re.search(r'data-testid="open-total">\s*(\d+)', page)
    assert f'data-department="{DEPARTMENT}"' in page
    assert 'data-testid="overdue-total">1<' in page
    assert signed_in("leader").get("/problems/dashboard/").status_code == 200
    assert signed_in("dept_water").get("/problems/dashboard/").status_code == 403
