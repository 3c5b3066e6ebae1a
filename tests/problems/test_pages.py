"""The problem pages: my to-do, the list with its filters and its Excel export, the report form.
The detail page's actions, batch assign and statistics: test_pages_actions.py."""

from __future__ import annotations

import datetime as dt
import io
import re
import uuid

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from riverchief.problems import export
from riverchief.problems.models import Problem
from tests.problems.conftest import DEPARTMENT, ON_REACH, act, jpeg, move_to, report

HTMX = {"HTTP_HX_REQUEST": "true"}


def _number(problem_id: int) -> str:
    return Problem.objects.get(pk=problem_id).number


def _version(problem_id: int) -> int:
    return Problem.objects.get(pk=problem_id).version


def _state(problem_id: int) -> str:
    return Problem.objects.get(pk=problem_id).state


def _todo_numbers(client) -> dict[str, set[str]]:
    """{group action: numbers} as the to-do page shows them."""
    html = client.get("/problems/todo/").content.decode()
    groups: dict[str, set[str]] = {}
    for group, body in re.findall(r'data-testid="todo-group-(\w+)"(.*?)</section>', html, re.S):
        groups[group] = set(re.findall(r'data-testid="todo-item" data-number="([^"]+)"', body))
    return groups


def _in_todo(client, number: str) -> str | None:
    for group, numbers in _todo_numbers(client).items():
        if number in numbers:
            return group
    return None


def _act(client, problem_id, action, version=None, htmx=False, **fields):
    data = {"action": action, **fields}
    if version is not None:
        data["expected_version"] = version
    extra = HTMX if htmx else {}
    return client.post(f"/problems/{problem_id}/act/", data, **extra)


# --- my to-do ----------------------------------------------------------------------------------


def test_the_todo_shows_each_user_what_to_act_on_now_grouped_by_action(signed_in, reported):
    number = _number(reported)
    admin, dept, chief = signed_in("admin"), signed_in("dept_water"), signed_in("chief_hengshui")
    assert _in_todo(admin, number) == "accept"
    assert _in_todo(dept, number) is None
    home = admin.get("/").content.decode()
    assert re.search(r'我的待办 <span class="badge[^"]*" data-testid="nav-badge">\d+</span>', home)

    move_to(signed_in, reported, "assigned")
    assert _in_todo(admin, number) is None
    assert _in_todo(dept, number) == "start"
    move_to_state = act(dept, reported, "start")
    assert move_to_state.status_code == 200
    assert _in_todo(dept, number) == "submit"
    act(dept, reported, "submit", files=[jpeg("after.jpg")], note="已清运")
    assert _in_todo(admin, number) == "close"
    assert _in_todo(dept, number) is None
    assert _in_todo(chief, number) == "close"  # the chief above the village may verify too
    assert _in_todo(signed_in("chief_dongliujia"), number) is None


def test_a_leader_has_nothing_to_do_and_no_badge(signed_in, reported):
    leader = signed_in("leader")
    page = leader.get("/problems/todo/").content.decode()
    assert 'data-testid="todo-empty"' in page
    assert 'data-testid="nav-badge"' not in page


def test_overdue_problems_carry_a_yellow_then_a_red_badge(signed_in, reported):
    move_to(signed_in, reported, "assigned")
    past = timezone.now() - dt.timedelta(days=3)
    Problem.objects.filter(pk=reported).update(deadline=past, escalation_level=1)
    dept = signed_in("dept_water")
    page = dept.get("/problems/todo/").content.decode()
    assert re.search(r'badge text-bg-warning" data-testid="deadline-badge">超期 3 天', page)
    Problem.objects.filter(pk=reported).update(escalation_level=2)
    page = dept.get("/problems/todo/").content.decode()
    assert re.search(
        r'badge text-bg-danger" data-testid="deadline-badge">超期 3 天 · 挂牌督办', page
    )
    admin = signed_in("admin")
    for query in ("overdue=yes", "state=open&overdue=yes", "state=assigned&overdue=yes"):
        assert _number(reported) in admin.get(f"/problems/?{query}").content.decode(), query
    # Overdue narrows the states asked for; with none on the clock, nothing is overdue.
    for query in ("state=accepted&overdue=yes", "state=closed&overdue=yes"):
        assert _number(reported) not in admin.get(f"/problems/?{query}").content.decode(), query
    Problem.objects.filter(pk=reported).update(deadline=timezone.now() + dt.timedelta(days=3))
    assert _number(reported) not in admin.get("/problems/?overdue=yes").content.decode()
    assert _number(reported) in admin.get("/problems/?state=open&overdue=no").content.decode()


# --- the list ------------------------------------------------------------------------------------


def make_three(signed_in) -> tuple[int, int, int]:
    """Three reports: 乱堆 ordinary by chief_hengshui, 污水直排 serious (accepted) by him, and
    one in 陈村 by the office."""
    chief = signed_in("chief_hengshui")
    first = report(chief, description="河滩堆放建筑垃圾").json()["id"]
    second = report(
        chief, category="sewage_discharge", severity="serious", description="排污口"
    ).json()["id"]
    act(signed_in("admin"), second, "accept")
    third = report(
        signed_in("admin"), point=(111.56, 35.384), description="陈村河道垃圾", reach_code=""
    ).json()["id"]
    return first, second, third


@pytest.fixture
def three(signed_in, reach):
    return make_three(signed_in)


def _listed(client, query: str) -> set[str]:
    html = client.get(f"/problems/?{query}", **HTMX).content.decode()
    return set(re.findall(r'<tr data-number="([^"]+)"', html))


def test_the_list_filters_by_state_category_severity_place_text_and_date(signed_in, three):
    first, second, third = (_number(pid) for pid in three)
    admin = signed_in("admin")
    assert {first, second, third} <= _listed(admin, "")
    assert _listed(admin, "state=accepted") == {second}
    assert first in _listed(admin, "state=open") and second in _listed(admin, "state=open")
    assert _listed(admin, "category=sewage_discharge") == {second}
    assert _listed(admin, "severity=serious") == {second}
    assert _listed(admin, "q=陈村河道") == {third}
    assert _listed(admin, "division=140826102") == {third}
    assert {first, second} <= _listed(admin, "division=140826101")
    assert _listed(admin, "reach=P-REACH") >= {first, second}
    assert third not in _listed(admin, "reach=P-REACH")
    assert _listed(admin, "source=inspection") >= {third}
    today = timezone.localdate().isoformat()
    assert {first, second, third} <= _listed(admin, f"since={today}&until={today}")
    assert _listed(admin, "until=2000-01-01") == set()
    assert first not in _listed(admin, "overdue=yes")
    assert first in _listed(admin, "overdue=no")


def test_the_list_filters_by_department_and_pages(signed_in, three):
    move_to(signed_in, three[0], "assigned")
    admin = signed_in("admin")
    assert _listed(admin, f"department={DEPARTMENT}") == {_number(three[0])}
    page = admin.get("/problems/?page=99").content.decode()
    assert 'data-testid="rows"' in page


def test_one_view_serves_the_page_and_its_htmx_fragment(signed_in, three):
    admin = signed_in("admin")
    full = admin.get("/problems/?state=accepted")
    fragment = admin.get("/problems/?state=accepted", **HTMX)
    assert "<html" in full.content.decode() and "<html" not in fragment.content.decode()
    assert 'data-testid="filters"' not in fragment.content.decode()
    assert "export.xlsx?state=accepted" in fragment.content.decode()
    assert full["Vary"] and "HX-Request" in full["Vary"]


def test_the_list_shows_only_the_scope(signed_in, three):
    first, _second, third = (_number(pid) for pid in three)
    chencun = signed_in("chief_chencun")  # 陈村镇
    assert _listed(chencun, "") >= {third}
    assert first not in _listed(chencun, "")
    assert _listed(signed_in("out_office"), "") & {first, third} == set()
    assert chencun.get(f"/problems/{three[0]}/").status_code == 404
    assert chencun.get(f"/problems/{first}/").status_code == 404
    assert signed_in("chief_hengshui").get(f"/problems/{first}/").status_code == 200


# --- the export --------------------------------------------------------------------------------


def _workbook(response):
    assert response.streaming
    body = b"".join(response.streaming_content)
    book = load_workbook(io.BytesIO(body), read_only=True)
    width = len(export.COLUMNS)
    # Empty cells at a row's end are not written, so rows come back short.
    return [[*row, *[None] * (width - len(row))] for row in book.active.iter_rows(values_only=True)]


def test_the_export_holds_the_filtered_rows_of_the_scope_with_chinese_headers(signed_in, three):
    first, second, third = (_number(pid) for pid in three)
    admin = signed_in("admin")
    answer = admin.get("/problems/export.xlsx?severity=serious")
    assert answer["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in answer["Content-Disposition"]
    rows = _workbook(answer)
    assert rows[0] == export.COLUMNS
    assert rows[0][:3] == ["编号", "上报时间", "状态"]
    assert [row[0] for row in rows[1:]] == [second]
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["状态"] == "已受理"
    assert row["问题类别"] == "污水直排"
    assert row["严重程度"] == "较严重"
    assert row["河段编码"] == "P-REACH"
    assert isinstance(row["上报时间"], dt.datetime)
    assert row["是否逾期"] == "否"
    # Another township's chief exports only what he sees.
    chencun = _workbook(signed_in("chief_chencun").get("/problems/export.xlsx"))
    numbers = {row[0] for row in chencun[1:]}
    assert third in numbers and first not in numbers and second not in numbers


def test_the_export_is_a_streaming_response(signed_in, three):
    answer = signed_in("admin").get("/problems/export.xlsx")
    assert answer.streaming
    assert answer["Cache-Control"] == "no-store"


def test_the_workbook_streams_its_bytes_while_the_rows_are_read():
    consumed = 0

    def rows():
        nonlocal consumed
        for n in range(3000):
            consumed += 1
            yield [uuid.uuid4().hex * 4, n, None, dt.datetime(2026, 5, 1, 10, 30)]

    stream = export.stream(["编号", "序号", "空", "时间"], rows())
    first = next(stream)
    assert first.startswith(b"PK")
    assert consumed < 3000  # bytes went out before the last row was read
    body = first + b"".join(stream)
    values = list(load_workbook(io.BytesIO(body)).active.values)
    assert len(values) == 3001
    assert values[0] == ("编号", "序号", "空", "时间")
    assert values[3000][1:] == (2999, None, dt.datetime(2026, 5, 1, 10, 30))


# --- the report form -----------------------------------------------------------------------------


def _report_form(**fields):
    data = {
        "category": "luan_dui",
        "severity": "ordinary",
        "description": "河道内倾倒建筑垃圾",
        "lon": str(ON_REACH[0]),
        "lat": str(ON_REACH[1]),
        "reach_code": "",
        "address": "",
        "idempotency_key": str(uuid.uuid4()),
    }
    data.update(fields)
    return data


def test_the_report_form_shows_the_map_categories_and_a_fresh_key(signed_in, reach):
    page = signed_in("chief_hengshui").get("/problems/new/").content.decode()
    assert 'data-testid="report-map"' in page
    assert '<optgroup label="四乱">' in page
    assert "河湖管理范围内乱扔乱堆垃圾" in page  # the 乱堆 definition
    assert 'capture="environment"' in page and "multiple" in page
    assert re.search(r'name="idempotency_key" value="[0-9a-f-]{36}"', page)
    assert "/api/v1/reaches/nearest" in page


def test_a_report_with_a_photo_is_saved_with_the_reach_of_its_point(signed_in, reach):
    client = signed_in("chief_hengshui")
    data = _report_form(files=[jpeg("site.jpg", gps=ON_REACH)])
    answer = client.post("/problems/new/", data)
    assert answer.status_code == 302, answer.content.decode()[:2000]
    problem = Problem.objects.get(idempotency_key=data["idempotency_key"])
    assert answer["Location"] == f"/problems/{problem.number}/"
    assert problem.reach.code == "P-REACH"
    assert problem.source == "patrol"
    assert problem.attachments.get().stage == "before"
    page = client.get(answer["Location"]).content.decode()
    assert f"已上报，编号 {problem.number}" in page


def test_a_double_submit_of_the_report_form_creates_one_problem(signed_in, reach):
    client = signed_in("patroller_dongliujia")
    data = _report_form()
    first = client.post("/problems/new/", data)
    second = client.post("/problems/new/", data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Problem.objects.filter(idempotency_key=data["idempotency_key"]).count() == 1


def test_report_form_errors_show_beside_their_field(signed_in, reach):
    client = signed_in("chief_hengshui")
    no_place = client.post("/problems/new/", _report_form(lon="", lat=""))
    assert no_place.status_code == 400
    assert 'data-testid="error-lon"' in no_place.content.decode()
    assert "在地图上选择位置" in no_place.content.decode()
    unknown = client.post("/problems/new/", _report_form(category="no_such"))
    assert 'data-testid="error-category"' in unknown.content.decode()
    bad_reach = client.post("/problems/new/", _report_form(reach_code="NO-SUCH"))
    assert 'data-testid="error-reach_code"' in bad_reach.content.decode()
    swapped = client.post("/problems/new/", _report_form(lon="35.49", lat="111.39"))
    assert 'data-testid="error-lon"' in swapped.content.decode()
    fake = client.post(
        "/problems/new/",
        _report_form(files=[jpeg("a.jpg")], description=""),
    )
    assert 'data-testid="error-description"' in fake.content.decode()
    assert Problem.objects.count() == 0


def test_a_leader_may_not_open_the_report_form(signed_in, reach):
    assert signed_in("leader").get("/problems/new/").status_code == 403
