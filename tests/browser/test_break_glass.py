"""Break-glass through the browser: a hint, a request with a reason, the read-only case
with its banner, the alert, the end of access, and the coordinator's review."""

from __future__ import annotations

from tests.browser.conftest import sign_in_through_browser
from tests.conftest import DEFAULT_PASSWORD
from tests.factories import Cases

SHOTS = "/tmp/emarac-shots"  # noqa: S108 - screenshots for a person to look at
REASON = "Seen in the emergency department tonight with injuries; need the safety plan"


def test_emergency_department_breaks_the_glass(ui, make, clock, live_app, browser):
    from emarac.extensions import db

    owner = make.user(agency=make.agency(name="Glassford Police (test)"))
    coordinator = make.user(
        agency=make.agency(name="Glassford CSP (test)", kind="other"), roles=("coordinator",)
    )
    nurse = make.user(agency=make.agency(name="Glassford Hospital (test)", kind="health"))
    case = Cases(db, make).open(by=owner, family_name="Quillfeather-Demo")
    page = ui.page

    sign_in_through_browser(ui, nurse, DEFAULT_PASSWORD)
    ui.goto(f"{ui.base}/people/search")
    page.get_by_label("Name").fill("Quillfeather-Demo")
    ui.submit("Search")
    hint = page.get_by_test_id("hint")
    assert case.reference in hint.inner_text()
    assert coordinator.full_name in hint.inner_text()
    page.screenshot(path=f"{SHOTS}/break-glass-hint.png", full_page=True)

    with page.expect_navigation():
        hint.get_by_test_id("break-glass").click()
    ui.check()
    page.get_by_label("Why do you need to see this case now?").fill("urgent")
    ui.submit("Open the case read only")
    assert page.locator("#reason-error").is_visible()
    assert page.get_by_label("Why do you need to see this case now?").input_value() == "urgent"
    page.get_by_label("Why do you need to see this case now?").fill(REASON)
    page.get_by_label("1 hour", exact=True).check()
    ui.submit("Open the case read only")
    banner = page.get_by_test_id("emergency-banner")
    assert "read only" in banner.inner_text()
    for offer in ("Add a child", "Record an incident", "Refer to MARAC"):
        assert not page.get_by_role("link", name=offer).count(), offer
    page.screenshot(path=f"{SHOTS}/break-glass-case.png", full_page=True)
    ui.goto(f"{ui.base}/cases/{case.id}/timeline")
    assert page.get_by_test_id("emergency-banner").is_visible()

    clock.advance(hours=1, minutes=1)
    response = page.goto(f"{ui.base}/cases/{case.id}")
    if "/sign-in" not in page.url:  # the session may have gone idle too
        assert response.status == 404

    # The coordinator was told at once, and reviews the use.
    context = browser.new_context()
    from tests.browser.conftest import AccessiblePage

    coordinator_ui = AccessiblePage(context.new_page())
    coordinator_ui.base = ui.base
    sign_in_through_browser(coordinator_ui, coordinator, DEFAULT_PASSWORD)
    coordinator_ui.goto(f"{ui.base}/notifications/")
    assert (
        f"Emergency access to {case.reference}" in coordinator_ui.page.locator("main").inner_text()
    )
    coordinator_ui.follow("Emergency access")
    row = coordinator_ui.page.get_by_test_id("emergency-use")
    assert nurse.full_name in row.inner_text()
    coordinator_ui.follow(f"Review the use on {case.reference}")
    assert REASON in coordinator_ui.page.get_by_test_id("emergency-reason").inner_text()
    coordinator_ui.page.get_by_label("Justified", exact=True).check()
    coordinator_ui.submit("Save the review")
    assert "Justified" in coordinator_ui.page.get_by_test_id("emergency-use").inner_text()
    coordinator_ui.page.screenshot(path=f"{SHOTS}/break-glass-review.png", full_page=True)
    coordinator_ui.assert_clean()
    context.close()
