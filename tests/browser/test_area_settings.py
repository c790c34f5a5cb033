"""A coordinator changes the area's referral settings; a wrong figure is refused by its field."""

from __future__ import annotations

from tests.browser.conftest import sign_in_through_browser
from tests.browser.test_repeat import shot
from tests.conftest import DEFAULT_PASSWORD


def test_the_coordinator_sets_the_areas_thresholds(ui, make, live_app, clock):
    coordinator = make.user(
        agency=make.agency(name="Testshire CSP (test)", kind="other", area="Testshire MARAC"),
        roles=("coordinator",),
    )
    page = ui.page
    page.set_viewport_size({"width": 1100, "height": 900})
    sign_in_through_browser(ui, coordinator, DEFAULT_PASSWORD)
    ui.follow("Triage")
    ui.follow("referral settings")
    assert page.get_by_label("High risk from (yes answers)").input_value() == "14"
    shot(page, "area-settings.png")

    page.get_by_label("Medium risk from (yes answers)").fill("16")
    ui.submit("Save settings")
    assert (
        "Medium risk must start below high risk"
        in page.locator(".govuk-error-summary").inner_text()
    )
    assert page.get_by_label("Medium risk from (yes answers)").input_value() == "16"
    shot(page, "area-settings-error.png")

    page.get_by_label("Medium risk from (yes answers)").fill("9")
    page.get_by_label("Only incidents the police attended").check()
    page.get_by_label("Repeat window (months after the last accepted referral)").fill("18")
    ui.submit("Save settings")
    assert "apply from today" in page.locator(".govuk-notification-banner").inner_text()
    history = page.get_by_test_id("settings-history").inner_text()
    assert "2 November 2026" in history
    assert "Police-attended" in history
    shot(page, "area-settings-saved.png")
