"""A repeat on a closed case reaches the coordinator's triage queue and is confirmed."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

from tests.browser.conftest import sign_in_through_browser
from tests.conftest import DEFAULT_PASSWORD
from tests.factories import Cases

SHOTS = os.environ.get("EMARAC_SHOTS")  # a folder for screenshots of the pages, if wanted


def shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / name), full_page=True)


def test_the_coordinator_confirms_a_repeat_on_a_closed_case(ui, make, live_app, clock):
    from emarac.cases.models import CaseStatus
    from emarac.extensions import db
    from emarac.referrals import services as referrals
    from emarac.referrals.models import Consent
    from emarac.risk.rules import Criterion

    practitioner = make.user(
        agency=make.agency(name="Hillside Police (test)", area="Testshire MARAC")
    )
    coordinator = make.user(
        agency=make.agency(name="Testshire CSP (test)", kind="other", area="Testshire MARAC"),
        roles=("coordinator",),
    )
    cases = Cases(db, make)
    case = cases.open(by=practitioner)
    referral = referrals.refer_case(
        case,
        by=practitioner,
        data=referrals.ReferralInput(
            criteria={Criterion.PROFESSIONAL_JUDGEMENT},
            consent=Consent.GIVEN,
            risks="Synthetic",
            safety_measures="",
            judgement_reason="Synthetic",
        ),
    )
    referrals.accept(referral, by=coordinator, new_meeting_on=date(2026, 11, 16))
    case.status = CaseStatus.CLOSED  # heard and closed; how does not matter here
    db.session.commit()
    clock.advance(days=30)
    cases.incident(case, by=practitioner, days_ago=-30)  # 1 December: a repeat

    page = ui.page
    page.set_viewport_size({"width": 1100, "height": 900})
    sign_in_through_browser(ui, coordinator, DEFAULT_PASSWORD)
    ui.follow("Triage")
    waiting = page.get_by_test_id("repeats-to-confirm")
    assert case.reference in waiting.inner_text()
    shot(page, "triage-queue.png")

    ui.follow(case.reference)
    assert page.get_by_test_id("repeat-status").inner_text() == "Repeat to confirm"
    shot(page, "repeat-to-confirm.png")
    page.locator("#confirm-new_meeting_on-day").fill("14")
    page.locator("#confirm-new_meeting_on-month").fill("12")
    page.locator("#confirm-new_meeting_on-year").fill("2026")
    ui.submit("Confirm onto the meeting")
    assert "confirmed" in page.locator(".govuk-notification-banner").inner_text()
    assert "No repeats are waiting" in page.get_by_test_id("repeats-to-confirm").inner_text()
    shot(page, "after-confirm.png")
