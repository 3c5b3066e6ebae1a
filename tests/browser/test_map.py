"""The one map (一张图) in a real browser, on the demo county, with no base tiles configured:
every vector layer draws, the layer control hides and shows a layer, a popup leads to the page
of what was clicked."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

DEMO_PASSWORD = "riverchief-demo"
LAYERS = (
    "divisions",
    "waterbodies",
    "reaches",
    "reservoirs",
    "check_dams",
    "sluices",
    "outfalls",
    "intakes",
    "sections",
    "signboards",
)

# A point on the element where a click reaches it (not under a control or another feature):
# the middle of a marker, or a point along a line.
CLICKABLE_POINT = """
(selector) => {
  const box = document.getElementById("onemap").getBoundingClientRect();
  const inside = (x, y) =>
    x > box.left + 60 && x < box.right - 240 && y > box.top + 80 && y < box.bottom - 60;
  for (const element of document.querySelectorAll(selector)) {
    const points = [];
    if (element.getTotalLength && !element.classList.contains("rc-marker")) {
      const length = element.getTotalLength();
      const matrix = element.getScreenCTM();
      for (const share of [0.5, 0.3, 0.7, 0.1, 0.9]) {
        const p = element.getPointAtLength(length * share);
        points.push([matrix.a * p.x + matrix.c * p.y + matrix.e,
                     matrix.b * p.x + matrix.d * p.y + matrix.f]);
      }
    } else {
      const r = element.getBoundingClientRect();
      points.push([r.left + r.width / 2, r.top + r.height / 2]);
    }
    for (const [x, y] of points) {
      if (inside(x, y) && document.elementFromPoint(x, y) === element) {
        return [x, y];
      }
    }
  }
  return null;
}
"""


def _sign_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    with page.expect_navigation():
        page.click("form button[type=submit]")


def _open_map(page: Page, base_url: str) -> list[str]:
    """Sign in as the county office, open the map; returns requests that left the server."""
    foreign: list[str] = []
    page.on(
        "request",
        lambda request: (
            None
            if request.url.startswith((base_url, "data:", "blob:"))
            else foreign.append(request.url)
        ),
    )
    _sign_in(page, base_url, "admin")
    page.goto(f"{base_url}/registry/map/")
    expect(page.locator("#onemap")).to_have_attribute("data-state", "ready", timeout=30_000)
    return foreign


def _click_feature(page: Page, selector: str) -> None:
    point = page.evaluate(CLICKABLE_POINT, selector)
    assert point, f"no clickable {selector} in view"
    page.mouse.click(point[0], point[1])


def test_every_layer_draws_without_tiles_and_toggles(page: Page, live_server_url, screenshot_dirs):
    foreign = _open_map(page, live_server_url)
    onemap = page.locator("#onemap")

    # No base map: no tile images, nothing fetched from outside, a plain background.
    expect(onemap).to_have_class(re.compile(r"\bis-plain\b"))
    assert page.locator("img.leaflet-tile").count() == 0
    assert foreign == []

    # Every layer is drawn as SVG: division outlines, reach lines, a circle marker per facility.
    for name in ("divisions", "waterbodies", "reaches"):
        assert page.locator(f"path.rc-{name}").count() > 0, name
    assert page.locator("path.rc-marker").count() > 0
    for name in ("reservoirs", "check_dams", "sections", "signboards"):
        assert page.locator(f"path.rc-marker.rc-{name}").count() > 0, name
    # Reaches are styled by level: county lines are thicker than village ones.
    widths = page.eval_on_selector_all(
        "path.rc-reaches", "paths => paths.map(p => Number(p.getAttribute('stroke-width')))"
    )
    assert max(widths) >= 6 and min(widths) <= 2, widths

    # The layer control names every layer; switching reaches off removes them, on brings them back.
    control = page.locator(".leaflet-control-layers-overlays")
    for name in LAYERS:
        expect(control.locator(f"[data-layer={name}]")).to_have_count(1)
    expect(control.locator("[data-layer=reaches]")).to_have_text("河段")
    reaches_toggle = control.locator("label").filter(has=page.locator("[data-layer=reaches]"))
    checkbox = reaches_toggle.locator("input[type=checkbox]")
    expect(checkbox).to_be_checked()
    checkbox.uncheck()
    expect(page.locator("path.rc-reaches")).to_have_count(0)
    assert page.locator("path.rc-marker").count() > 0  # the other layers stay
    checkbox.check()
    expect(page.locator("path.rc-reaches").first).to_be_attached()
    assert page.locator("path.rc-reaches").count() > 0

    for folder in screenshot_dirs:
        page.screenshot(path=str(folder / "onemap.png"))


def test_a_marker_popup_leads_to_the_facility_page(page: Page, live_server_url):
    _open_map(page, live_server_url)
    _click_feature(page, "path.rc-marker")
    popup = page.locator(".leaflet-popup [data-testid=popup]")
    expect(popup).to_be_visible()
    name = popup.locator(".onemap-popup-title").inner_text()
    link = popup.locator("[data-testid=popup-link]")
    href = link.get_attribute("href")
    assert href and href.startswith("/registry/facilities/"), href
    with page.expect_navigation():
        link.click()
    expect(page.locator("h1")).to_contain_text(name)
    expect(page.locator("[data-testid=facts]")).to_be_visible()


def test_a_reach_popup_leads_to_its_archive(page: Page, live_server_url, screenshot_dirs):
    _open_map(page, live_server_url)
    # Hide the markers and outlines, so that the click lands on a reach.
    control = page.locator(".leaflet-control-layers-overlays")
    for name in LAYERS:
        if name != "reaches":
            control.locator("label").filter(has=page.locator(f"[data-layer={name}]")).locator(
                "input"
            ).uncheck()
    expect(page.locator("path.rc-marker")).to_have_count(0)
    _click_feature(page, "path.rc-reaches")
    popup = page.locator(".leaflet-popup [data-testid=popup]")
    expect(popup).to_be_visible()
    expect(popup).to_contain_text("河段")
    for folder in screenshot_dirs:
        page.screenshot(path=str(folder / "onemap-popup.png"))
    name = popup.locator(".onemap-popup-title").inner_text()
    link = popup.locator("[data-testid=popup-link]")
    href = link.get_attribute("href")
    assert href and href.startswith("/registry/reaches/"), href
    with page.expect_navigation():
        link.click()
    expect(page.locator("h1")).to_contain_text(name)
    expect(page.locator("[data-testid=chiefs-now]")).to_be_visible()
    expect(page.locator("[data-testid=minimap] path.leaflet-interactive").first).to_be_attached()
