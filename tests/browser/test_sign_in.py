"""Signing in through the browser, under the real CSP."""

from __future__ import annotations

from tests.browser.conftest import sign_in_through_browser
from tests.conftest import DEFAULT_PASSWORD


def test_practitioner_signs_in_with_totp_and_sees_their_agency(ui, make):
    agency = make.agency(name="Westmoor Health Trust (test)", kind="health")
    user = make.user(agency=agency)
    sign_in_through_browser(ui, user, DEFAULT_PASSWORD)
    assert ui.page.get_by_test_id("home-agency").inner_text() == "Westmoor Health Trust (test)"
    assert ui.page.url.endswith("/")


def test_pages_have_no_console_errors_under_the_csp(ui, make):
    user = make.user(roles=("agency_admin",))
    for path in ("/sign-in", "/privacy", "/no-such-page"):
        ui.goto(ui.base + path)
    sign_in_through_browser(ui, user, DEFAULT_PASSWORD)
    ui.follow("Users")
    ui.follow("Invite a user")
    ui.submit("Send invitation")  # empty form: the error summary page is checked too
    assert ui.page.get_by_text("There is a problem").is_visible()
    # The GOV.UK JavaScript ran (it was loaded as a module file, not inline).
    assert "js-enabled" in (ui.page.locator("body").get_attribute("class") or "")
    assert len(ui.checked_urls) >= 6


def test_wrong_password_shows_an_error_next_to_the_field(ui, make):
    user = make.user()
    ui.goto(ui.base + "/sign-in")
    ui.page.locator("#email").fill(user.email)
    ui.page.locator("#password").fill("not the right one")
    ui.submit("Sign in")
    assert ui.page.locator(".govuk-error-summary").is_visible()
    assert ui.page.locator("#email").input_value() == user.email
