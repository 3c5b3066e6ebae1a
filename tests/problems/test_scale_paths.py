"""The shapes that keep pages fast at a province's million problems, checked for what they show.

- Who sees a problem: the scope's divisions, plus what one reported or held elsewhere, looked up
  first as a short list of ids (and as a subquery beyond MAX_OWN_BEYOND_SCOPE): same answer.
- 我的待办 shows the first TODO_SHOWN rows of each group and links to the rest.
- The dashboard counts open problems by the level below the viewer's.
"""

from __future__ import annotations

import re

import pytest

from riverchief.accounts.models import User
from riverchief.core.scoping import division_q
from riverchief.problems import models, pages
from riverchief.problems.models import Problem
from riverchief.registry.models import Department, Division
from tests.problems.conftest import DEPARTMENT, act, report

# 东刘家村 lies in 横水镇; 垣曲县 (140827) lies outside every 绛县 user's scope.
OUTSIDE_POINT = (111.70, 35.10)


def _visible(username: str) -> set[int]:
    user = User.objects.get(username=username)
    return set(Problem.objects.visible_to(user).values_list("pk", flat=True))


@pytest.mark.parametrize("limit", [models.MAX_OWN_BEYOND_SCOPE, 1])
def test_a_reporter_keeps_seeing_a_problem_reported_outside_their_scope(
    signed_in, reach, monkeypatch, limit
):
    monkeypatch.setattr(models, "MAX_OWN_BEYOND_SCOPE", limit)
    inside = report(signed_in("chief_dongliujia")).json()["id"]
    outside = report(signed_in("chief_dongliujia"), point=OUTSIDE_POINT).json()["id"]
    assert Problem.objects.get(pk=outside).out_of_area
    mine = _visible("chief_dongliujia")
    assert {inside, outside} <= mine
    # Someone else in the same village sees the one inside only if routed there.
    others = _visible("patroller_dongliujia")
    assert inside in others
    assert (outside in others) == (
        Problem.objects.get(pk=outside).division.code.startswith("140826101201")
    )
    assert _visible("out_chief_village").isdisjoint({inside})


def test_a_chief_assigned_a_problem_outside_their_scope_sees_it(signed_in, reach, monkeypatch):
    problem = report(signed_in("chief_hengshui")).json()["id"]
    act(signed_in("admin"), problem, "accept")
    assert problem not in _visible("out_chief_township")
    out_chief = User.objects.get(username="out_chief_township")
    models.ProblemAssignment.objects.create(problem_id=problem, user=out_chief)
    assert problem in _visible("out_chief_township")
    monkeypatch.setattr(models, "MAX_OWN_BEYOND_SCOPE", 1)
    assert problem in _visible("out_chief_township")


@pytest.mark.parametrize("limit", [models.MAX_OWN_BEYOND_SCOPE, 1])
def test_a_department_sees_what_it_holds_and_what_it_handed_on(
    signed_in, reach, monkeypatch, limit
):
    monkeypatch.setattr(models, "MAX_OWN_BEYOND_SCOPE", limit)
    admin = signed_in("admin")
    held, handed_on, never = (report(signed_in("chief_hengshui")).json()["id"] for _ in range(3))
    for problem in (held, handed_on):
        act(admin, problem, "accept")
        act(admin, problem, "assign", department_code=DEPARTMENT, deadline_days=5)
    act(admin, handed_on, "transfer", department_code="140826-STHJ", reason="属水污染")
    User.objects.create_user(
        "officer_env", role="department", department=Department.objects.get(code="140826-STHJ")
    )
    water, environment = _visible("dept_water"), _visible("officer_env")
    assert {held, handed_on} <= water and never not in water
    assert handed_on in environment and held not in environment


def test_an_office_holding_every_division_sees_every_problem_without_a_division_condition(
    signed_in, reach
):
    inside = report(signed_in("chief_dongliujia")).json()["id"]
    outside = report(signed_in("chief_dongliujia"), point=OUTSIDE_POINT).json()["id"]
    province = Division.objects.get(code="140000000000")  # holds every division of the test data
    User.objects.create_user("office_shanxi", role="office", division=province)
    city = Division.objects.get(code="140800000000")
    User.objects.create_user("office_yuncheng", role="office", division=city)
    assert str(Problem.scope_filter(User.objects.get(username="office_shanxi").scope, "view")) == (
        "(AND: )"
    )
    every = set(Problem.objects.values_list("pk", flat=True))
    assert {inside, outside} <= every
    assert _visible("office_shanxi") == every == _visible("office_yuncheng")
    # Once a division outside the province exists, the condition is back and keeps it out.
    Division.objects.create(code="150000000000", name="内蒙古自治区", level=2)
    elsewhere = Problem.objects.get(pk=outside)
    Problem.objects.filter(pk=outside).update(division=Division.objects.get(code="150000000000"))
    assert _visible("office_shanxi") == every - {elsewhere.pk}


@pytest.mark.parametrize("few", [models.FEW_DIVISIONS_OUTSIDE, 0])
def test_a_scope_names_the_few_divisions_outside_it_or_joins_them_with_the_same_answer(
    signed_in, reach, monkeypatch, few
):
    monkeypatch.setattr(models, "FEW_DIVISIONS_OUTSIDE", few)
    report(signed_in("chief_dongliujia"))
    report(signed_in("chief_dongliujia"), point=OUTSIDE_POINT)
    Division.objects.create(code="150000000000", name="内蒙古自治区", level=2)
    User.objects.create_user("office_shanxi", role="office", division_id=_division("14"))
    # The province and 绛县 hold most of the test data's divisions, a few lie outside them: named
    # by id (no join). A township or a village holds fewer than lie outside it: joined by code.
    for username, named in [
        ("office_shanxi", few > 0),
        ("admin", few > 0),
        ("chief_hengshui", False),
        ("chief_dongliujia", False),
    ]:
        user = User.objects.get(username=username)
        condition = str(Problem.scope_filter(user.scope, "view"))
        assert ("division__code" not in condition) == named, (username, condition)
        by_code = Problem.objects.filter(division_q("division__code", user.scope))
        assert set(Problem.objects.filter(Problem.scope_filter(user.scope, "view"))) == set(
            by_code
        ), username


def _division(code: str) -> int:
    return Division.objects.get(code=code.ljust(12, "0")).pk


def test_the_todo_shows_the_first_rows_of_a_group_and_links_to_the_rest(
    signed_in, reach, monkeypatch
):
    monkeypatch.setattr(pages, "TODO_SHOWN", 2)
    numbers = [report(signed_in("chief_hengshui")).json()["number"] for _ in range(3)]
    admin = signed_in("admin")
    page = admin.get("/problems/todo/").content.decode()
    shown = re.findall(r'data-testid="todo-item" data-number="([^"]+)"', page)
    assert len(shown) == 2 and set(shown) <= set(numbers)
    assert 'data-testid="todo-more"' in page and "?group=accept" in page
    assert re.search(r'data-testid="todo-total">3<', page)
    whole = admin.get("/problems/todo/?group=accept").content.decode()
    assert set(re.findall(r'data-testid="todo-item" data-number="([^"]+)"', whole)) == set(numbers)
    assert 'data-testid="todo-more"' not in whole


def test_the_dashboard_counts_by_the_level_below_the_viewer(signed_in, reach):
    report(signed_in("chief_hengshui"))
    county = signed_in("admin").get("/problems/dashboard/").content.decode()
    assert "未办结问题（按乡镇）" in county
    section = county.split('data-testid="by-township"')[1].split("</section>")[0]
    assert "横水镇" in section
    township = User.objects.get(username="chief_hengshui")
    assert pages._area_level(township) == 12  # a township's villages
    sysadmin = User.objects.filter(is_superuser=True).first() or User.objects.get(
        username="sysadmin"
    )
    assert pages._area_level(sysadmin) == 4  # the whole country by city


def test_the_list_filters_by_the_two_levels_below_the_viewer(db):
    admin = User.objects.get(username="admin")  # 绛县: its townships
    options = pages.township_options(admin)
    assert options and all(len(code) == 9 for code, _name in options)
    assert "横水镇" in {name for _code, name in options}
    chief = User.objects.get(username="chief_hengshui")  # a township: itself
    assert [name for _code, name in pages.township_options(chief)] == ["横水镇"]


def test_the_kept_dashboard_figures_follow_every_move_at_once(signed_in, reach):
    admin = signed_in("admin")

    def open_total() -> int:
        page = admin.get("/problems/dashboard/").content.decode()
        return int(re.search(r'data-testid="open-total">(\d+)<', page).group(1))

    before = open_total()
    assert open_total() == before  # kept: the same figures
    problem = report(signed_in("chief_hengshui")).json()["id"]
    assert open_total() == before + 1
    act(admin, problem, "reject", reason="不属于河湖问题")
    assert open_total() == before


def test_the_offices_todo_holds_what_awaits_it_and_extension_requests(signed_in, reach):
    from riverchief.problems import queries
    from tests.problems.conftest import move_to

    admin, dept = signed_in("admin"), signed_in("dept_water")
    waiting = report(signed_in("chief_hengshui")).json()["id"]  # 待受理
    plain, extended = (report(signed_in("chief_hengshui")).json()["id"] for _ in range(2))
    for problem in (plain, extended):
        move_to(signed_in, problem, "in_progress")
    later = "2027-06-30"
    assert act(dept, extended, "request_extension", until=later, reason="汛期").status_code == 200
    office = User.objects.get(username="admin")
    todo = set(queries.my_todo(office).values_list("pk", flat=True))
    assert waiting in todo and extended in todo and plain not in todo
    assert admin.get("/problems/todo/").status_code == 200


def test_the_query_free_scope_answer_never_shows_what_the_query_hides(signed_in, reach):
    """`Problem.in_view_scope` lets the notification hook skip a query per recipient: wherever
    it says yes, the full `visible_to` query says yes too, for every demo account."""
    inside = report(signed_in("chief_dongliujia")).json()["id"]
    outside = report(signed_in("chief_dongliujia"), point=OUTSIDE_POINT).json()["id"]
    problems = list(Problem.objects.filter(pk__in=[inside, outside]).select_related("division"))
    said_yes = 0
    for user in User.objects.filter(is_active=True).select_related("division", "department"):
        visible = _visible(user.username)
        for problem in problems:
            if Problem.in_view_scope(user.scope, problem.division.code):
                said_yes += 1
                assert problem.pk in visible, (user.username, problem.division.code)
    assert said_yes >= 5  # the office, the county and township chiefs, the village's own people
    departments = User.objects.filter(role="department")
    assert not any(Problem.in_view_scope(u.scope, "140826101201") for u in departments)
