"""The register: the coordinator records apologies, two people join, each agency's line shows it."""

from __future__ import annotations

from typing import Any

from emarac.clock import today
from emarac.meetings import services as meetings
from emarac.referrals import services as referrals
from emarac.referrals.models import Consent
from emarac.risk.rules import Criterion
from tests.browser.conftest import sign_in_through_browser
from tests.browser.test_whole_meeting import second_window
from tests.conftest import DEFAULT_PASSWORD
from tests.factories import Cases

AREA = "Registershire MARAC"


def _lines(ui: Any) -> dict[str, tuple[str, str, str]]:
    """Each agency's line of the register: (status, present, apologies)."""
    found = {}
    for row in ui.page.get_by_test_id("register-line").all():
        agency = row.get_by_test_id("agency").inner_text().strip()
        found[agency] = (
            row.get_attribute("data-status"),
            " ".join(row.get_by_test_id("present").inner_text().split()),
            " ".join(row.get_by_test_id("apologies").inner_text().split()),
        )
    return found


def test_apologies_and_two_people_joining_on_the_day(ui, make, browser):
    from emarac.extensions import db

    police = make.agency(name="Registershire Police (test)", area=AREA)
    housing = make.agency(name="Registershire Homes (test)", kind="housing", area=AREA)
    health = make.agency(name="Registershire Health (test)", kind="health", area=AREA)
    partnership = make.agency(name="Registershire CSP (test)", kind="other", area=AREA)
    officer = make.user(agency=police)
    nurse = make.user(agency=health)
    coordinator = make.user(agency=partnership, roles=("coordinator",))
    case = Cases(db, make).open(by=officer, family_name="Pemberley-Demo")
    referral = referrals.refer_case(
        case,
        by=officer,
        data=referrals.ReferralInput(
            criteria={Criterion.PROFESSIONAL_JUDGEMENT},
            consent=Consent.GIVEN,
            risks="Synthetic risks",
            safety_measures="",
            judgement_reason="Synthetic judgement",
        ),
    )
    meeting = meetings.create_meeting(by=coordinator, held_on=today())
    referrals.accept(referral, by=coordinator, meeting=meeting)
    meetings.release_agenda(meeting, by=coordinator)
    meeting_url = f"{ui.base}/meetings/{meeting.id}"

    # The coordinator records apologies from housing; a missing name is explained
    # and what was typed stays.
    page = ui.page
    sign_in_through_browser(ui, coordinator, DEFAULT_PASSWORD)
    ui.goto(meeting_url)
    ui.follow("Register: who is attending and apologies, by agency")
    page.get_by_label("Agency", exact=True).select_option(label=housing.name)
    page.get_by_label("Note (optional)").fill("Synthetic: update sent by email")
    ui.submit("Record apologies")
    assert (
        "Enter the name of the person sending apologies"
        in page.locator(".govuk-error-summary").inner_text()
    )
    assert page.get_by_label("Agency", exact=True).input_value() == str(housing.id)
    assert page.get_by_label("Note (optional)").input_value() == "Synthetic: update sent by email"
    page.get_by_label("Name of the person sending apologies").fill("Orla Testwright")
    ui.submit("Record apologies")

    # Two people join on the day: the officer and the nurse.
    contexts = []
    for user in (officer, nurse):
        context, other = second_window(browser, ui, user)
        contexts.append(context)
        other.goto(meeting_url)
        other.follow("Join the meeting")
        other.submit("I agree – join the meeting")
        assert "Case 1 of 1" in other.page.content()
        other.goto(meeting_url + "/attend")
        assert other.page.get_by_test_id("already-joined").inner_text().startswith("You joined at")
        assert other.page.get_by_role("button", name="I agree – join the meeting").count() == 0
        other.assert_clean()

    ui.goto(meeting_url + "/register")
    lines = _lines(ui)
    assert lines[police.name][0] == "present"
    assert lines[police.name][1].startswith(officer.full_name)
    assert lines[health.name][0] == "present"
    assert lines[health.name][1].startswith(nurse.full_name)
    assert lines[housing.name][0] == "apologies"
    assert lines[housing.name][2].startswith("Orla Testwright: Synthetic: update sent by email")
    assert lines[partnership.name][0] == "no response"
    for context in contexts:
        context.close()
