"""Three agencies of different kinds research from their lists; the coordinator reads the pack."""

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

AREA = "Browser Pack MARAC"


def test_agencies_research_from_their_lists_and_the_coordinator_sees_the_pack(ui, make):
    from emarac.extensions import db

    police = make.agency(name="Pack Browser Police (test)", area=AREA)
    workers = {
        "police": make.user(agency=police),
        "health": make.user(
            agency=make.agency(name="Pack Browser Health (test)", kind="health", area=AREA)
        ),
        "housing": make.user(
            agency=make.agency(name="Pack Browser Housing (test)", kind="housing", area=AREA)
        ),
    }
    idle = make.agency(name="Pack Browser Education (test)", kind="education", area=AREA)
    make.user(agency=idle)
    coordinator = make.user(
        agency=make.agency(name="Pack Browser CSP (test)", kind="other", area=AREA),
        roles=("coordinator",),
    )
    meeting = meetings.create_meeting(by=coordinator, held_on=today() + timedelta(days=14))
    case = Cases(db, make).open(by=workers["police"], family_name="Marchbanks-Demo")
    Cases(db, make).perpetrator(case, by=workers["police"], family_name="Thistlewood-Demo")
    referral = referrals.refer_case(
        case,
        by=workers["police"],
        data=referrals.ReferralInput(
            criteria={Criterion.PROFESSIONAL_JUDGEMENT},
            consent=Consent.GIVEN,
            risks="Synthetic",
            safety_measures="",
            judgement_reason="Synthetic judgement",
        ),
    )
    referrals.accept(referral, by=coordinator, meeting=meeting)
    meetings.release_agenda(meeting, by=coordinator)
    reference = case.reference

    answers = {
        "police": ("Domestic abuse incidents on record", "Two call-outs this year (synthetic)"),
        "health": ("Attendances linked to injury or abuse", "One emergency visit (synthetic)"),
        "housing": ("Tenancy", "Sole tenancy, no arrears (synthetic)"),
    }
    for kind, (question, answer) in answers.items():
        ui.page.context.clear_cookies()
        sign_in_through_browser(ui, workers[kind], DEFAULT_PASSWORD)
        ui.follow("See all research due from your agency")
        ui.follow(f"Add research for {reference}")
        ui.page.get_by_label(question).fill(answer)
        ui.submit("Save research")
        row = ui.page.get_by_test_id("due-row").first
        assert "Research added" in row.inner_text()
        assert "Change research" in row.inner_text()

    ui.page.context.clear_cookies()
    sign_in_through_browser(ui, coordinator, DEFAULT_PASSWORD)
    ui.follow("Meetings")
    ui.follow(meeting.title)
    pack = ui.page.get_by_test_id("pack").first
    assert "Imogen Marchbanks-Demo" in pack.get_by_test_id("pack-victim").inner_text()
    assert "Thistlewood-Demo" in pack.get_by_test_id("pack-perpetrators").inner_text()
    responded = pack.get_by_test_id("pack-responded").inner_text()
    assert all(name in responded for name in ("Police", "Health", "Housing"))
    assert "Pack Browser Education (test)" in pack.get_by_test_id("pack-outstanding").inner_text()

    education = ui.page.get_by_test_id("agency-row").filter(
        has_text="Pack Browser Education (test)"
    )
    assert "Not chased" in education.inner_text()
    ui.submit("Chase Pack Browser Education (test)")
    assert "chased for research on 1 case" in ui.page.content()
    education = ui.page.get_by_test_id("agency-row").filter(
        has_text="Pack Browser Education (test)"
    )
    assert "Chased today" in education.inner_text()

    # The coordinator's own agency is invited too: its research page shows the others' answers.
    ui.follow(f"Add research for {reference}")
    others = ui.page.get_by_test_id("research-section")
    assert others.count() == 3
    housing = others.filter(has_text="Pack Browser Housing (test)").inner_text()
    assert "Tenancy" in housing
    assert "Sole tenancy, no arrears (synthetic)" in housing
