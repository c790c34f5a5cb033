"""The home page: what is waiting for each role, in words and links."""

from __future__ import annotations

import uuid
from datetime import date

from bs4 import BeautifulSoup

from emarac.actions.models import Action
from emarac.meetings import services as meetings
from emarac.referrals import services as referrals
from tests.conftest import sign_in
from tests.meetings.test_agenda import refer, setup_area


def _section(client, testid: str) -> str:
    page = BeautifulSoup(client.get("/").data, "html.parser")
    found = page.select_one(f'[data-testid="{testid}"]')
    if found is None:
        return ""
    text = " ".join(found.get_text(" ").split())
    for mark in (":", ",", ".", ")"):
        text = text.replace(f" {mark}", mark)
    return text


def _testids(client) -> set[str]:
    page = BeautifulSoup(client.get("/").data, "html.parser")
    return {tag["data-testid"] for tag in page.select('section[data-testid^="home-"]')}


def test_a_practitioner_sees_their_cases_referrals_research_and_actions(
    client, app, db, make, clock
):
    owner, housing_worker, coordinator, _ = setup_area(make)
    case, referral = refer(db, make, owner)
    meeting = meetings.create_meeting(by=coordinator, held_on=date(2026, 12, 14))
    referrals.accept(referral, by=coordinator, meeting=meeting)
    meetings.release_agenda(meeting, by=coordinator)
    for due, text in ((date(2026, 10, 1), "late"), (date(2026, 11, 9), "soon")):
        db.session.add(
            Action(
                id=uuid.uuid4(),
                created_by_id=owner.id,
                case_id=case.id,
                meeting_id=meeting.id,
                owner_agency_id=owner.agency_id,
                description=f"Synthetic action {text}",
                due_on=due,
            )
        )
    db.session.commit()

    sign_in(client, owner)
    assert _testids(client) == {"home-cases", "home-research", "home-actions", "home-referrals"}
    assert _section(client, "home-cases").startswith("Your agency's cases 1 open case")
    assert "Meeting on 14 December 2026: 1 of 1 case still to research" in _section(
        client, "home-research"
    )
    actions = _section(client, "home-actions")
    assert "1 overdue action" in actions
    assert "1 action due in the next 14 days" in actions
    referred = _section(client, "home-referrals")
    assert case.reference in referred
    assert "Accepted onto a meeting (meeting on 14 December 2026)" in referred

    other = app.test_client()
    sign_in(other, housing_worker)  # invited, nothing referred, no actions of its own
    assert "No open cases" in _section(other, "home-cases")
    assert "1 of 1 case still to research" in _section(other, "home-research")
    assert "You have not referred a case yet." in _section(other, "home-referrals")
    assert "No overdue actions" in _section(other, "home-actions")


def test_a_coordinator_sees_triage_and_the_next_meetings_readiness(client, db, make, clock):
    owner, _, coordinator, _ = setup_area(make)
    case, referral = refer(db, make, owner)
    refer(db, make, owner)  # a second referral, still waiting
    meeting = meetings.create_meeting(by=coordinator, held_on=date(2026, 12, 14))
    referrals.accept(referral, by=coordinator, meeting=meeting)

    sign_in(client, coordinator)
    assert _testids(client) == {"home-triage", "home-next-meeting", "home-area-actions"}
    assert "1 new referral" in _section(client, "home-triage")
    assert "No repeats to confirm" in _section(client, "home-triage")
    readiness = _section(client, "home-next-meeting")
    assert "14 December 2026" in readiness
    assert "Planned" in readiness
    assert "0 (1 more accepted, not on the agenda yet)" in readiness

    meetings.release_agenda(meeting, by=coordinator)
    readiness = _section(client, "home-next-meeting")
    assert "Cases on the agenda 1" in readiness
    assert "Research received 0 of " in readiness
    assert "Research outstanding from" in readiness
    assert "Agenda Police (test)" in readiness


def test_a_chair_sees_the_next_meeting_and_a_manager_the_headlines(client, app, db, make, clock):
    _, _, coordinator, _ = setup_area(make)
    meetings.create_meeting(by=coordinator, held_on=date(2026, 12, 14))
    chair = make.user(agency=coordinator.agency, roles=("chair",))
    sign_in(client, chair)
    assert _testids(client) == {"home-next-meeting"}
    assert "14 December 2026" in _section(client, "home-next-meeting")

    manager = make.user(agency=coordinator.agency, roles=("manager",))
    other = app.test_client()
    sign_in(other, manager)
    assert _testids(other) == {"home-headlines"}
    headlines = _section(other, "home-headlines")
    assert headlines.startswith("Indicators, 2026-27 Q2 (July to September 2026)")
    assert "All the indicators" in headlines


def test_the_chair_sees_draft_minutes_to_approve_and_the_coordinator_minutes_to_send(
    app, db, make, clock
):
    from emarac.meetings import minutes
    from tests.meetings.test_conference import hear_all

    owner, _, coordinator, _ = setup_area(make)
    chair = make.user(agency=coordinator.agency, roles=("chair",))
    meeting = meetings.create_meeting(by=coordinator, held_on=date(2026, 11, 2))
    case, referral = refer(db, make, owner)
    referrals.accept(referral, by=coordinator, meeting=meeting)
    meetings.release_agenda(meeting, by=coordinator)
    hear_all(meeting, coordinator)
    minutes.draft(meeting, by=coordinator)
    as_chair, as_coordinator = app.test_client(), app.test_client()
    sign_in(as_chair, chair)
    sign_in(as_coordinator, coordinator)
    assert _section(as_chair, "home-minutes") == (
        "Minutes Draft minutes to approve: MARAC of 2 November 2026"
    )
    assert _section(as_coordinator, "home-minutes") == (
        "Minutes Draft minutes waiting for the chair's approval: MARAC of 2 November 2026"
    )
    minutes.approve(meeting, by=chair)
    assert _section(as_coordinator, "home-minutes") == (
        "Minutes Approved minutes to send: MARAC of 2 November 2026"
    )
    minutes.send(meeting, by=coordinator)
    assert _section(as_coordinator, "home-minutes") == ""
    assert _section(as_chair, "home-minutes") == ""
