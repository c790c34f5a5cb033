"""The demo manager signs in to `make run`'s data and reads numbers, not "<5"."""

from __future__ import annotations

import os
import re

from sqlalchemy import select

from emarac import demo
from emarac.agencies.models import User
from tests.browser.conftest import sign_in_through_browser

NUMBER = re.compile(r"\d+(\.\d)?%?")


def test_the_demo_manager_sees_numbers_for_the_default_period(ui, clock, live_app):
    from emarac.extensions import db

    demo.load()
    manager = db.session.scalar(
        select(User).where(User.is_demo.is_(True), User.email.like("manager.%"))
    )
    sign_in_through_browser(ui, manager, demo.DEMO_PASSWORD)
    page = ui.page
    ui.follow("Indicators")
    headlines = {
        h.get_by_test_id("headline-label").inner_text(): h.get_by_test_id(
            "headline-value"
        ).inner_text()
        for h in page.get_by_test_id("headline").all()
    }
    assert NUMBER.fullmatch(headlines["Cases heard"]), headlines
    assert NUMBER.fullmatch(headlines["Repeat rate"]), headlines
    referrers = page.get_by_test_id("referrers")
    rows = {
        row.locator("th").inner_text(): row.locator("td").inner_text()
        for row in referrers.locator("tbody tr").all()
    }
    assert NUMBER.fullmatch(rows["Demoshire Police (demo)"]), rows
    assert NUMBER.fullmatch(rows["Demoshire IDVA Service (demo)"]), rows
    if os.environ.get("EMARAC_A11Y_SHOTS"):
        page.screenshot(
            path=f"{os.environ['EMARAC_A11Y_SHOTS']}/demo-dashboard.png", full_page=True
        )
