"""Searching for people by part of a name: ranked results that say why, or a new case."""

from __future__ import annotations

import os
from pathlib import Path

from tests.browser.conftest import sign_in_through_browser
from tests.conftest import DEFAULT_PASSWORD
from tests.factories import Cases

SHOTS = Path(os.environ.get("EMARAC_SEARCH_SHOTS", "/tmp/search-shots"))  # noqa: S108


def test_search_by_part_of_a_name_then_no_result_offers_a_new_case(ui, make):
    from emarac.extensions import db

    user = make.user(agency=make.agency(name="Riverside Police (test)"))
    cases = Cases(db, make)
    for given, family in (
        ("Zoë", "Pebbleton-Demo"),
        ("Amberly", "Pebbleton"),
        ("Zoe", "Pebbletun"),
        ("Niamh", "O'Brien"),
    ):
        cases.open(by=user, given_name=given, family_name=family)
    sign_in_through_browser(ui, user, DEFAULT_PASSWORD)
    page = ui.page
    ui.follow("Search")
    page.locator("#name").fill("zoe pebbleton")
    ui.submit("Search")
    results = page.get_by_test_id("result")
    assert results.count() == 2
    assert "Zoë Pebbleton-Demo" in results.nth(0).inner_text()
    assert "Partial match" in results.nth(0).inner_text()
    assert "Sounds alike" in results.nth(1).inner_text()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "results.png"), full_page=True)

    page.locator("#name").fill("Quenby Ashgrove")
    ui.submit("Search")
    assert page.get_by_test_id("no-result").is_visible()
    page.screenshot(path=str(SHOTS / "no-result.png"), full_page=True)
    ui.follow("Start a new case")
    assert "/cases/new" in page.url
    assert "Quenby" not in page.url
