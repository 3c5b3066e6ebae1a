"""The page shell in a real browser: sign in and out, language, demo banner, phone layout."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

DEMO_PASSWORD = "riverchief-demo"
LOGIN_PATH = "/accounts/login/"
BAD_CREDENTIALS_ZH = "用户名或密码错误"


def _sign_in(page: Page, base_url: str, username: str, password: str) -> None:
    page.goto(f"{base_url}{LOGIN_PATH}")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.click("form button[type=submit]")


def _on_login_page(page: Page, base_url: str) -> None:
    expect(page).to_have_url(re.compile(re.escape(f"{base_url}{LOGIN_PATH}")))
    expect(page.locator("#id_username")).to_be_visible()
    expect(page.locator("#id_password")).to_be_visible()


def test_sign_in_switch_language_and_sign_out(page: Page, live_server_url, screenshot_dirs):
    _sign_in(page, live_server_url, "chief_hengshui", DEMO_PASSWORD)
    expect(page).to_have_url(f"{live_server_url}/")

    # Chinese by default.
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("#main-nav .navbar-nav").first).to_contain_text("首页")
    scope = page.locator("[data-testid=scope]")
    expect(scope).to_contain_text("横水镇")
    expect(scope).to_contain_text("140826101")
    expect(page.locator("[data-testid=role]")).to_contain_text("河湖长")
    expect(page.locator("[data-testid=demo-banner]")).to_be_visible()

    for folder in screenshot_dirs:
        page.screenshot(path=str(folder / "home-zh.png"), full_page=True)

    # English through the language menu, which submits on change.
    with page.expect_navigation():
        page.select_option("[data-testid=language-select]", "en")
    expect(page).to_have_url(f"{live_server_url}/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#main-nav .navbar-nav").first).to_contain_text("Home")
    expect(page.locator("[data-testid=role]")).to_have_text("River or lake chief")
    expect(page.locator("[data-testid=scope]")).to_contain_text("140826101")

    for folder in screenshot_dirs:
        page.screenshot(path=str(folder / "home-en.png"), full_page=True)

    # Sign out through the user menu.
    page.click("[data-testid=user-menu]")
    expect(page.locator("[data-testid=logout]")).to_be_visible()
    with page.expect_navigation():
        page.click("[data-testid=logout]")
    _on_login_page(page, live_server_url)
    expect(page.locator("[data-testid=user-menu]")).to_have_count(0)

    # The session is gone: the home page sends us back to sign in.
    page.goto(f"{live_server_url}/")
    _on_login_page(page, live_server_url)


def test_wrong_credentials_do_not_say_which_part_was_wrong(page: Page, live_server_url):
    _sign_in(page, live_server_url, "chief_hengshui", "not-the-password")
    _on_login_page(page, live_server_url)
    error = page.locator("[data-testid=login-error]")
    expect(error).to_be_visible()
    expect(error).to_contain_text(BAD_CREDENTIALS_ZH)
    wrong_password = error.inner_text().strip()

    _sign_in(page, live_server_url, "nobody_by_this_name", "not-the-password")
    _on_login_page(page, live_server_url)
    expect(error).to_be_visible()
    unknown_user = error.inner_text().strip()

    assert unknown_user == wrong_password
    for telltale in ("不存在", "未找到", "密码不正确", "unknown", "does not exist", "not found"):
        assert telltale not in wrong_password.lower()


def test_phone_layout_collapses_the_navbar(new_page, live_server_url, screenshot_dirs):
    page = new_page(viewport={"width": 375, "height": 667}, is_mobile=True, has_touch=True)
    _sign_in(page, live_server_url, "chief_hengshui", DEMO_PASSWORD)
    expect(page).to_have_url(f"{live_server_url}/")

    toggler = page.locator(".navbar-toggler")
    nav = page.locator("#main-nav")
    home_link = nav.locator("a.nav-link[href='/']")
    expect(toggler).to_be_visible()
    expect(nav).to_be_hidden()
    expect(home_link).to_be_hidden()

    toggler.click()
    expect(nav).to_be_visible()
    expect(home_link).to_be_visible()
    expect(nav.locator("a.nav-link[href='/registry/map/']")).to_be_visible()
    expect(toggler).to_have_attribute("aria-expanded", "true")
    # Bootstrap marks the bar "collapse show" once its opening transition ends; a click on a
    # drop-down while the bar is still "collapsing" can be lost.
    expect(nav).to_have_class(re.compile(r"(^|\s)show(\s|$)"))
    # The registry pages sit in a drop-down menu (基础信息) that opens inside the collapsed bar.
    divisions = nav.locator("a.dropdown-item[href^='/divisions']")
    expect(divisions).to_be_hidden()
    nav.locator("a.dropdown-toggle", has_text="基础信息").click()
    expect(divisions).to_be_visible()

    # Nothing sticks out sideways on a phone.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the page is {width} px wide on a 375 px phone"

    for folder in screenshot_dirs:
        page.screenshot(path=str(folder / "home-phone.png"), full_page=True)
