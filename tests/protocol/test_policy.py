"""The access policy's predicates, asked directly: who may, and who may not.

Each test follows a predicate's docstring in emarac/protocol/policy.py and checks
both sides of the rule, so that ``make mutate-policy`` (which swaps a predicate
for "always allow" and then "always deny") fails here. Predicates are called as
``policy.name(...)`` so that the swapped-in version is the one asked.
"""

from __future__ import annotations

from functools import cached_property

import pytest

from emarac.agencies.models import Role
from emarac.protocol import policy
from tests.factories import Cases, send_minutes
from tests.meetings.test_agenda import refer, setup_area
from tests.meetings.test_conference import hear_all


class Area:
    """One MARAC area (police, housing, a partnership) and an agency elsewhere.

    People are made on first use: each account costs a password hash.
    """

    def __init__(self, make):
        self.make = make
        self.police = make.agency(name="Policy Police (test)", kind="police")
        self.housing = make.agency(name="Policy Housing (test)", kind="housing")
        self.csp = make.agency(name="Policy CSP (test)", kind="other")
        self.far = make.agency(name="Policy Far Health (test)", kind="health", area="Elsewhere")

    def user(self, agency, *roles):
        return self.make.user(agency=agency, roles=roles or ("practitioner",))

    @cached_property
    def officer(self):
        return self.user(self.police)

    @cached_property
    def housing_worker(self):
        return self.user(self.housing)

    @cached_property
    def coordinator(self):
        return self.user(self.csp, "coordinator")

    @cached_property
    def outsider(self):
        return self.user(self.far)


@pytest.fixture
def area(make):
    return Area(make)


def test_roles_are_granted_by_scope(area):
    system_admin = area.user(area.csp, "system_admin")
    agency_admin = area.user(area.police, "agency_admin")
    police, csp = area.police, area.csp
    assert policy.may_grant_role(system_admin, Role.SYSTEM_ADMIN, agency=csp)
    assert policy.may_grant_role(system_admin, Role.COORDINATOR, agency=police)
    assert policy.may_grant_role(agency_admin, Role.PRACTITIONER, agency=police)
    # An agency administrator: agency roles, in their own agency only.
    assert not policy.may_grant_role(agency_admin, Role.PRACTITIONER, agency=csp)
    for area_role in (Role.COORDINATOR, Role.CHAIR, Role.MANAGER, Role.DPO, Role.SYSTEM_ADMIN):
        assert not policy.may_grant_role(agency_admin, area_role, agency=police)
    assert not policy.may_grant_role(area.officer, Role.PRACTITIONER, agency=police)
    assert not policy.may_grant_role(None, Role.PRACTITIONER, agency=police)
    # Nobody changes their own roles; a colleague's, yes.
    assert not policy.may_change_roles_of(agency_admin, agency_admin)
    assert not policy.may_change_roles_of(system_admin, system_admin)
    assert policy.may_change_roles_of(agency_admin, area.officer)
    assert not policy.may_change_roles_of(area.officer, agency_admin)
    assert policy.role_needs_reason(Role.CHAIR)
    assert policy.role_needs_reason(Role.DPO)
    assert not policy.role_needs_reason(Role.IDVA)
    assert policy.roles_conflict({Role.SYSTEM_ADMIN, Role.COORDINATOR})
    assert not policy.roles_conflict({Role.SYSTEM_ADMIN, Role.MANAGER})


def test_role_only_predicates(area):
    manager = area.user(area.police, "manager")
    officer, coordinator = area.officer, area.coordinator

    # Practitioners, IDVAs and coordinators open cases; managers never do.
    assert policy.may_create_case(officer)
    assert not policy.may_create_case(manager)
    # Practitioners and IDVAs work their agency's cases; coordinators and managers do not.
    assert policy.works_cases_in_agency(officer)
    assert policy.works_cases_in_agency(area.user(area.police, "idva"))
    assert not policy.works_cases_in_agency(coordinator)
    assert not policy.works_cases_in_agency(manager)
    # Searching names is for people who work cases.
    assert policy.may_search_people(officer)
    assert not policy.may_search_people(manager)
    # Only coordinators merge people and triage referrals.
    assert policy.may_merge_people(coordinator)
    assert not policy.may_merge_people(officer)
    assert policy.may_triage(coordinator)
    assert not policy.may_triage(officer)
    # Coordinators read their area's audit trail; practitioners do not.
    assert policy.may_read_audit(coordinator)
    assert not policy.may_read_audit(officer)
    # Managers and coordinators see the indicators; nobody else.
    assert policy.may_view_indicators(manager)
    assert policy.may_view_indicators(coordinator)
    assert not policy.may_view_indicators(officer)
    # Break-glass is offered to those who work cases in the field, nobody else.
    assert policy.may_ask_for_emergency_access(officer)
    assert policy.may_ask_for_emergency_access(area.user(area.police, "idva"))
    for role in ("coordinator", "chair", "manager", "agency_admin"):
        assert not policy.may_ask_for_emergency_access(area.user(area.police, role)), role


@pytest.fixture
def case(db, make, area):
    """A case opened by the police in the area, referred by housing."""
    case = Cases(db, make).open(by=area.officer)
    case.referring_agency_id = area.housing.id
    db.session.commit()
    return case


def test_who_sees_and_edits_a_case(db, area, case):
    from sqlalchemy import select

    from emarac.cases.models import Case

    def visible(user):
        return set(db.session.scalars(select(Case.id).where(policy.case_filter(user))))

    for user in (area.officer, area.housing_worker, area.coordinator):
        assert policy.may_view_case(user, case)
        assert policy.may_edit_case(user, case)
        assert visible(user) == {case.id}
    # The area's chair sees every case of the area but changes none.
    chair = area.user(area.csp, "chair")
    assert policy.may_view_case(chair, case)
    assert not policy.may_edit_case(chair, case)
    assert not policy.may_view_case(area.outsider, case)
    assert not policy.may_edit_case(area.outsider, case)
    assert visible(area.outsider) == set()


def test_restricted_details_and_access_log_are_for_the_owner_and_coordinators(area, case):
    for user in (area.officer, area.coordinator):
        assert policy.may_see_restricted(user, case)
        assert policy.may_see_access_log(user, case)
    # The referring agency sees the case but not the refuge address, nor who looked.
    assert not policy.may_see_restricted(area.housing_worker, case)
    assert not policy.may_see_access_log(area.housing_worker, case)
    assert not policy.may_see_restricted(area.outsider, case)


def test_only_the_area_coordinator_transfers_closes_and_manages_exclusions(area, case):
    coordinator, officer, housing = area.coordinator, area.officer, area.housing_worker
    assert policy.may_transfer_case(coordinator, case)
    assert policy.may_close_case(coordinator, case)
    assert not policy.may_transfer_case(officer, case)
    assert not policy.may_close_case(officer, case)
    # The "must not receive" list: the area's coordinators and the owning agency.
    assert policy.may_manage_exclusions(coordinator, case)
    assert policy.may_manage_exclusions(officer, case)
    assert not policy.may_manage_exclusions(housing, case)
    far_coordinator = area.user(area.far, "coordinator")
    assert not policy.may_transfer_case(far_coordinator, case)
    assert not policy.may_close_case(far_coordinator, case)


def test_incidents_are_recorded_only_for_people_on_a_visible_case(area, case):
    assert policy.may_record_incident(area.officer, case.victim)
    assert not policy.may_record_incident(area.outsider, case.victim)
    # Seeing the person's own record follows the same cases.
    assert policy.may_view_person(area.officer, case.victim)
    assert not policy.may_view_person(area.outsider, case.victim)
    assert not policy.may_view_person(area.officer, None)


def test_a_search_asks_about_its_few_people_alone_and_agrees_with_the_whole_rule(
    db, make, area, case
):
    """``visible_among`` (the rule on a handful of people) gives what the rule on every
    person gives, for victims and perpetrators; a search sees one side, hints the other."""
    cases = Cases(db, make)
    link = cases.perpetrator(case, by=area.officer)
    elsewhere = cases.open(by=area.outsider, family_name="Elsewhere-Synthetic")
    found = [case.victim_id, link.person_id, elsewhere.victim_id]
    manager = area.user(area.police, "manager")
    for actor in (area.officer, area.housing_worker, area.outsider, area.coordinator, manager):
        everyone = set(db.session.scalars(policy.visible_person_ids(actor)))
        assert policy.visible_among(actor, found) == everyone & set(found)
    assert policy.people_seen_among(area.officer, found) == {case.victim_id, link.person_id}
    assert policy.people_hinted_among(area.officer, found) == {elsewhere.victim_id}
    assert policy.people_seen_among(area.outsider, found) == {elsewhere.victim_id}
    # Managers never search names: nothing seen, nothing hinted.
    assert policy.people_seen_among(manager, found) == set()
    assert policy.people_hinted_among(manager, found) == set()
    assert policy.visible_among(area.officer, []) == set()


def test_user_lists_and_audit_filters_narrow_to_what_the_actor_may_manage(db, area):
    from sqlalchemy import select

    from emarac.agencies.models import Agency, User

    system_admin = area.user(area.csp, "system_admin")
    agency_admin = area.user(area.police, "agency_admin")
    officer, outsider, coordinator = area.officer, area.outsider, area.coordinator

    def users(actor):
        return set(db.session.scalars(policy.manageable_users(actor, select(User))))

    assert {officer, outsider} <= users(system_admin)
    assert officer in users(agency_admin)
    assert outsider not in users(agency_admin)
    assert users(officer) == set()

    def agencies(actor):
        return set(db.session.scalars(policy.audit_agencies(actor, select(Agency))))

    assert area.far in agencies(system_admin)
    assert area.police in agencies(coordinator)
    assert area.far not in agencies(coordinator)
    assert agencies(officer) == set()


def test_the_audit_trail_is_read_whole_by_system_admins_and_by_area_by_coordinators(db, area):
    from sqlalchemy import select

    from emarac.auditing import ledger_table, record_event

    for agency in (area.police, area.far):
        record_event("policy_test.event", object_type="policy_test", agency_id=agency.id)
    db.session.commit()

    def agencies_read(actor):
        t = ledger_table
        query = select(t.c.agency_id).where(t.c.object_type == "policy_test")
        return set(db.session.scalars(query.where(policy.audit_filter(actor, t))))

    system_admin = area.user(area.csp, "system_admin")
    assert agencies_read(system_admin) == {str(area.police.id), str(area.far.id)}
    assert agencies_read(area.coordinator) == {str(area.police.id)}
    assert agencies_read(area.officer) == set()


# --- meetings, minutes, actions, referrals ------------------------------------------


@pytest.fixture
def agenda(db, make, clock):
    """A released agenda of two cases, as in tests/meetings: the police owner, housing
    (invited), the area coordinator (all three attend), an outsider from elsewhere."""
    from datetime import date

    from emarac.meetings import services as meetings
    from emarac.referrals import services as referrals

    owner, housing, coordinator, outsider = setup_area(make)
    meeting = meetings.create_meeting(by=coordinator, held_on=date(2026, 11, 2))
    cases = []
    for _ in range(2):
        case, referral = refer(db, make, owner)
        referrals.accept(referral, by=coordinator, meeting=meeting)
        cases.append(case)
    meetings.release_agenda(meeting, by=coordinator)
    for user in (owner, housing, coordinator):
        meetings.accept_confidentiality(meeting, by=user)
    return {
        "owner": owner,
        "housing": housing,
        "coordinator": coordinator,
        "outsider": outsider,
        "cases": cases,
        "meeting": meeting,
    }


def test_meetings_are_seen_by_the_area_and_invited_agencies_once_released(agenda):
    s = agenda
    meeting = s["meeting"]
    assert policy.may_see_meeting(s["coordinator"], meeting)
    assert policy.may_see_meeting(s["housing"], meeting)
    assert not policy.may_see_meeting(s["outsider"], meeting)
    # The chair or a coordinator of the area runs the conference; invitees do not.
    assert policy.may_run_conference(s["coordinator"], meeting)
    assert not policy.may_run_conference(s["housing"], meeting)


def test_research_is_for_invited_agencies_not_on_the_must_not_receive_list(db, agenda):
    from emarac.cases.closure import add_exclusion

    s = agenda
    meeting, case = s["meeting"], s["cases"][0]
    housing = s["housing"]
    assert policy.may_research(housing, meeting, case.id)
    assert not policy.may_research(s["outsider"], meeting, case.id)
    assert not policy.is_excluded(housing, case.id)

    add_exclusion(case, by=s["coordinator"], choice=f"agency:{housing.agency_id}", reason="x")
    assert policy.is_excluded(housing, case.id)
    assert not policy.is_excluded(s["owner"], case.id)
    assert not policy.may_research(housing, meeting, case.id)
    assert policy.may_research(housing, meeting, s["cases"][1].id)


def test_the_agenda_pack_follows_the_case_rule_and_chasing_is_the_coordinators(db, make, agenda):
    from emarac.cases.closure import add_exclusion
    from emarac.meetings.models import MeetingStatus

    s = agenda
    meeting, (first, second) = s["meeting"], s["cases"]
    ids = [first.id, second.id]
    assert policy.readable_case_ids(s["coordinator"], ids) == set(ids)
    assert policy.readable_case_ids(s["housing"], ids) == set(ids)
    assert policy.readable_case_ids(s["outsider"], ids) == set()
    add_exclusion(first, by=s["coordinator"], choice=f"agency:{s['housing'].agency_id}", reason="x")
    assert policy.readable_case_ids(s["housing"], ids) == {second.id}

    assert policy.does_research(s["housing"])
    assert not policy.does_research(make.user(roles=("manager",)))
    assert policy.may_chase_research(s["coordinator"], meeting)
    assert not policy.may_chase_research(s["housing"], meeting)
    assert not policy.may_chase_research(s["outsider"], meeting)
    meeting.status = MeetingStatus.MINUTED
    assert not policy.may_chase_research(s["coordinator"], meeting)


def test_minutes_are_read_by_their_recipients_and_the_area_never_the_excluded(db, make, agenda):
    from emarac.cases.closure import add_exclusion

    s = agenda
    meeting, coordinator = s["meeting"], s["coordinator"]
    excluded_case = s["cases"][1]
    add_exclusion(
        excluded_case, by=coordinator, choice=f"agency:{s['housing'].agency_id}", reason="x"
    )
    hear_all(meeting, coordinator)
    minutes = {m.case_id: m for m in send_minutes(meeting, coordinator=coordinator)}
    first, second = minutes[s["cases"][0].id], minutes[excluded_case.id]

    assert policy.may_read_minutes(s["housing"], first)  # an attendee who received them
    assert policy.may_read_minutes(coordinator, first)
    assert not policy.may_read_minutes(s["housing"], second)  # must not receive
    assert not policy.may_read_minutes(s["outsider"], first)
    late = make.user(agency=s["housing"].agency)  # housing, but not at the meeting
    assert not policy.may_read_minutes(late, first)


def test_actions_are_seen_by_their_owner_agency_and_the_area_coordinators(agenda):
    from datetime import date

    from emarac.actions.services import add_action

    s = agenda
    case = s["cases"][0]
    action = add_action(
        case,
        by=s["coordinator"],
        meeting=s["meeting"],
        owner_agency_id=s["housing"].agency_id,
        description="Synthetic: check the locks",
        due_on=date(2026, 11, 30),
    )
    assert policy.may_view_action(s["housing"], action)
    assert policy.may_view_action(s["coordinator"], action)
    assert not policy.may_view_action(s["owner"], action)  # sees the case, not this action
    assert not policy.may_view_action(s["outsider"], action)


def test_only_the_chair_and_coordinators_of_the_area_agree_actions(agenda, make):
    from datetime import date

    from emarac.actions.services import add_action

    s = agenda
    case = s["cases"][0]
    chair = make.user(agency=s["coordinator"].agency, roles=("chair",))
    elsewhere = make.user(agency=make.agency(area="Elsewhere MARAC"), roles=("coordinator",))
    assert policy.may_agree_action(s["coordinator"], case)
    assert policy.may_agree_action(chair, case)
    for someone in (s["owner"], s["housing"], s["outsider"], elsewhere):
        assert not policy.may_agree_action(someone, case)
    with pytest.raises(policy.NotAllowed):
        add_action(
            case,
            by=s["owner"],
            meeting=s["meeting"],
            owner_agency_id=s["owner"].agency_id,
            description="Synthetic: agreed by nobody",
            due_on=date(2026, 11, 30),
        )


def test_the_tracker_shows_coordinators_their_area_and_others_their_agency(agenda, db):
    from datetime import date

    from sqlalchemy import select

    from emarac.actions.models import Action
    from emarac.actions.services import add_action
    from emarac.cases.models import Case

    s = agenda
    actions = {
        who: add_action(
            s["cases"][0],
            by=s["coordinator"],
            meeting=s["meeting"],
            owner_agency_id=s[who].agency_id,
            description="Synthetic: an agreed step",
            due_on=date(2026, 11, 30),
        ).id
        for who in ("housing", "owner")
    }

    def tracked(actor):
        query = select(Action.id).join(Case, Case.id == Action.case_id)
        return set(db.session.scalars(query.where(policy.action_filter(actor))))

    assert policy.tracks_area_actions(s["coordinator"])
    assert not policy.tracks_area_actions(s["housing"])
    assert tracked(s["coordinator"]) == set(actions.values())
    assert tracked(s["housing"]) == {actions["housing"]}
    assert tracked(s["outsider"]) == set()


def test_meeting_lists_show_the_area_to_coordinators_and_released_invitations_to_others(
    agenda, db, make
):
    from datetime import date

    from sqlalchemy import select

    from emarac.meetings import services as meetings
    from emarac.meetings.models import Meeting

    s = agenda
    planned = meetings.create_meeting(by=s["coordinator"], held_on=date(2026, 12, 7))
    elsewhere = make.user(agency=make.agency(area="Elsewhere MARAC"), roles=("coordinator",))
    other = meetings.create_meeting(by=elsewhere, held_on=date(2026, 12, 7))
    chair = make.user(agency=s["coordinator"].agency, roles=("chair",))

    def listed(actor):
        return set(db.session.scalars(select(Meeting.id).where(policy.meeting_filter(actor))))

    assert listed(s["coordinator"]) == listed(chair) == {s["meeting"].id, planned.id}
    assert listed(s["housing"]) == {s["meeting"].id}  # invited, released; not the planned one
    assert listed(elsewhere) == {other.id}
    assert listed(s["outsider"]) == set()


def test_referrals_are_seen_by_the_referrer_and_the_area_coordinators(db, make, area):
    _, referral = refer(db, make, area.officer)
    assert policy.may_view_referral(area.officer, referral)
    assert policy.may_view_referral(area.coordinator, referral)
    assert not policy.may_view_referral(area.housing_worker, referral)
    assert not policy.may_view_referral(area.outsider, referral)
