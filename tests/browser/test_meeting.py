"""The coordinator releases an agenda, joins the meeting and walks the cases."""

from __future__ import annotations

from emarac.clock import today
from emarac.meetings import services as meetings
from emarac.referrals import services as referrals
from emarac.referrals.models import Consent
from emarac.risk.rules import Criterion
from tests.browser.conftest import sign_in_through_browser
from tests.conftest import DEFAULT_PASSWORD
from tests.factories import Cases


def test_release_join_and_walk_the_agenda(ui, make):
    from emarac.extensions import db

    owner = make.user(agency=make.agency(name="Meeting Police (test)", area="Testshire MARAC"))
    coordinator = make.user(
        agency=make.agency(name="Meeting CSP (test)", kind="other", area="Testshire MARAC"),
        roles=("coordinator",),
    )
    # Dated today: people may join a meeting only on its day.
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

    sign_in_through_browser(ui, coordinator, DEFAULT_PASSWORD)
    ui.follow("Meetings")
    ui.follow(meeting.title)
    ui.submit("Build the agenda")
    agenda = ui.page.get_by_test_id("agenda").inner_text()
    assert all(ref in agenda for ref in references)
    ui.submit("Release the agenda")
    ui.submit("Yes, release the agenda")
    ui.follow("Join the meeting")
    assert "confidential" in ui.page.get_by_test_id("statement").inner_text()
    ui.submit("I agree – join the meeting")
    assert "Case 1 of 2" in ui.page.content()

    # Words typed and not saved survive moving to the next case by the arrow key.
    words = "Synthetic words typed in the meeting"
    ui.page.get_by_label("Summary of the discussion").fill(words)
    ui.page.locator("h1").click()  # out of the text box, so the arrow keys move
    ui.page.keyboard.press("ArrowRight")
    ui.page.get_by_text("Case 2 of 2").wait_for()
    ui.check()
    ui.follow("Previous case")
    assert ui.page.get_by_label("Summary of the discussion").input_value() == words
    assert "Draft kept at" in ui.page.get_by_test_id("draft-status").inner_text()
    ui.follow("Next case")
    assert "Case 2 of 2" in ui.page.content()
