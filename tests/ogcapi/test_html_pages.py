"""The HTML pages in a real browser: links to follow, and the features on a map."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_a_browser_walks_from_the_landing_page_to_a_reach_on_the_map(ogcapi, new_page):
    page = new_page()
    page.goto(f"{ogcapi}/")  # a browser's Accept header asks for HTML
    page.get_by_role("link", name="数据集").first.click()
    page.locator('[data-testid="collection"]', has_text="reaches").click()
    page.get_by_role("link", name="浏览要素").click()
    assert page.locator('[data-testid="feature"]').count() == 10
    page.wait_for_function("document.getElementById('ogc-map').dataset.features === '10'")
    assert page.locator("#ogc-map path.leaflet-interactive").count() == 10
    page.get_by_role("link", name="下一页").click()
    assert "after=" in page.url
    first = page.locator('[data-testid="feature"] a').first
    code = first.inner_text()
    first.click()
    assert page.url.endswith(f"/items/{code}?f=html")
    page.wait_for_function("document.getElementById('ogc-map').dataset.features === '1'")
    assert code in page.content()
