"""A health practitioner who only gets a hint reports a further incident; it comes back to MARAC."""

from __future__ import annotations

from datetime import date

from tests.browser.conftest import sign_in_through_browser
from tests.browser.test_repeat import shot
from tests.conftest import DEFAULT_PASSWORD
from tests.factories import Cases

ACCOUNT = "Synthetic: at her appointment she said he had followed her to work twice"


def test_a_hint_becomes_a_repeat_confirmed_onto_the_next_meeting(
    ui, make, live_app, clock, browser
):
    from emarac.extensions import db
    from emarac.referrals import services as referrals
    from emarac.referrals.models import Consent
    from emarac.risk.rules import Criterion

    area = "Testshire MARAC"
    owner = make.user(agency=make.agency(name="Hillside Police (test)", area=area))
    coordinator = make.user(
        agency=make.agency(name="Testshire CSP (test)", kind="other", area=area),
        roles=("coordinator",),
    )
    nurse = make.user(agency=make.agency(name="Hillside Surgery (test)", kind="health", area=area))
    case = Cases(db, make).open(by=owner, family_name="Quillfeather-Demo")
    referral = referrals.refer_case(
        case,
        by=owner,
        data=referrals.ReferralInput(
            criteria={Criterion.PROFESSIONAL_JUDGEMENT},
            consent=Consent.GIVEN,
            risks="Synthetic",
            safety_measures="",
            judgement_reason="Synthetic",
        ),
    )
    referrals.accept(referral, by=coordinator, new_meeting_on=date(2026, 11, 16))
    clock.advance(days=20)  # 22 November: the meeting has passed

    page = ui.page
    page.set_viewport_size({"width": 1100, "height": 900})
    sign_in_through_browser(ui, nurse, DEFAULT_PASSWORD)
    ui.goto(f"{ui.base}/people/search")
    page.get_by_label("Name").fill("Quillfeather-Demo")
    ui.submit("Search")
    hint = page.get_by_test_id("hint")
    assert case.reference in hint.inner_text()
    with page.expect_navigation():
        hint.get_by_test_id("report-incident").click()
    ui.check()
    shot(page, "report-from-hint.png")
    page.get_by_label("Day").fill("20")
    page.get_by_label("Month").fill("11")
    page.get_by_label("Year").fill("2026")
    page.get_by_label("Stalking and harassment").check()
    page.get_by_label("A short account").fill(ACCOUNT)
    ui.submit("Send to the coordinator")
    banner = page.locator(".govuk-notification-banner").inner_text()
    assert "passed to the MARAC coordinator" in banner
    assert "repeat" not in banner.lower()
    shot(page, "report-from-hint-sent.png")
    ui.page.get_by_role("button", name="Sign out").click()

    sign_in_through_browser(ui, coordinator, DEFAULT_PASSWORD)
    ui.follow("Triage")
    assert case.reference in page.get_by_test_id("repeats-to-confirm").inner_text()
    shot(page, "report-from-hint-triage.png")
    ui.follow(case.reference)
    assert "Hillside Surgery (test)" in page.get_by_test_id("repeat-summary").inner_text()
    page.locator("#confirm-new_meeting_on-day").fill("14")
    page.locator("#confirm-new_meeting_on-month").fill("12")
    page.locator("#confirm-new_meeting_on-year").fill("2026")
    ui.submit("Confirm onto the meeting")
    assert "confirmed" in page.locator(".govuk-notification-banner").inner_text()

    ui.goto(f"{ui.base}/cases/{case.id}")
    assert "Repeat" in page.locator(".govuk-tag").all_inner_texts()
    assert "Incident recorded by Hillside Surgery (test)" in page.locator("main").inner_text()
    shot(page, "report-from-hint-case.png")
