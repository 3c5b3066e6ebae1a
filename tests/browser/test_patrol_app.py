"""The phone patrol in a real browser (issue 5's acceptance test), on the demo county.

patroller_dongliujia opens /patrols/go/ on a phone-sized screen, chooses 涑水河东刘家村段 and
starts; the emulated GPS walks along the reach with real timestamps. Midway the phone loses its
network: the page is reloaded (the service worker serves it, the patrol carries on from
IndexedDB), a problem is recorded with a camera photo (JPEG with EXIF time and place), a checklist
item is recorded, the walk goes on and the patrol is ended, all offline, with 待同步 shown. When
the network returns the app syncs by itself; the server then holds one valid patrol and one new
problem of source 巡河.

The validity rules are data: this test lowers the minimum duration and distance for the run
(the defaults want 10 minutes and 1 km): the office lowers them through its API for this run,
so that a two-minute walk counts.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from tests.patrols.along import along

pytestmark = pytest.mark.browser

DEMO_PASSWORD = "riverchief-demo"
REACH = "SSH-140826101201"  # 涑水河东刘家村段, the patroller's reach
PHONE = {"width": 390, "height": 844}
SPEED_MS = 3.5  # a brisk walk (12.6 km/h), under the 15 km/h rule
STEP_S = 3.0  # seconds between two emulated fixes: 10.5 m, so the app keeps each one
WALK_S = 100  # the whole walk; the rule for this run wants 1 minute and 150 m
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _lower_rules(page: Page, base_url: str, minutes: float, metres: float) -> None:
    """The office lowers the default validity rule for this run, through its API."""
    _sign_in(page, base_url, "admin")
    rules = _api(page, "/api/v1/patrols/rules")["body"]["validity"]
    default = next(rule for rule in rules if rule["level"] == "" and rule["role"] == "")
    changed = page.evaluate(
        """async ([id, body]) => {
          const csrf = document.cookie.match(/csrftoken=([^;]+)/)[1];
          const r = await fetch(`/api/v1/patrols/rules/validity/${id}`, {
            method: "PATCH", credentials: "same-origin",
            headers: {"Content-Type": "application/json", "X-CSRFToken": csrf},
            body: JSON.stringify(body)});
          return r.status;
        }""",
        [default["id"], {"min_minutes": minutes, "min_distance_m": metres}],
    )
    assert changed == 200, changed
    page.context.clear_cookies()


def _photo(folder: Path, lon: float, lat: float) -> Path:
    """A camera-like JPEG: 2400×1800 (the app shrinks it), EXIF time now and GPS place."""
    image = Image.new("RGB", (2400, 1800), "saddlebrown")
    for x in range(0, 2400, 160):  # some structure, so the photo is no flat colour
        image.paste((90 + x % 120, 60, 30), (x, 0, x + 80, 1800))
    exif = Image.Exif()
    now = dt.datetime.now(SHANGHAI)
    sub = exif.get_ifd(0x8769)
    sub[36867] = now.strftime("%Y:%m:%d %H:%M:%S")  # DateTimeOriginal
    sub[36881] = "+08:00"  # OffsetTimeOriginal

    def dms(value: float) -> tuple[float, float, float]:
        degrees = int(value)
        minutes = int((value - degrees) * 60)
        seconds = round(((value - degrees) * 60 - minutes) * 60, 4)
        return (degrees, minutes, seconds)

    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", dms(lat)
    gps[3], gps[4] = "E", dms(lon)
    path = folder / "problem.jpg"
    image.save(path, "JPEG", exif=exif, quality=92)
    return path


def _sign_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    with page.expect_navigation():
        page.click("form button[type=submit]")
    expect(page.locator("[data-testid=user-menu]")).to_have_count(1)


def _api(page: Page, path: str):
    return page.evaluate(
        "async (path) => { const r = await fetch(path, {credentials: 'same-origin'});"
        " return {status: r.status, body: await r.json()}; }",
        path,
    )


class Walker:
    """Moves the emulated GPS along the reach, one fix every STEP_S seconds of real time."""

    def __init__(self, page: Page, line: list[list[float]]):
        self.page = page
        self.line = line
        self.walked = 0.0
        self.place = along(line, 0)

    def go(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self.page.context.set_geolocation(
                {"longitude": self.place[0], "latitude": self.place[1], "accuracy": 8}
            )
            self.page.wait_for_timeout(STEP_S * 1000)
            self.walked += SPEED_MS * STEP_S
            self.place = along(self.line, self.walked)


def test_a_patrol_walked_partly_offline_is_synced_as_one_valid_patrol_and_one_problem(
    browser, live_server_url, tmp_path, screenshot_dirs
):
    base = live_server_url
    context = browser.new_context(
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        permissions=["geolocation"],
        geolocation={"longitude": 111.42, "latitude": 35.485, "accuracy": 8},
    )
    context.set_default_timeout(15_000)
    errors: list[str] = []
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("dialog", lambda dialog: dialog.accept())
    try:
        _lower_rules(page, base, minutes=1, metres=150)
        _sign_in(page, base, "patroller_dongliujia")
        reaches = _api(page, "/api/v1/patrols/my-reaches")
        assert reaches["status"] == 200, reaches
        mine = {item["code"]: item for item in reaches["body"]}
        assert REACH in mine, sorted(mine)
        geometry = mine[REACH]["geometry"]
        line = geometry["coordinates"]
        if geometry["type"] == "MultiLineString":
            line = line[0]
        walker = Walker(page, line)
        problems_before = _api(page, "/api/v1/problems?source=patrol&limit=1")["body"]["count"]

        began = dt.datetime.now(dt.UTC)
        # Online: the app opens, the service worker takes the page, the reach is chosen.
        page.goto(f"{base}/patrols/go/")
        expect(page.locator("[data-testid=patrol-app]")).to_have_attribute("data-ready", "1")
        # The worker has kept the page and its files, and controls the page (clients.claim).
        page.wait_for_function("navigator.serviceWorker.controller !== null")
        page.select_option("[data-testid=reach-select]", REACH)
        page.click("[data-testid=start]")
        expect(page.locator("[data-testid=view-patrol]")).to_be_visible()
        expect(page.locator("[data-testid=current-reach]")).to_contain_text("东刘家村")
        walker.go(WALK_S * 0.4)
        points_online = int(page.locator("[data-testid=fig-points]").inner_text())
        assert points_online >= 8, points_online
        page.click("[data-testid=open-check]")
        page.locator("[data-testid=check-water] button[data-status=normal]").click()
        expect(page.locator("[data-testid=recorded]")).to_contain_text("巡查记录 1 条")

        # A pause: no point is kept while paused, and the pause goes with the patrol.
        page.click("[data-testid=pause]")
        expect(page.locator("[data-testid=paused]")).to_be_visible()
        paused_at = int(page.locator("[data-testid=fig-points]").inner_text())
        walker.go(STEP_S * 2)
        assert int(page.locator("[data-testid=fig-points]").inner_text()) == paused_at
        page.click("[data-testid=pause]")
        expect(page.locator("[data-testid=paused]")).to_be_hidden()

        # The network goes away; a reload (or a phone that slept) carries on with the patrol.
        context.set_offline(True)
        expect(page.locator("[data-testid=network]")).to_have_text("离线")
        page.reload()
        expect(page.locator("[data-testid=patrol-app]")).to_have_attribute("data-ready", "1")
        expect(page.locator("[data-testid=view-patrol]")).to_be_visible()
        assert int(page.locator("[data-testid=fig-points]").inner_text()) >= points_online
        walker.go(WALK_S * 0.2)

        # A problem found: category, description, a camera photo; kept on the phone.
        photo = _photo(tmp_path, *walker.place)
        page.click("[data-testid=open-problem]")
        page.select_option("[data-testid=problem-category]", "luan_dui")
        page.fill(
            "[data-testid=problem-description]", "右岸堆放建筑垃圾约 5 立方米（巡河浏览器测试）"
        )
        page.set_input_files("[data-testid=problem-photo]", str(photo))
        page.click("[data-testid=problem-save]")
        expect(page.locator("[data-testid=panel-problem]")).to_be_hidden()
        expect(page.locator("[data-testid=recorded]")).to_contain_text("问题 1 个")
        # Offline, the photo waits on the phone.
        expect(page.locator("[data-testid=sync-state]")).to_have_attribute("data-pending", "1")
        for folder in screenshot_dirs:
            page.screenshot(path=str(folder / "patrol-offline.png"), full_page=True)
        walker.go(WALK_S * 0.4)

        # The end, still offline: the summary, and everything waits to be sent.
        page.click("[data-testid=end]")
        expect(page.locator("[data-testid=view-summary]")).to_be_visible()
        walked = page.locator("[data-testid=sum-distance]").inner_text()
        assert walked.endswith("m"), walked
        expect(page.locator("[data-testid=sum-sync]")).to_have_attribute("data-state", "ended")
        # The patrol and its photo wait (the badge follows the store).
        expect(page.locator("[data-testid=sync-state]")).to_have_attribute("data-pending", "2")
        expect(page.locator("[data-testid=sync-state]")).to_have_text("待同步 2")

        # The network returns: the app sends the photo, then the patrol, by itself.
        context.set_offline(False)
        expect(page.locator("[data-testid=sync-state]")).to_have_text("已同步", timeout=30_000)
        expect(page.locator("[data-testid=sum-sync]")).to_have_attribute("data-state", "synced")
        expect(page.locator("[data-testid=sum-sync]")).to_contain_text("有效")
        for folder in screenshot_dirs:
            page.screenshot(path=str(folder / "patrol-synced.png"), full_page=True)

        # On the server: one valid patrol of this reach with its track, one new 巡河 problem.
        link = page.locator("[data-testid=sum-link]").get_attribute("href")
        patrol_id = int(link.rstrip("/").rsplit("/", 1)[1])
        mine = _api(page, "/api/v1/patrols?mine=true&limit=100")["body"]["items"]
        ours = [p["id"] for p in mine if dt.datetime.fromisoformat(p["started_at"]) >= began]
        assert ours == [patrol_id]  # one patrol from this walk, stored once
        patrol = _api(page, f"/api/v1/patrols/{patrol_id}")["body"]
        assert patrol["verdict"] == "valid", json.dumps(patrol, ensure_ascii=False)[:3000]
        assert patrol["reach_code"] == REACH
        assert patrol["kind"] == "normal"
        assert patrol["point_count"] >= 25
        assert patrol["distance_m"] >= 150
        assert len(patrol["records"]) == 1 and len(patrol["photos"]) == 1
        assert len(patrol["pauses"]) == 1
        assert patrol["photos"][0]["taken_at"], "the photo's EXIF time was kept through the resize"
        assert [p["ref"] for p in patrol["problems"]], patrol["problems"]
        problems = _api(page, "/api/v1/problems?source=patrol&limit=5")["body"]
        assert problems["count"] == problems_before + 1
        assert problems["items"][0]["description"].startswith("右岸堆放建筑垃圾")

        # The patrol's page shows the track over the reach and the photo.
        page.goto(f"{base}{link}")
        expect(page.locator("[data-testid=verdict]")).to_contain_text("有效")
        expect(page.locator("[data-testid=patrol-photos] img")).to_have_count(1)
        expect(page.locator("[data-testid=records] [data-item=water]")).to_contain_text("正常")
        page.click("[data-testid=playback-play]")  # the walk replays along the slider
        page.wait_for_function("Number(document.getElementById('playback').value) > 5")
        for folder in screenshot_dirs:
            page.screenshot(path=str(folder / "patrol-detail.png"), full_page=True)
    finally:
        context.close()
    assert not errors, errors
