"""The IDVA predicates of the access policy, asked directly: who may, and who may not.

Predicates are called as ``policy.name(...)`` so that ``make mutate-policy``'s
swapped-in version is the one asked; each test checks both sides of its rule.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from emarac.cases import closure
from emarac.idva.models import IdvaCase
from emarac.meetings import services as meetings
from emarac.protocol import policy
from emarac.referrals import services as referrals


def test_the_queue_is_for_the_services_idvas_and_coordinators(area, make):
    assert policy.may_use_idva_queue(area.idva)
    assert policy.may_use_idva_queue(area.coordinator)
    # An IDVA role in an agency that is not an IDVA service holds no queue.
    assert not policy.may_use_idva_queue(area.user(area.police, "idva"))
    for refused in (
        area.officer,
        area.chair,
        area.user(area.csp, "manager"),
        area.user(area.service, "agency_admin"),
        area.user(area.service),  # a practitioner of the IDVA service
    ):
        assert not policy.may_use_idva_queue(refused)
    assert not policy.may_use_idva_queue(None)


def test_the_caseload_is_an_idvas_own(area):
    assert policy.has_idva_caseload(area.idva)
    for refused in (area.coordinator, area.officer, area.user(area.police, "idva")):
        assert not policy.has_idva_caseload(refused)


def test_the_queue_filter_gives_each_reader_their_own_services_cases(db, area, make):
    case = area.refer()
    far_service = make.agency(name="Far IDVA (test)", kind="idva_service", area="Far MARAC")

    def seen_by(user):
        return db.session.scalars(
            select(IdvaCase.case_id).where(policy.idva_queue_filter(user))
        ).all()

    assert seen_by(area.idva) == [case.id]
    assert seen_by(area.coordinator) == [case.id]
    assert seen_by(make.user(agency=far_service, roles=("idva",))) == []
    far_csp = make.agency(name="Far CSP (test)", kind="other", area="Far MARAC")
    assert seen_by(make.user(agency=far_csp, roles=("coordinator",))) == []
    assert seen_by(area.officer) == []


def test_the_idva_record_is_read_by_the_service_the_owner_and_coordinators(db, area, make):
    case = area.refer()
    for reader in (area.idva, area.user(area.service), area.officer, area.coordinator):
        assert policy.may_read_idva_record(reader, case)
    far_csp = make.agency(name="Far CSP (test)", kind="other", area="Far MARAC")
    for refused in (
        area.chair,  # sees the case, but not the IDVA's record outside the conference
        area.nurse,
        area.user(area.police, "agency_admin"),
        area.user(area.csp, "manager"),
        make.user(agency=far_csp, roles=("coordinator",)),
    ):
        assert not policy.may_read_idva_record(refused, case)
    assert not policy.may_read_idva_record(None, case)


def test_once_closed_only_the_owner_and_coordinators_read_it(db, area):
    case = area.refer()
    case.status = "closed"
    db.session.commit()
    assert policy.may_read_idva_record(area.officer, case)
    assert policy.may_read_idva_record(area.coordinator, case)
    assert not policy.may_read_idva_record(area.idva, case)


def test_only_the_services_idvas_work_the_case_while_it_is_open(db, area):
    case = area.refer()
    assert policy.may_work_idva_case(area.idva, case)
    for refused in (area.user(area.service), area.officer, area.coordinator, area.chair):
        assert not policy.may_work_idva_case(refused, case)
    case.status = "closed"
    db.session.commit()
    assert not policy.may_work_idva_case(area.idva, case)


def test_a_case_is_held_only_by_an_active_idva_of_its_service(db, area, make):
    case = area.refer()
    row = db.session.scalar(select(IdvaCase).where(IdvaCase.case_id == case.id))
    assert policy.may_hold_idva_case(area.other_idva, row)
    for refused in (area.officer, area.user(area.service), area.coordinator):
        assert not policy.may_hold_idva_case(refused, row)
    suspended = area.user(area.service, "idva")
    suspended.suspended_at = suspended.created_at
    db.session.commit()
    assert not policy.may_hold_idva_case(suspended, row)


def test_the_chair_hears_the_victims_voice_only_at_the_conference(db, area, make):
    case = area.refer()
    meeting = meetings.create_meeting(by=area.coordinator, held_on=date(2026, 12, 14))
    assert not policy.may_hear_victims_voice(area.chair, meeting, case)  # planned, not running
    referrals.accept(case.referral, by=area.coordinator, meeting=meeting)
    meetings.release_agenda(meeting, by=area.coordinator)
    assert policy.may_hear_victims_voice(area.chair, meeting, case)
    assert policy.may_hear_victims_voice(area.idva, meeting, case)
    assert not policy.may_hear_victims_voice(area.nurse, meeting, case)
    other_chair = make.user(
        agency=make.agency(name="Far CSP (test)", kind="other", area="Far MARAC"), roles=("chair",)
    )
    assert not policy.may_hear_victims_voice(other_chair, meeting, case)
    closure.add_exclusion(
        case, by=area.coordinator, choice=f"user:{area.chair.id}", reason="Synthetic: related"
    )
    assert not policy.may_hear_victims_voice(area.chair, meeting, case)
