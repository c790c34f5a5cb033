"""A heard, minuted and closed case with a perpetrator it shares with a live case."""

from __future__ import annotations

from datetime import date

import pytest

from emarac.actions import services as actions
from emarac.actions.models import ActionStatus
from emarac.cases import closure
from emarac.cases import services as case_services
from emarac.cases.models import Relationship
from emarac.meetings import conference
from emarac.meetings import services as meetings
from emarac.people.models import Gender
from emarac.people.services import PersonDetails, create_person
from emarac.referrals import services as referrals
from tests.factories import Cases, send_minutes
from tests.meetings.test_agenda import refer, setup_area

MARK = "Eraseme"


@pytest.fixture
def closed_world(db, make, clock):
    """Case A (to erase: every value of it carries "Eraseme") and case B (live), heard on
    2 November 2026; A's perpetrator is also B's, and A is closed."""
    return build_closed_world(db, make)


def build_closed_world(db, make):
    """The world of ``closed_world``; browser tests call it with their own ``make``."""
    owner, housing, coordinator, outsider = setup_area(make)
    builder = Cases(db, make)
    a = builder.open(
        by=owner,
        family_name=f"{MARK}-Holloway",
        given_name=f"{MARK}ina",
        phone="07700 900111",
        postcode="ZZ1 1ZZ",
        aliases=[f"{MARK} Alias"],
    )
    b = builder.open(by=owner, family_name="Keepwell", given_name="Bea")
    shared = create_person(
        PersonDetails(given_name="Rufus", family_name="Sharedbury", gender=Gender.MALE),
        by=owner,
        role="perpetrator",
    )
    for case in (a, b):
        case_services.add_perpetrator(
            case, by=owner, person=shared, relationship=Relationship.EX_PARTNER
        )
    only_a = builder.perpetrator(a, by=owner, family_name=f"{MARK}-Perp").person
    child = create_person(
        PersonDetails(given_name=f"{MARK}-Kid", family_name=f"{MARK}-Holloway"),
        by=owner,
        role="child",
    )
    case_services.add_child(
        a, by=owner, person=child, school=f"{MARK} Primary", lives_in_household=True
    )
    builder.incident(a, by=owner, narrative=f"{MARK} narrative")
    builder.incident(b, by=owner, narrative="Keep narrative")
    meeting = meetings.create_meeting(by=coordinator, held_on=date(2026, 11, 2))
    for case in (a, b):
        _, referral = refer(db, make, owner, case=case)
        referrals.accept(referral, by=coordinator, meeting=meeting)
    meetings.release_agenda(meeting, by=coordinator)
    for user in (owner, housing, coordinator):
        meetings.accept_confidentiality(meeting, by=user)
    meetings.save_research(
        meeting,
        a.id,
        by=housing,
        no_information=False,
        about_victim=f"{MARK} research",
        about_perpetrator=f"{MARK} research",
        about_children=None,
    )
    for item in meeting.items:
        mark = MARK if item.case_id == a.id else "Keep"
        conference.record_discussion(
            meeting, item, by=coordinator, discussion=f"{mark} discussion", agreed_risk="high"
        )
    action = actions.add_action(
        a,
        by=coordinator,
        meeting=meeting,
        owner_agency_id=housing.agency_id,
        description=f"{MARK} lock change",
        due_on=date(2026, 11, 20),
    )
    actions.update_action(action, by=housing, status=ActionStatus.DONE, note=f"{MARK} done")
    send_minutes(meeting, coordinator=coordinator)
    closure.close_case(a, by=coordinator)
    return {
        "a": a,
        "b": b,
        "shared": shared,
        "only_a": only_a,
        "child": child,
        "owner": owner,
        "housing": housing,
        "coordinator": coordinator,
        "outsider": outsider,
        "meeting": meeting,
    }
