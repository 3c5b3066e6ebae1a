"""Who hears of each event, and that nobody hears of a problem they may not see."""

from __future__ import annotations

import pytest

from riverchief.accounts import services as account_services
from riverchief.notify import recipients
from riverchief.notify.models import Notification
from riverchief.problems import services
from riverchief.problems.models import Problem
from riverchief.registry import services as registry_services
from riverchief.registry.models import Division
from tests.conftest import DEMO_PASSWORD
from tests.notify.conftest import REPORT, inbox_kinds, user
from tests.problems.conftest import DEPARTMENT


@pytest.fixture
def assigned(reach, committed) -> Problem:
    """chief_hengshui's report on P-REACH, accepted, assigned to 水利局 and being rectified."""
    admin, dept = user("admin"), user("dept_water")
    problem, _created = committed(services.report_problem, user("chief_hengshui"), REPORT)
    committed(services.move, admin, problem.pk, "accept")
    committed(
        services.move, admin, problem.pk, "assign", department_code=DEPARTMENT, deadline_days=5
    )
    committed(services.move, dept, problem.pk, "start")
    return problem


def told_of(problem: Problem, kind: str) -> set[str]:
    rows = Notification.objects.filter(problem=problem, kind=kind)
    return set(rows.values_list("recipient__username", flat=True))


def test_a_yellow_escalation_tells_the_assignee_and_the_office(assigned, committed):
    committed(services.move, None, assigned.pk, "escalate", level=1)
    assert told_of(assigned, "escalate") == {"dept_water", "admin"}


def test_a_red_escalation_also_tells_the_township_chief_of_the_same_river(assigned, committed):
    # A second 横水镇 chief holds P-WB at township level in the registry: the registry decides.
    township = Division.objects.get(code="140826101000")
    river_chief, _password = account_services.create_user(
        None,
        username="chief_hengshui_pwb",
        role="chief",
        division=township,
        password=DEMO_PASSWORD,
        must_change_password=False,
    )
    registry_services.save_reach(
        None,
        {
            "code": "P-REACH-TOWN",
            "name": "问题测试河横水段",
            "water_body_code": "P-WB",
            "division_code": "140826101",
        },
    )
    registry_services.assign_person(
        None,
        {
            "username": river_chief.username,
            "person_name": "横水河长（测试）",
            "role": "河长",
            "level": "township",
            "reach_code": "P-REACH-TOWN",
            "start_date": "2026-01-01",
        },
    )
    committed(services.move, None, assigned.pk, "escalate", level=2)
    assert told_of(assigned, "escalate") == {"dept_water", "admin", "chief_hengshui_pwb"}


def test_a_red_escalation_falls_back_to_the_chiefs_of_the_division_above(assigned, committed):
    committed(services.move, None, assigned.pk, "escalate", level=2)
    # No chief with an account holds P-WB above the village: 横水镇's chief accounts hear of it.
    assert told_of(assigned, "escalate") == {"dept_water", "admin", "chief_hengshui"}


def test_extension_requests_go_to_the_office_and_decisions_to_the_assignee(assigned, committed):
    admin, dept = user("admin"), user("dept_water")
    committed(
        services.move,
        dept,
        assigned.pk,
        "request_extension",
        reason="雨季施工困难",
        until_days=20,
    )
    assert told_of(assigned, "request_extension") == {"admin"}
    committed(services.move, admin, assigned.pk, "approve_extension")
    assert told_of(assigned, "approve_extension") == {"dept_water"}


def test_a_return_tells_the_assignee_and_a_transfer_the_new_one(assigned, committed):
    from tests.problems.conftest import jpeg

    admin, dept = user("admin"), user("dept_water")
    committed(services.move, dept, assigned.pk, "submit", files=[jpeg()], note="已清运")
    committed(services.move, admin, assigned.pk, "return", reason="现场仍有垃圾")
    assert told_of(assigned, "return") == {"dept_water"}
    committed(services.move, admin, assigned.pk, "transfer", assignee_username="chief_dongliujia")
    assert told_of(assigned, "transfer") == {"chief_dongliujia"}


def test_a_rejected_report_tells_its_reporter(reach, committed):
    problem, _created = committed(services.report_problem, user("chief_hengshui"), REPORT)
    committed(services.move, user("admin"), problem.pk, "reject", reason="非河道范围")
    assert told_of(problem, "reject") == {"chief_hengshui"}


def test_nobody_hears_of_a_problem_they_may_not_see(reach, committed, monkeypatch):
    """Even a wrong rule cannot reach across scopes: the office of 垣曲县 is filtered out."""
    outsider = user("out_office")
    rule = recipients.GROUPS["office"]
    monkeypatch.setitem(recipients.GROUPS, "office", lambda problem: [outsider, *rule(problem)])
    problem, _created = committed(services.report_problem, user("chief_hengshui"), REPORT)
    assert told_of(problem, "report") == {"admin"}
    for row in Notification.objects.select_related("recipient", "problem"):
        assert Problem.objects.visible_to(row.recipient).filter(pk=row.problem_id).exists()


def test_the_inbox_hides_a_problem_its_reader_can_no_longer_see(reach, committed, signed_in):
    problem, _created = committed(services.report_problem, user("chief_hengshui"), REPORT)
    stray = Notification.objects.create(
        recipient=user("out_chief_village"), kind="report", title="越界通知", problem=problem
    )
    answer = signed_in("out_chief_village").get("/api/v1/notifications")
    assert answer.json() == {"items": [], "count": 0, "unread": 0}
    page = signed_in("out_chief_village").get("/notifications/")
    assert "越界通知" not in page.content.decode()
    refused = signed_in("out_chief_village").post(f"/api/v1/notifications/{stray.pk}/read")
    assert refused.status_code == 404


def test_the_actor_is_not_told_of_their_own_act(reach, committed):
    problem, _created = committed(services.report_problem, user("admin"), REPORT)
    assert inbox_kinds("admin", problem) == []


def test_a_batch_asks_once_for_the_office_of_a_county_and_finds_the_same_people(reach, committed):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    first, _created = committed(services.report_problem, user("chief_hengshui"), REPORT)
    second = Problem.objects.get(pk=first.pk)
    second.division = Division.objects.get(code="140826102000")  # another township of 绛县
    lookups = recipients.Lookups([first, second])
    with CaptureQueriesContext(connection) as asked:
        offices = [lookups.group("office", problem) for problem in (first, second)]
    assert len(asked) == 1
    assert offices[0] == offices[1] == recipients.office_of(second) == [user("admin")]
