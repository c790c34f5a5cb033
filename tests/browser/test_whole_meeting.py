"""A whole MARAC through the browser: from the agenda to an action done.

The coordinator creates a meeting, accepts three referrals onto it and
releases the agenda; two agencies add research; the chair runs conference
mode through all three cases adding actions; the coordinator drafts the
minutes, the chair approves them and, after a confirmation, they go out; the owning
agency marks its action done and the tracker shows it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from emarac.clock import today
from emarac.referrals import services as referrals
from emarac.referrals.models import Consent
from emarac.risk.rules import Criterion
from tests.browser.conftest import AccessiblePage, sign_in_through_browser
from tests.conftest import DEFAULT_PASSWORD
from tests.factories import Cases

AREA = "Wholeshire MARAC"


def second_window(browser: Any, ui: AccessiblePage, user: Any) -> tuple[Any, AccessiblePage]:
    context = browser.new_context()
    other = AccessiblePage(context.new_page())
    other.base = ui.base  # type: ignore[attr-defined]
    sign_in_through_browser(other, user, DEFAULT_PASSWORD)
    return context, other


def fill_date(page: Any, prefix: str, day: str, month: str, year: str) -> None:
    page.locator(f"#{prefix}-day").fill(day)
    page.locator(f"#{prefix}-month").fill(month)
    page.locator(f"#{prefix}-year").fill(year)


@pytest.mark.slow
def test_a_whole_meeting(ui, make, browser):
    from emarac.extensions import db

    police = make.agency(name="Wholeshire Police (test)", area=AREA)
    housing = make.agency(name="Wholeshire Homes (test)", kind="housing", area=AREA)
    health = make.agency(name="Wholeshire Health (test)", kind="health", area=AREA)
    partnership = make.agency(name="Wholeshire CSP (test)", kind="other", area=AREA)
    officer = make.user(agency=police)
    chair = make.user(agency=police, roles=("chair",))
    housing_officer = make.user(agency=housing)
    nurse = make.user(agency=health)
    coordinator = make.user(agency=partnership, roles=("coordinator",))
    references = []
    for family in ("Amberley-Demo", "Brightwell-Demo", "Cresswick-Demo"):
        case = Cases(db, make).open(by=officer, family_name=family)
        referrals.refer_case(
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
        references.append(case.reference)

    # The coordinator creates the meeting, accepts the three referrals onto it
    # and releases the agenda.
    # Dated today: people may join a meeting only on its day.
    held_on = today()
    title = f"{AREA}, {held_on:%-d %B %Y}"
    page = ui.page
    sign_in_through_browser(ui, coordinator, DEFAULT_PASSWORD)
    ui.follow("Meetings")
    ui.follow("Create a meeting")
    fill_date(page, "held_on", str(held_on.day), str(held_on.month), str(held_on.year))
    page.get_by_label("Start time").fill("10:00")
    page.get_by_label("Place").fill("Committee Room 2 (synthetic)")
    page.get_by_label("Chair").select_option(label=f"{chair.full_name}, {police.name}")
    ui.submit("Create meeting")
    meeting_url = page.url
    assert chair.full_name in page.get_by_test_id("meeting-details").inner_text()
    # ...then changes the room and leaves the partnership's own agency off the invitations.
    ui.follow("Change the date, time, place, chair, coordinator or invited agencies")
    page.get_by_label("Place").fill("Committee Room 3 (synthetic)")
    page.get_by_label(partnership.name, exact=True).uncheck()
    ui.submit("Save changes")
    assert page.url == meeting_url
    assert "Committee Room 3" in page.get_by_test_id("meeting-details").inner_text()
    invited = page.get_by_role("heading", name="Invited agencies")
    invited_names = invited.locator("xpath=following-sibling::ul[1]").inner_text()
    assert housing.name in invited_names
    assert partnership.name not in invited_names
    for reference in references:
        ui.follow("Triage")
        ui.follow(reference)
        page.get_by_label("Meeting").select_option(label=title)
        ui.submit("Accept onto the meeting")
    ui.goto(meeting_url)
    ui.submit("Build the agenda")
    agenda = page.get_by_test_id("agenda").inner_text()
    assert all(reference in agenda for reference in references)
    ui.submit("Release the agenda")
    ui.submit("Yes, release the agenda")

    # Housing and health research the cases; both join the meeting.
    housing_context, housing_ui = second_window(browser, ui, housing_officer)
    housing_ui.goto(meeting_url)
    housing_ui.follow(f"Add research for {references[0]}")
    housing_ui.page.get_by_label("About the victim").fill(
        "Synthetic: tenancy at risk, two noise reports"
    )
    housing_ui.submit("Save research")
    health_context, health_ui = second_window(browser, ui, nurse)
    for reference in references:
        health_ui.goto(meeting_url)
        health_ui.follow(f"Add research for {reference}")
        health_ui.page.get_by_label("Our agency holds no information on this case").check()
        health_ui.submit("Save research")
    # The police find the second case on their agency's research-due list.
    police_context, police_ui = second_window(browser, ui, officer)
    police_ui.goto(ui.base + "/")  # type: ignore[attr-defined]
    police_ui.follow("See all research due from your agency")
    police_ui.follow(f"Add research for {references[1]}")
    police_ui.page.get_by_label("Domestic abuse incidents on record").fill(
        "Synthetic: two call-outs this year"
    )
    police_ui.submit("Save research")
    for attendee in (housing_ui, health_ui):
        attendee.goto(meeting_url)
        attendee.follow("Join the meeting")
        attendee.submit("I agree – join the meeting")
    ui.goto(meeting_url)
    responses = page.get_by_test_id("responses").all_inner_texts()
    assert responses[0].startswith("2 of")  # housing and health on the first case
    assert responses[1].startswith("2 of")  # health and the police on the second

    # The chair runs conference mode through the three cases.
    chair_context, chair_ui = second_window(browser, ui, chair)
    chair_ui.goto(meeting_url)
    chair_ui.follow("Join the meeting")
    chair_ui.submit("I agree – join the meeting")
    cpage = chair_ui.page
    assert "Case 1 of 3" in cpage.content()
    assert "tenancy at risk" in cpage.get_by_test_id("conference-research").inner_text()
    with cpage.expect_navigation():
        cpage.keyboard.press("ArrowRight")  # the keyboard moves between cases
    assert "Case 2 of 3" in cpage.content()
    with cpage.expect_navigation():
        cpage.keyboard.press("ArrowLeft")
    assert "Case 1 of 3" in cpage.content()
    # The chair types a summary, moves away with the arrow keys and comes back: it is kept.
    summary = cpage.get_by_label("Summary of the discussion")
    summary.fill("Synthetic discussion 1")
    cpage.get_by_role("heading", level=1).click()  # out of the text box
    with cpage.expect_navigation():
        cpage.keyboard.press("ArrowRight")
    assert "Case 2 of 3" in cpage.content()
    with cpage.expect_navigation():
        cpage.keyboard.press("ArrowLeft")
    assert cpage.get_by_label("Summary of the discussion").input_value() == (
        "Synthetic discussion 1"
    )
    due = held_on + timedelta(days=38)
    for number, reference in enumerate(references, start=1):
        assert f"Case {number} of 3" in cpage.content()
        assert cpage.get_by_role("heading", level=1).inner_text().startswith(reference)
        cpage.get_by_label("Action", exact=True).fill(
            f"Synthetic action {number}: review the tenancy"
        )
        owner = housing if number != 3 else health
        cpage.get_by_label("Owning agency").select_option(label=owner.name)
        fill_date(cpage, "due_on", str(due.day), str(due.month), str(due.year))
        chair_ui.submit("Add action")
        assert f"Synthetic action {number}" in cpage.get_by_test_id("case-actions").inner_text()
        if number == 1:
            # Adding an action kept the summary typed before it; a second action follows.
            assert cpage.get_by_label("Summary of the discussion").input_value() == (
                "Synthetic discussion 1"
            )
            cpage.get_by_label("Action", exact=True).fill("Synthetic action 1b: a lock change")
            cpage.get_by_label("Owning agency").select_option(label=housing.name)
            fill_date(cpage, "due_on", str(due.day), str(due.month), str(due.year))
            chair_ui.submit("Add action")
            assert "action 1b" in cpage.get_by_test_id("case-actions").inner_text()
        if number == 3:
            # The last case waits for the police research: deferred, with the reason.
            cpage.get_by_label("Deferred to the next meeting").check()
            cpage.get_by_label("Why is the case deferred?").fill(
                "Synthetic: the police research is not in yet"
            )
        else:
            cpage.get_by_label("Summary of the discussion").fill(f"Synthetic discussion {number}")
            cpage.get_by_label("High").check()
        chair_ui.submit("Save the last case" if number == 3 else "Save and go to the next case")
    assert cpage.url == meeting_url
    heard = cpage.get_by_test_id("heard").all_inner_texts()
    assert [h.split(",")[0] for h in heard] == ["Yes", "Yes", "Deferred"]

    # The coordinator drafts the minutes and tidies the first case's discussion.
    ui.goto(meeting_url)
    ui.submit("Draft the minutes")
    assert page.get_by_test_id("meeting-status").inner_text() == "Minutes drafted"
    ui.follow(f"Draft minutes of {references[0]}")
    ui.follow("Edit the draft")
    page.get_by_label("Discussion").fill("Synthetic discussion 1, as minuted")
    ui.submit("Save the draft")
    assert page.get_by_test_id("minutes-discussion").inner_text() == (
        "Synthetic discussion 1, as minuted"
    )
    # The chair approves the draft; nothing has gone to anyone yet.
    chair_ui.goto(meeting_url)
    chair_ui.submit("Approve the minutes")
    assert cpage.get_by_test_id("meeting-status").inner_text() == "Minutes approved"
    # The coordinator sends them after a confirmation in numbers and agency names.
    ui.goto(meeting_url)
    ui.follow("Send the minutes")
    assert page.get_by_test_id("send-summary").inner_text() == (
        "You are about to send the minutes of 3 cases to 3 people in 3 agencies."
    )
    ui.submit("Yes, send the minutes")
    assert page.get_by_test_id("meeting-status").inner_text() == "Minuted"

    # Housing receives the minutes, and prints them with its name on.
    housing_ui.follow("Notifications")
    housing_ui.follow(f"Minutes of {references[0]} from the MARAC of {held_on:%-d %B %Y}")
    housing_ui.follow(references[0])
    hpage = housing_ui.page
    assert hpage.get_by_test_id("minutes-discussion").inner_text() == (
        "Synthetic discussion 1, as minuted"
    )
    housing_ui.follow("Print-friendly version")
    assert housing_officer.full_name in hpage.get_by_test_id("printed-by").inner_text()

    # The owning agency marks its action done; the tracker shows it.
    housing_ui.follow("Actions")
    tracker = hpage.get_by_test_id("tracker")
    assert tracker.inner_text().count("Open") == 3
    housing_ui.follow(references[0])
    hpage.get_by_label("Done", exact=True).check()
    hpage.get_by_label("Completion note, or why it cannot be done").fill("Synthetic: locks changed")
    housing_ui.submit("Save")
    tracker_text = hpage.get_by_test_id("tracker").inner_text()
    assert tracker_text.count("Open") == 2
    assert tracker_text.count("Done") == 1

    for context, window in (
        (housing_context, housing_ui),
        (health_context, health_ui),
        (chair_context, chair_ui),
        (police_context, police_ui),
    ):
        window.assert_clean()
        context.close()
