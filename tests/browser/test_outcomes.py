"""The chair defers one case to the next meeting and hears the other; the next agenda takes it."""

from __future__ import annotations

from datetime import timedelta

from emarac.clock import today
from emarac.meetings import services as meetings
from emarac.referrals import services as referrals
from emarac.referrals.models import Consent
from emarac.risk.rules import Criterion
from tests.browser.conftest import sign_in_through_browser
from tests.conftest import DEFAULT_PASSWORD
from tests.factories import Cases

REASON = "Synthetic: waiting for the police research"


def test_the_chair_defers_a_case_to_the_next_meeting(ui, make):
    from emarac.extensions import db

    owner = make.user(agency=make.agency(name="Outcome Police (test)", area="Testshire MARAC"))
    coordinator = make.user(
        agency=make.agency(name="Outcome CSP (test)", kind="other", area="Testshire MARAC"),
        roles=("coordinator",),
    )
    # Held today: people join a meeting on its day.
    meeting = meetings.create_meeting(by=coordinator, held_on=today())
    references = []
    for family in ("Quenby-Demo", "Rathbone-Demo"):
        case = Cases(db, make).open(by=owner, family_name=family)
        referral = referrals.refer_case(
            case,
            by=owner,
            data=referrals.ReferralInput(
                criteria={Criterion.PROFESSIONAL_JUDGEMENT},
                consent=Consent.GIVEN,
                risks="Synthetic",
                safety_measures="",
                judgement_reason="j",
            ),
        )
        referrals.accept(referral, by=coordinator, meeting=meeting)
        references.append(case.reference)
    meetings.release_agenda(meeting, by=coordinator)
    following = meetings.create_meeting(by=coordinator, held_on=today() + timedelta(days=28))

    page = ui.page
    sign_in_through_browser(ui, coordinator, DEFAULT_PASSWORD)
    ui.follow("Meetings")
    ui.follow(meeting.title)
    meeting_url = page.url
    ui.follow("Join the meeting")
    ui.submit("I agree – join the meeting")
    first = page.get_by_role("heading", level=1).inner_text().split()[0]

    # Deferred without a reason: refused, with what was typed kept.
    page.get_by_label("Summary of the discussion").fill("Synthetic notes so far")
    page.get_by_label("Deferred to the next meeting").check()
    ui.submit("Save and go to the next case")
    assert "Enter why the case is deferred" in page.locator(".govuk-error-summary").inner_text()
    assert page.get_by_label("Deferred to the next meeting").is_checked()
    assert page.get_by_label("Summary of the discussion").input_value() == (
        "Synthetic notes so far"
    )
    page.get_by_label("Why is the case deferred?").fill(REASON)
    ui.submit("Save and go to the next case")
    assert "Case 2 of 2" in page.content()

    page.get_by_label("Summary of the discussion").fill("Synthetic discussion")
    page.get_by_label("High").check()
    ui.submit("Save the last case")
    assert page.url == meeting_url
    heard = dict(
        zip(
            [c.locator("a").first.inner_text() for c in page.get_by_test_id("agenda-case").all()],
            page.get_by_test_id("heard").all_inner_texts(),
            strict=True,
        )
    )
    assert heard[first] == "Deferred"
    assert [v for k, v in heard.items() if k != first] == ["Yes, high risk"]

    # The next meeting's agenda takes the deferred case, and says why.
    ui.goto(ui.base + f"/meetings/{following.id}")  # type: ignore[attr-defined]
    ui.submit("Build the agenda")
    assert page.get_by_test_id("deferred-from").inner_text() == (
        f"Deferred from {today():%-d %B %Y}: {REASON}"
    )
    assert first in page.get_by_test_id("agenda").inner_text()
