"""Categories are data: seeded with the MWR 四乱 definitions; office admins tune the defaults."""

from __future__ import annotations

import json

from riverchief.problems.models import Category
from tests.problems.conftest import DEPARTMENT, act, report


def test_the_categories_are_seeded_with_the_four_disorders_definitions(signed_in):
    items = signed_in("patroller_dongliujia").get("/api/v1/problem-categories?limit=100").json()
    codes = {item["code"]: item for item in items["items"]}
    assert {"luan_zhan", "luan_cai", "luan_dui", "luan_jian"} <= codes.keys()
    assert codes["luan_cai"]["group"] == "四乱"
    assert "采砂" in codes["luan_cai"]["help_text"]
    assert "阻碍行洪" in codes["luan_zhan"]["help_text"]
    groups = {item["group"] for item in items["items"]}
    assert groups >= {
        "四乱",
        "水污染",
        "岸线与工程",
        "生态",
        "设施",
        "水库隐患",
        "淤地坝隐患",
        "其他",
    }


def patch(client, code, data):
    return client.patch(
        f"/api/v1/problem-categories/{code}", json.dumps(data), content_type="application/json"
    )


def test_an_office_admin_sets_the_default_deadline_and_department(signed_in, reported):
    admin = signed_in("admin")
    answer = patch(
        admin, "luan_dui", {"default_deadline_days": 7, "default_department_code": DEPARTMENT}
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["default_deadline_days"] == 7
    assert answer.json()["default_department_code"] == DEPARTMENT
    act(admin, reported, "accept")
    assigned = act(admin, reported, "assign").json()  # both from the category
    assert assigned["department_code"] == DEPARTMENT
    assert assigned["deadline_days"] == 7


def test_others_may_not_edit_categories_and_bad_values_are_refused(signed_in):
    assert (
        patch(signed_in("chief_hengshui"), "luan_dui", {"default_deadline_days": 3}).status_code
        == 403
    )
    assert patch(signed_in("admin"), "luan_dui", {"default_deadline_days": 0}).status_code == 400
    assert patch(signed_in("admin"), "nope", {"default_deadline_days": 3}).status_code == 404
    assert Category.objects.get(code="luan_dui").default_deadline_days == 20


def test_an_inactive_category_cannot_be_reported(signed_in, reach):
    patch(signed_in("admin"), "other", {"active": False})
    answer = report(signed_in("chief_hengshui"), category="other")
    assert answer.status_code == 404
    assert answer.json()["field"] == "category"
