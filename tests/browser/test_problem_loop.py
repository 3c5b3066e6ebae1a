"""The whole problem loop in a real browser, on the demo county (issue 4's acceptance test).

chief_hengshui reports a problem by clicking the map on 涑水河横水镇段 with a photo; admin accepts
it and assigns it to 水利局 with a deadline; dept_water starts and submits the rectification with
an after-photo; admin verifies and closes it. At each step the right person's 我的待办 shows the
problem and the others' do not; at the end the timeline lists every step.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

DEMO_PASSWORD = "riverchief-demo"
REACH = "SSH-140826101"  # 涑水河横水镇段
POINT = (111.49, 35.4655)  # on that reach, east of the village reaches
DEPARTMENT = "140826-SLJ"  # 绛县水利局

# Where on the screen a lon/lat lies on the report map (centred there first).
MAP_POINT = """
([lon, lat]) => {
  const element = document.getElementById("report-map");
  const map = element.riverchiefMap;
  map.setView([lat, lon], 16, { animate: false });
  const point = map.latLngToContainerPoint([lat, lon]);
  const box = element.getBoundingClientRect();
  return [box.left + point.x, box.top + point.y];
}
"""


def _photo(folder: Path, name: str, colour: str, taken: str) -> Path:
    image = Image.new("RGB", (320, 240), colour)
    exif = Image.Exif()
    exif.get_ifd(0x8769)[36867] = taken  # DateTimeOriginal
    path = folder / name
    image.save(path, "JPEG", exif=exif)
    return path


def _sign_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    with page.expect_navigation():
        page.click("form button[type=submit]")
    expect(page.locator("[data-testid=user-menu]")).to_have_count(1)  # signed in


def _todo_has(page: Page, base_url: str, number: str, group: str | None) -> None:
    """The user's 我的待办 shows the problem in `group` (an action), or not at all (None)."""
    page.goto(f"{base_url}/problems/todo/")
    expect(page.locator("h1")).to_contain_text("我的待办")
    item = page.locator(f"[data-testid=todo-item][data-number='{number}']")
    if group is None:
        expect(item).to_have_count(0)
    else:
        expect(page.locator(f"[data-testid=todo-group-{group}]").locator(item)).to_have_count(1)


def _act(page: Page, base_url: str, number: str, action: str, fill=None) -> None:
    """Open the problem, open the action's form, fill it and send it; the page reloads."""
    page.goto(f"{base_url}/problems/{number}/")
    box = page.locator(f"[data-testid=action-{action}]")
    box.locator("summary").click()
    if fill:
        fill(box)
    with page.expect_navigation():
        box.locator(f"[data-testid=do-{action}]").click()
    expect(page).to_have_url(f"{base_url}/problems/{number}/")


def _shoot(page: Page, folders: list[Path], name: str) -> None:
    for folder in folders:
        page.screenshot(path=str(folder / name), full_page=True)


def test_a_problem_goes_from_a_chiefs_report_to_closed(
    new_page, live_server_url, tmp_path, screenshot_dirs
):
    base = live_server_url
    chief, admin, dept = new_page(), new_page(), new_page()
    for page, username in ((chief, "chief_hengshui"), (admin, "admin"), (dept, "dept_water")):
        _sign_in(page, base, username)
    before = _photo(tmp_path, "site.jpg", "saddlebrown", "2026:05:01 09:15:00")
    after = _photo(tmp_path, "after.jpg", "seagreen", "2026:05:03 16:40:00")

    # 1. The chief reports: a point picked on the map, the reach suggested, a photo.
    chief.goto(f"{base}/problems/new/")
    chief.select_option("#id_category", "luan_dui")
    expect(chief.locator("[data-testid=category-help]")).to_contain_text("乱堆")
    chief.fill("#id_description", "河道右岸倾倒建筑垃圾约 20 立方米（浏览器测试）")
    chief.wait_for_function("document.getElementById('report-map').riverchiefMap !== undefined")
    x, y = chief.evaluate(MAP_POINT, list(POINT))
    chief.mouse.click(x, y)
    expect(chief.locator("#id_lon")).not_to_have_value("")
    picked = float(chief.input_value("#id_lon")), float(chief.input_value("#id_lat"))
    assert abs(picked[0] - POINT[0]) < 1e-4 and abs(picked[1] - POINT[1]) < 1e-4, picked
    # The nearest reach is suggested (the county's or the township's, which share the line)…
    expect(chief.locator("[data-testid=reach-status]")).to_contain_text("涑水河")
    expect(chief.locator("#id_reach_code")).to_have_value(re.compile(r"^SSH-140826"))
    # …and the chief names the township's reach himself.
    chief.fill("#id_reach_code", REACH)
    chief.set_input_files("#id_files", str(before))
    _shoot(chief, screenshot_dirs, "problem-report.png")
    with chief.expect_navigation():
        chief.click("[data-testid=submit-report]")
    expect(chief).to_have_url(re.compile(rf"{re.escape(base)}/problems/WT-\d{{4}}-\d{{6}}/$"))
    number = chief.locator("[data-testid=number]").inner_text().strip()
    expect(chief.locator("[data-testid=state]")).to_have_text("待受理")
    expect(chief.locator("[data-testid=reach]")).to_contain_text(REACH)
    expect(chief.locator("[data-testid=photos-before] [data-testid=photo]")).to_have_count(1)
    expect(chief.locator("[data-testid=photos-before]")).to_contain_text("2026-05-01 09:15")
    expect(chief.locator("[data-testid=no-actions]")).to_be_visible()

    _todo_has(admin, base, number, "accept")
    _shoot(admin, screenshot_dirs, "problem-todo.png")
    expect(
        admin.locator("#main-nav a[href='/problems/todo/'] [data-testid=nav-badge]")
    ).to_be_visible()
    _todo_has(dept, base, number, None)
    _todo_has(chief, base, number, None)

    # 2. The office accepts, then assigns to 水利局 with a deadline. A form sent without what it
    # needs answers in place (htmx), beside the field.
    admin.goto(f"{base}/problems/{number}/")
    reject = admin.locator("[data-testid=action-reject]")
    reject.locator("summary").click()
    reject.locator("[data-testid=do-reject]").click()
    expect(admin.locator("[data-testid=action-reject] [data-testid=error-reason]")).to_be_visible()
    expect(admin.locator("[data-testid=state]")).to_have_text("待受理")
    _act(admin, base, number, "accept")
    expect(admin.locator("[data-testid=state]")).to_have_text("已受理")
    deadline = (dt.date.today() + dt.timedelta(days=20)).isoformat()

    def assign(box):
        box.locator("select[name=department_code]").select_option(DEPARTMENT)
        box.locator("input[name=deadline]").fill(deadline)
        box.locator("textarea[name=note]").fill("请于期限内清运完毕")
        _shoot(admin, screenshot_dirs, "problem-assign.png")

    _act(admin, base, number, "assign", assign)
    expect(admin.locator("[data-testid=state]")).to_have_text("已交办")
    expect(admin.locator("[data-testid=handler]")).to_contain_text("绛县水利局")
    expect(admin.locator("[data-testid=deadline]")).to_contain_text(deadline)

    _todo_has(dept, base, number, "start")
    _todo_has(admin, base, number, None)
    _todo_has(chief, base, number, None)

    # 3. The department starts and submits the rectification with an after-photo.
    dept.goto(f"{base}/problems/{number}/")
    expect(dept.locator("[data-testid=actions] [data-testid^=action-]")).to_have_count(2)
    _act(dept, base, number, "start")
    expect(dept.locator("[data-testid=state]")).to_have_text("整改中")
    _todo_has(dept, base, number, "submit")

    def submit(box):
        box.locator("textarea[name=description]").fill("建筑垃圾已全部清运，现场已平整")
        box.locator("input[name=files]").set_input_files(str(after))

    _act(dept, base, number, "submit", submit)
    expect(dept.locator("[data-testid=state]")).to_have_text("待核查")
    expect(dept.locator("[data-testid=photos-after] [data-testid=photo]")).to_have_count(1)

    _todo_has(admin, base, number, "close")
    _todo_has(dept, base, number, None)
    _todo_has(chief, base, number, None)

    # 4. The office verifies and closes.
    _act(admin, base, number, "close", lambda box: box.locator("textarea").fill("现场核查属实"))
    expect(admin.locator("[data-testid=state]")).to_have_text("已销号")
    for page in (admin, dept, chief):
        _todo_has(page, base, number, None)

    # The timeline lists every step, with who acted; both photos show side by side.
    admin.goto(f"{base}/problems/{number}/")
    steps = admin.locator("[data-testid=timeline-step]")
    expect(steps).to_have_count(6)
    actions = [steps.nth(i).get_attribute("data-action") for i in range(6)]
    assert actions == ["report", "accept", "assign", "start", "submit", "close"]
    timeline = admin.locator("[data-testid=timeline]")
    for text in ("上报", "受理", "交办", "绛县水利局", "整改", "建筑垃圾已全部清运", "销号"):
        expect(timeline).to_contain_text(text)
    for who in ("赵横", "王明", "孙水"):
        expect(timeline).to_contain_text(who)
    expect(admin.locator("[data-testid=photos-before] img")).to_have_count(1)
    expect(admin.locator("[data-testid=photos-after] img")).to_have_count(1)
    loaded = admin.evaluate(
        "() => [...document.querySelectorAll('[data-testid=photos] img')]"
        ".every((img) => img.complete && img.naturalWidth > 0)"
    )
    assert loaded, "the photos did not load"
    _shoot(admin, screenshot_dirs, "problem-closed.png")
    admin.goto(f"{base}/problems/?state=closed")
    expect(admin.locator(f"[data-testid=rows] tr[data-number='{number}']")).to_have_count(1)
    _shoot(admin, screenshot_dirs, "problem-list.png")


def test_the_report_form_takes_the_phones_position_and_suggests_its_reach(
    new_page, live_server_url
):
    phone = new_page(
        geolocation={"longitude": POINT[0], "latitude": POINT[1], "accuracy": 8},
        permissions=["geolocation"],
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
    )
    _sign_in(phone, live_server_url, "patroller_dongliujia")
    phone.goto(f"{live_server_url}/problems/new/")
    button = phone.locator("[data-testid=use-my-location]")
    expect(button).to_be_visible()
    button.click()
    expect(phone.locator("#id_lon")).to_have_value(f"{POINT[0]:.6f}")
    expect(phone.locator("#id_lat")).to_have_value(f"{POINT[1]:.6f}")
    expect(phone.locator("#id_reach_code")).to_have_value(re.compile(r"^SSH-140826"))
    expect(phone.locator("[data-testid=reach-status]")).to_contain_text("涑水河")
    expect(phone.locator("#id_files")).to_have_attribute("capture", "environment")
