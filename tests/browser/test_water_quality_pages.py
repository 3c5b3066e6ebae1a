"""The water-quality pages in a real browser, on the demo county: the sections map coloured by
each section's latest class, a section's ECharts trend charts, the monthly table with its main
pollutants; none of them logs an error to the console."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

DEMO_PASSWORD = "riverchief-demo"
SECTION = "SEC-SSH-GJ"  # below the county town's sewage works: class IV–V, main pollutants
GREY = "#9aa0a6"  # monitoring.pages.HEX["grey"]: nothing known


def _sign_in(page: Page, base_url: str, username: str = "admin") -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    with page.expect_navigation():
        page.click("form button[type=submit]")


def _console_errors(page: Page) -> list[str]:
    """Messages the page logs as errors (a failed script, stylesheet or fetch among them)."""
    errors: list[str] = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    return errors


def test_the_sections_map_colours_each_section_by_its_latest_class(
    page: Page, live_server_url, screenshot_dirs
):
    errors = _console_errors(page)
    _sign_in(page, live_server_url)
    page.goto(f"{live_server_url}/water-quality/")
    markers = page.locator("#wq-map path[data-section]")
    expect(markers.first).to_be_attached()

    features = page.request.get(f"{live_server_url}/api/v1/sections.geojson").json()["features"]
    expected = {f["properties"]["code"]: f["properties"]["latest_hex"] for f in features}
    drawn = dict(
        page.eval_on_selector_all(
            "#wq-map path[data-section]",
            "paths => paths.map(p => [p.dataset.section, p.getAttribute('fill')])",
        )
    )
    assert drawn == expected  # one marker per placed section, in the GeoJSON's colour
    assert len({colour for colour in drawn.values() if colour != GREY}) >= 2, drawn
    # The list beside the map shows the same class in the same colour.
    badge = page.locator(f"[data-testid=sections] tr[data-section={SECTION}] .badge").first
    expect(badge).to_have_css("background-color", _rgb(expected[SECTION]))
    for colour in set(drawn.values()) - {GREY}:
        assert page.locator(f"[data-testid=legend] span[style*='{colour}']").count() == 1, colour

    for folder in screenshot_dirs:
        page.screenshot(path=str(folder / "water-quality-map.png"), full_page=True)
    assert errors == []


def test_a_section_page_draws_its_trend_charts(page: Page, live_server_url, screenshot_dirs):
    errors = _console_errors(page)
    _sign_in(page, live_server_url)
    page.goto(f"{live_server_url}/water-quality/sections/{SECTION}/")
    expect(page.locator("[data-testid=latest-class]")).to_be_visible()
    charts = page.locator("[data-testid=trends] .wq-chart")
    assert charts.count() >= 5  # a year of monthly samples of many items
    expect(charts.first.locator("canvas, svg").first).to_be_visible()
    expect(
        page.locator("[data-testid=trends] .wq-chart:not(:has(canvas)):not(:has(svg))")
    ).to_have_count(0)
    points = page.evaluate(
        """() => Array.from(document.querySelectorAll(".wq-chart")).map(node => {
             const chart = window.echarts.getInstanceByDom(node);
             return chart ? chart.getOption().series[0].data.length : 0;
           })"""
    )
    assert all(count >= 6 for count in points), points
    # The upstream panel has loaded from the API as well.
    expect(page.locator("#wq-upstream-list h3").first).to_be_visible()

    for folder in screenshot_dirs:
        page.screenshot(path=str(folder / "water-quality-section.png"), full_page=True)
    assert errors == []


def test_the_monthly_table_names_the_main_pollutants(page: Page, live_server_url, screenshot_dirs):
    errors = _console_errors(page)
    _sign_in(page, live_server_url)
    page.goto(f"{live_server_url}/water-quality/monthly/")
    table = page.locator("[data-testid=monthly-table]")
    expect(table).to_be_visible()
    header = table.locator("thead th")
    column = header.all_inner_texts().index("主要污染指标(超标倍数)")
    period = page.input_value("#id_period")

    evaluation = page.request.get(
        f"{live_server_url}/api/v1/sections/{SECTION}/evaluation?period={period}"
    ).json()["evaluation"]
    pollutants = evaluation["main_pollutants"]
    assert pollutants, evaluation  # a section worse than III has main pollutants
    cell = table.locator(f"tr[data-section={SECTION}] td").nth(column)
    expect(cell).to_have_text("、".join(pollutants))
    assert "(" in pollutants[0]  # each with its multiple over the class III limit

    for folder in screenshot_dirs:
        page.screenshot(path=str(folder / "water-quality-monthly.png"), full_page=True)
    assert errors == []


def _rgb(hex_colour: str) -> str:
    red, green, blue = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({red}, {green}, {blue})"
