"""A practitioner's day: open a case, add people and an incident, find it again."""

from __future__ import annotations

from tests.browser.conftest import sign_in_through_browser
from tests.conftest import DEFAULT_PASSWORD


def fill_victim(ui, *, given: str, family: str, day: str, month: str, year: str) -> None:
    page = ui.page
    page.locator("#given_name").fill(given)
    page.locator("#family_name").fill(family)
    page.locator("#date_of_birth-day").fill(day)
    page.locator("#date_of_birth-month").fill(month)
    page.locator("#date_of_birth-year").fill(year)
    page.get_by_label("Female").check()
    page.locator("#phone").fill("07700 900812")
    page.locator("#current_address").fill("3 Synthetic Gardens")


def add_child(ui, given: str, year: str) -> None:
    ui.follow("Add a child")
    ui.page.locator("#given_name").fill(given)
    ui.page.locator("#family_name").fill("Wexcombe")
    ui.page.locator("#date_of_birth-day").fill("2")
    ui.page.locator("#date_of_birth-month").fill("3")
    ui.page.locator("#date_of_birth-year").fill(year)
    ui.page.locator("#school").fill("Synthetic Primary")
    ui.submit("Add child")


def test_practitioner_creates_a_case_and_finds_it_by_a_misspelling(ui, make):
    user = make.user(agency=make.agency(name="Riverside Police (test)"))
    sign_in_through_browser(ui, user, DEFAULT_PASSWORD)
    page = ui.page

    ui.follow("Cases")
    ui.follow("Open a new case")
    fill_victim(ui, given="Marisol", family="Wexcombe", day="14", month="2", year="1989")
    ui.submit("Continue")
    assert page.get_by_text("Check your answers").is_visible()
    ui.submit("Create case")
    assert page.get_by_test_id("victim-name").inner_text() == "Marisol Wexcombe"

    ui.follow("Add a perpetrator")
    page.locator("#given_name").fill("Dorian")
    page.locator("#family_name").fill("Blackthorne")
    page.get_by_label("Ex-partner").check()
    ui.submit("Add perpetrator")
    add_child(ui, "Pip", "2018")
    add_child(ui, "Wynn", "2021")
    assert "Blackthorne" in page.get_by_test_id("perpetrators").inner_text()
    assert page.get_by_test_id("children").locator("li").count() == 2

    ui.follow("Record an incident")
    page.locator("#occurred_on-day").fill("1")
    page.locator("#occurred_on-month").fill("10")
    page.locator("#occurred_on-year").fill("2026")
    page.get_by_label("Physical").check()
    page.locator("#narrative").fill("Synthetic narrative for the browser test")
    ui.submit("Save incident")
    assert (
        "Incident recorded by Riverside Police (test)"
        in page.get_by_test_id("recent-events").inner_text()
    )
    reference = page.locator(".govuk-caption-l").first.inner_text().split(" ")[0]

    # A near-identical victim gets the duplicate warning before anything is saved.
    ui.follow("Cases")
    ui.follow("Open a new case")
    fill_victim(ui, given="Marisol", family="Wexcomb", day="14", month="2", year="1989")
    ui.submit("Continue")
    assert page.get_by_test_id("duplicate-warning").is_visible()
    assert page.get_by_label("Marisol Wexcombe, born 14 February 1989").is_visible()

    # Found again by a misspelt surname.
    ui.follow("Search")
    page.locator("#name").fill("Wexcoombe")
    ui.submit("Search")
    assert reference in page.get_by_test_id("results").inner_text()
