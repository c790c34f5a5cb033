"""Checklist, referral and triage through the browser, by two people."""

from __future__ import annotations

from tests.browser.conftest import sign_in_through_browser
from tests.conftest import DEFAULT_PASSWORD
from tests.factories import Cases


def test_practitioner_refers_and_the_coordinator_accepts(ui, make, live_app, browser):
    from emarac.extensions import db

    practitioner = make.user(
        agency=make.agency(name="Hillside Police (test)", area="Testshire MARAC")
    )
    coordinator = make.user(
        agency=make.agency(name="Testshire CSP (test)", kind="other", area="Testshire MARAC"),
        roles=("coordinator",),
    )
    case = Cases(db, make).open(by=practitioner)
    page = ui.page

    sign_in_through_browser(ui, practitioner, DEFAULT_PASSWORD)
    ui.goto(f"{ui.base}/cases/{case.id}")
    ui.follow("Complete the risk checklist")
    page.locator("#completed_on-day").fill("1")
    page.locator("#completed_on-month").fill("11")
    page.locator("#completed_on-year").fill("2026")
    page.locator("#victim_present").check()
    core = page.locator("[data-risk-core] input[type=radio][value=yes]")
    for i in range(14):
        core.nth(i).check()
    assert page.get_by_test_id("yes-count").inner_text() == "14"  # counted live in the page
    assert page.get_by_test_id("unanswered-count").inner_text() == "13"
    ui.submit("Save checklist")  # refused: 13 questions have no answer yet
    assert page.locator(".govuk-error-summary__list a").count() == 13
    assert page.get_by_test_id("yes-count").inner_text() == "14"  # kept
    no = page.locator("[data-risk-core] input[type=radio][value=no]")
    for i in range(14, 27):
        no.nth(i).check()
    assert page.get_by_test_id("unanswered-count").inner_text() == "0"
    ui.submit("Save checklist")
    assert page.get_by_test_id("risk-level").inner_text() == "High risk"

    ui.follow("Refer to MARAC")
    assert "visible high risk" in page.get_by_test_id("automatic-criteria").inner_text()
    page.locator("#referrer_phone").fill("01632 960001")
    page.get_by_label("Given", exact=True).check()
    page.get_by_label("Yes, the victim knows").check()
    page.locator("#risks").fill("Synthetic: threats and strangulation reported")
    ui.submit("Continue")
    ui.submit("Send referral")
    assert page.get_by_test_id("referral-status").inner_text() == "Waiting for triage"
    referral_url = page.url

    other = browser.new_context()
    from tests.browser.conftest import AccessiblePage

    coordinator_ui = AccessiblePage(other.new_page())
    coordinator_ui.base = ui.base  # type: ignore[attr-defined]
    sign_in_through_browser(coordinator_ui, coordinator, DEFAULT_PASSWORD)
    coordinator_ui.follow("Triage")
    coordinator_ui.follow(case.reference)
    cpage = coordinator_ui.page
    cpage.locator("#accept-new_meeting_on-day").fill("14")
    cpage.locator("#accept-new_meeting_on-month").fill("12")
    cpage.locator("#accept-new_meeting_on-year").fill("2026")
    coordinator_ui.submit("Accept onto the meeting")
    assert "accepted" in cpage.locator(".govuk-notification-banner").inner_text()
    coordinator_ui.assert_clean()
    other.close()

    ui.goto(referral_url)
    assert page.get_by_test_id("referral-status").inner_text() == "Accepted onto a meeting"
