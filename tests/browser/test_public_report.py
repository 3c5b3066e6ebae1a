"""A member of the public on a phone (issue 6's acceptance test): opens a reach's page from its QR
link, reports with a photo and the phone's GPS position, gets the receipt, follows the tracking
page; the office and the department handle and close the problem on the staff pages; the
reporter rates it 不满意 and sees it reopened."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.browser.test_problem_loop import _act, _shoot, _sign_in

pytestmark = pytest.mark.browser

REACH = "SSH-140826101"  # 涑水河横水镇段
POSITION = {"latitude": 35.4655, "longitude": 111.49, "accuracy": 12}  # on that reach
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "user_agent": (
        "Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/120.0 Mobile Safari/537.36 MicroMessenger/8.0.47"
    ),
}


def _big_photo(folder: Path) -> Path:
    # Large enough that the page shrinks it on a canvas before sending; EXIF time to keep.
    image = Image.linear_gradient("L").resize((2400, 1800)).convert("RGB")
    exif = Image.Exif()
    exif.get_ifd(0x8769)[36867] = "2026:05:01 09:15:00"
    path = folder / "river.jpg"
    image.save(path, "JPEG", quality=95, exif=exif)
    return path


def test_a_phone_user_reports_follows_rates_and_sees_it_reopened(
    new_page, live_server_url, tmp_path, screenshot_dirs
):
    base = live_server_url
    phone = new_page(**PHONE, geolocation=POSITION, permissions=["geolocation"])
    photo = _big_photo(tmp_path)

    # 1. The reach's page, as its signboard's QR code opens it.
    phone.goto(f"{base}/p/reaches/{REACH}")
    expect(phone.locator("[data-testid=reach-name]")).to_contain_text("涑水河")
    expect(phone.locator("[data-testid=chiefs]")).to_contain_text("河长")
    _shoot(phone, screenshot_dirs, "public-reach.png")
    with phone.expect_navigation():
        phone.click("[data-testid=report-here]")

    # 2. The report: category, text, a photo shrunk in the browser, the GPS position.
    phone.check("input[name=category][value=rubbish]")
    phone.fill("#description", "桥下河岸有人倾倒生活垃圾（浏览器测试）")
    phone.set_input_files("#photos", str(photo))
    expect(phone.locator("#photo-status")).to_contain_text("KB")
    size_kb = int(phone.locator("#photo-status").inner_text().split()[0])
    assert size_kb < photo.stat().st_size / 1024, "the photo was not shrunk before sending"
    phone.click("#locate")
    expect(phone.locator("[data-testid=location-status]")).to_contain_text("±12 m")
    assert abs(float(phone.input_value("#lon")) - POSITION["longitude"]) < 1e-6
    _shoot(phone, screenshot_dirs, "public-report.png")
    with phone.expect_navigation():
        phone.click("#submit")

    # 3. The receipt: a short code and the link to follow it.
    expect(phone.locator("[data-testid=receipt]")).to_be_visible()
    code = phone.locator("[data-testid=tracking-code]").inner_text().strip()
    assert re.fullmatch(r"[2-9A-HJKMNP-Z]{10}", code), code
    link = phone.locator("[data-testid=tracking-link]").get_attribute("href")
    assert link.endswith(f"/p/track/{code}")
    _shoot(phone, screenshot_dirs, "public-receipt.png")
    phone.goto(link)
    expect(phone.locator("[data-testid=status]")).to_have_text("等待受理")
    expect(phone.locator("[data-testid=steps]")).to_contain_text("举报已收到")

    # A second report from the same place is told about the first one before it is sent.
    phone.goto(f"{base}/p/report")
    phone.click("#locate")
    expect(phone.locator("[data-testid=similar-list]")).to_contain_text("是否是同一问题")

    # 4. The office accepts; the report, on a reach, goes to its category's department (水利局)
    # by itself; the department rectifies, the office closes.
    admin, dept = new_page(), new_page()
    _sign_in(admin, base, "admin")
    _sign_in(dept, base, "dept_water")
    admin.goto(f"{base}/p/office/reports")
    number = admin.locator(f"tr:has(a:text('{code}')) td:nth-child(2) a").inner_text().strip()
    admin.goto(f"{base}/p/office/reports")
    expect(admin.locator(f"tr:has(a:text('{code}')) [data-testid=route]")).to_contain_text("水利局")
    _act(admin, base, number, "accept")
    expect(admin.locator("[data-testid=photos-before]")).to_contain_text("2026-05-01 09:15")
    admin.goto(f"{base}/problems/{number}/")
    expect(admin.locator("body")).to_contain_text("按类别自动交办")
    _act(dept, base, number, "start")
    after = tmp_path / "after.jpg"
    Image.new("RGB", (640, 480), "seagreen").save(after, "JPEG")

    def submit(box):
        box.locator("textarea[name=description]").fill("垃圾已清运")
        box.locator("input[name=files]").set_input_files(str(after))

    _act(dept, base, number, "submit", submit)
    _act(admin, base, number, "close", lambda box: box.locator("textarea").fill("已清理完毕"))

    # 5. The reporter follows it: closed, with the answer and before/after photos, then rates.
    phone.goto(link)
    expect(phone.locator("[data-testid=status]")).to_have_text("已办结")
    expect(phone.locator("[data-testid=answer]")).to_contain_text("已清理完毕")
    expect(phone.locator(".photos img")).to_have_count(2)
    phone.check("input[name=rating][value=dissatisfied]")
    phone.fill("#comment", "下游还有垃圾")
    with phone.expect_navigation():
        phone.click("[data-testid=rating-form] button[type=submit]")
    expect(phone.locator("[data-testid=status]")).to_have_text("办理中")
    expect(phone.locator("[data-testid=steps]")).to_contain_text("根据举报人评价重新办理")
    expect(phone.locator("[data-testid=rating]")).to_contain_text("不满意")
    _shoot(phone, screenshot_dirs, "public-reopened.png")

    # The reporter's name and phone were never asked for, and the page shows no staff names.
    assert "孙水" not in phone.content() and "王明" not in phone.content()
