"""A manager reads the indicators in the browser; a practitioner cannot."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

from emarac.auth.totp import code_for_now
from emarac.synth import generate
from tests.browser.conftest import sign_in_through_browser
from tests.conftest import DEFAULT_PASSWORD

# Each drawn chart's type, and each series' colour, dash and kind of fill.
SERIES = """() => [...document.querySelectorAll("canvas[data-drawn='true']")].map(canvas => {
  const chart = window.Chart.getChart(canvas)
  return {type: chart.config.type, series: chart.data.datasets.map((d, n) => ({
    colour: d.borderColor, dash: d.borderDash || [],
    fill: typeof d.backgroundColor === 'string' ? 'plain' : 'pattern ' + n}))}
})"""


def contrast_with_white(colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    luminance = 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
    return 1.05 / (luminance + 0.05)


def test_manager_reads_the_dashboard_and_downloads_the_return(ui, make, clock, live_app):
    from emarac.extensions import db

    generate(db.engine, cases=120, incidents=600, seed=5)
    manager = make.user(roles=("manager",))
    practitioner = make.user()

    sign_in_through_browser(ui, manager, DEFAULT_PASSWORD)
    page = ui.page
    ui.follow("Indicators")
    assert page.get_by_test_id("period").inner_text() == "2026-27 Q2 (July to September 2026)"
    page.wait_for_selector("canvas[data-drawn='true']")
    assert page.locator("canvas[data-drawn='true']").count() == 4
    series = page.evaluate(SERIES)
    for chart in series:
        # Told apart by more than colour: a pattern or a dash of its own each.
        marks = [str(s["dash"]) if chart["type"] == "line" else s["fill"] for s in chart["series"]]
        assert len(set(marks)) == len(marks), chart
        for s in chart["series"]:
            assert contrast_with_white(s["colour"]) >= 3, s
    assert any(len(chart["series"]) >= 7 for chart in series)
    if os.environ.get("EMARAC_A11Y_SHOTS"):
        page.screenshot(
            path=f"{os.environ['EMARAC_A11Y_SHOTS']}/indicators-charts.png", full_page=True
        )
    for key in (
        "repeat-trend",
        "volume-trend",
        "sources-trend",
        "factors-trend",
        "quarterly-return",
        "process",
    ):
        assert page.get_by_test_id(key).is_visible()  # every chart has its table

    page.get_by_label("Period").select_option(label="Financial year: April 2025 to March 2026")
    ui.submit("Show figures")
    assert page.get_by_test_id("period").inner_text() == "April 2025 to March 2026"
    header = page.get_by_test_id("quarterly-return").locator("thead").inner_text()
    assert "2025-26 Q1" in header
    assert "2025-26 Q4" in header

    clock.advance(minutes=6)  # the sign-in is no longer fresh enough for an export
    ui.follow("Download the quarterly return (CSV)")
    assert "/reauthenticate" in page.url
    page.locator("#password").fill(DEFAULT_PASSWORD)
    page.get_by_label("Security code").fill(code_for_now(manager.totp_secret))
    with page.expect_download() as download:
        page.get_by_role("button", name="Confirm it is you").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["Quarterly return"]
    assert rows[1][:2] == ["Field", "2025-26 Q1"]
    assert download.value.suggested_filename == "marac-return-FY2025.csv"

    ui.page.context.clear_cookies()
    sign_in_through_browser(ui, practitioner, DEFAULT_PASSWORD)
    assert page.get_by_role("link", name="Indicators").count() == 0
    response = page.goto(f"{ui.base}/indicators/")
    assert response.status == 404
