"""The IDVA workspace's services: outcomes in the database, the ledger and the notices."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from emarac.idva import services
from emarac.idva.models import (
    ConsentStatus,
    ContactAttempt,
    ContactMethod,
    ContactOutcome,
    Engagement,
    IdvaCase,
    IdvaStatusChange,
    PlanItemStatus,
    SafetyPlan,
    VictimsVoice,
)
from emarac.meetings import services as meetings
from emarac.notifications.models import Notification
from emarac.protocol.policy import NotAllowed
from emarac.referrals import services as referrals
from tests.idva.conftest import ledger


def notices(db, user, kind):
    return list(
        db.session.scalars(
            select(Notification.text).where(
                Notification.user_id == user.id, Notification.kind == kind
            )
        )
    )


def test_a_referral_to_the_idva_service_lands_in_its_queue_and_tells_its_idvas(db, area):
    idva, other = area.idva, area.other_idva
    case = area.refer()
    row = db.session.scalar(select(IdvaCase).where(IdvaCase.case_id == case.id))
    assert row.idva_agency_id == area.service.id
    assert row.referring_agency_id == area.police.id
    assert row.referred_on == date(2026, 11, 2)
    assert row.allocated_to_id is None
    assert row.consent == ConsentStatus.NOT_ASKED
    for user in (idva, other):
        assert notices(db, user, "idva.referral") == [f"New IDVA referral for {case.reference}"]
    assert ("idva.referral.receive", str(row.id)) in ledger(db)

    rows = services.queue(by=idva)
    assert [r.case.reference for r in rows] == [case.reference]
    assert rows[0].victim_name == "Imogen Featherstonehaugh"
    assert rows[0].idva_case.referring_agency.name == "Idva Police (test)"
    assert ("idva.queue.view", None) in ledger(db)


def test_a_referral_without_the_idva_service_leaves_the_queue_alone(db, area):
    idva = area.idva
    area.refer(to_idva=False)
    assert db.session.scalars(select(IdvaCase)).all() == []
    assert notices(db, idva, "idva.referral") == []
    assert services.queue(by=idva) == []


def test_the_queue_is_refused_to_practitioners_and_empty_for_other_services(db, area, make):
    area.refer()
    with pytest.raises(NotAllowed):
        services.queue(by=area.officer)
    elsewhere = make.agency(name="Far IDVA (test)", kind="idva_service", area="Far MARAC")
    assert services.queue(by=make.user(agency=elsewhere, roles=("idva",))) == []
    assert len(services.queue(by=area.coordinator)) == 1


def test_allocation_names_an_idva_of_the_service_who_is_told(db, area):
    case, idva, other = area.refer(), area.idva, area.other_idva
    services.allocate(case, by=idva, idva_id=other.id)
    row = db.session.scalar(select(IdvaCase).where(IdvaCase.case_id == case.id))
    assert row.allocated_to_id == other.id
    assert notices(db, other, "idva.allocated") == [f"{case.reference} is allocated to you"]
    assert ("idva.allocate", str(row.id)) in ledger(db)
    queue = services.queue(by=idva)
    assert queue[0].idva_case.allocated_to.id == other.id


def test_allocation_refuses_someone_outside_the_service_and_non_idvas(db, area):
    case = area.refer()
    with pytest.raises(services.Invalid) as refused:
        services.allocate(case, by=area.idva, idva_id=area.officer.id)
    assert refused.value.field == "idva_id"
    with pytest.raises(NotAllowed):
        services.allocate(case, by=area.officer, idva_id=area.idva.id)
    with pytest.raises(NotAllowed):
        services.allocate(case, by=area.coordinator, idva_id=area.idva.id)


def test_consent_and_engagement_keep_their_history(db, area, clock):
    case, idva = area.refer(), area.idva
    services.record_status(
        case,
        by=idva,
        data=services.StatusInput(
            consent=ConsentStatus.NOT_ASKED, consent_on=None, engagement=Engagement.NOT_YET
        ),
    )
    clock.advance(days=1)
    services.record_status(
        case,
        by=idva,
        data=services.StatusInput(
            consent=ConsentStatus.GIVEN,
            consent_on=date(2026, 11, 3),
            engagement=Engagement.ENGAGED,
            note="Synthetic: spoke on the safe number",
        ),
    )
    row = db.session.scalar(select(IdvaCase).where(IdvaCase.case_id == case.id))
    assert (row.consent, row.consent_on, row.engagement) == ("given", date(2026, 11, 3), "engaged")
    history = db.session.scalars(
        select(IdvaStatusChange).order_by(IdvaStatusChange.recorded_at)
    ).all()
    assert [(h.consent, h.engagement) for h in history] == [
        ("not_asked", "not_yet"),
        ("given", "engaged"),
    ]
    assert history[1].note == "Synthetic: spoke on the safe number"
    assert history[1].note_ct is not None
    assert b"safe number" not in history[1].note_ct


def test_consent_given_needs_its_date(db, area):
    case = area.refer()
    with pytest.raises(services.Invalid) as refused:
        services.record_status(
            case,
            by=area.idva,
            data=services.StatusInput(
                consent=ConsentStatus.GIVEN, consent_on=None, engagement=Engagement.ENGAGED
            ),
        )
    assert refused.value.field == "consent_on"
    assert db.session.scalars(select(IdvaStatusChange)).all() == []


def test_each_save_of_the_victims_voice_is_a_new_version_and_earlier_ones_stay(db, area, clock):
    case, idva = area.refer(), area.idva
    first = services.save_voice(
        case,
        by=idva,
        data=services.VoiceInput(wishes="Synthetic: to stay", fears="", wants_from_marac="Locks"),
    )
    clock.advance(hours=2)
    second = services.save_voice(
        case,
        by=idva,
        data=services.VoiceInput(
            wishes="Synthetic: to move", fears="Synthetic", wants_from_marac=""
        ),
    )
    assert (first.version, second.version) == (1, 2)
    assert services.latest_voice(case.id).wishes == "Synthetic: to move"
    versions = services.voice_history(case, by=area.coordinator)
    assert [v.wishes for v in versions] == ["Synthetic: to move", "Synthetic: to stay"]
    raw = db.session.get(VictimsVoice, first.id).wishes_ct
    assert b"to stay" not in raw
    assert ("idva.voice.save", str(second.id)) in ledger(db)
    with pytest.raises(NotAllowed):
        services.voice_history(case, by=area.nurse)


def test_an_empty_voice_is_refused(db, area):
    case = area.refer()
    with pytest.raises(services.Invalid):
        services.save_voice(
            case, by=area.idva, data=services.VoiceInput(wishes=" ", fears="", wants_from_marac="")
        )


def test_the_safety_plan_is_versioned_with_who_and_when(db, area, clock):
    case, idva = area.refer(), area.idva
    services.save_plan(
        case,
        by=idva,
        items=[
            services.PlanItem("Synthetic: change the locks", "Housing", PlanItemStatus.PLANNED),
            services.PlanItem("", "", PlanItemStatus.PLANNED),
        ],
    )
    clock.advance(days=2)
    services.save_plan(
        case,
        by=idva,
        items=[
            services.PlanItem("Synthetic: change the locks", "Housing", PlanItemStatus.DONE),
            services.PlanItem("Synthetic: panic alarm", "Police", PlanItemStatus.IN_PLACE),
        ],
    )
    versions = services.plan_history(case, by=area.officer)
    assert [p.version for p in versions] == [2, 1]
    assert versions[1].items == [
        {"measure": "Synthetic: change the locks", "who": "Housing", "status": "planned"}
    ]
    assert [i["status_label"] for i in versions[0].item_rows] == ["Done", "In place"]
    assert versions[0].recorded_by_id == idva.id
    assert versions[0].recorded_at > versions[1].recorded_at
    assert b"locks" not in db.session.get(SafetyPlan, versions[0].id).items_ct


def test_a_plan_item_with_who_but_no_measure_is_refused(db, area):
    case = area.refer()
    with pytest.raises(services.Invalid) as refused:
        services.save_plan(
            case,
            by=area.idva,
            items=[
                services.PlanItem("Synthetic", "Police", PlanItemStatus.PLANNED),
                services.PlanItem("", "Housing", PlanItemStatus.PLANNED),
            ],
        )
    assert refused.value.field == "measure_2"


def contact(method, outcome, *, confirmed=False, at=datetime(2026, 11, 1, 14, 30, tzinfo=UTC)):
    return services.ContactInput(
        contacted_at=at, method=method, outcome=outcome, safety_confirmed=confirmed
    )


def test_contacts_keep_the_safe_contact_rules(db, area):
    case = area.refer(safe_phone="07700 900123", safe_times="Weekdays 10:00-12:00")
    idva = area.idva
    with pytest.raises(services.Invalid) as refused:
        services.log_contact(
            case, by=idva, data=contact(ContactMethod.SAFE_PHONE, ContactOutcome.MESSAGE_LEFT)
        )
    assert refused.value.field == "outcome"
    with pytest.raises(services.Invalid) as refused:
        services.log_contact(
            case, by=idva, data=contact(ContactMethod.USUAL_PHONE, ContactOutcome.NO_ANSWER)
        )
    assert refused.value.field == "safety_confirmed"
    assert db.session.scalars(select(ContactAttempt)).all() == []

    services.log_contact(
        case,
        by=idva,
        data=contact(ContactMethod.USUAL_PHONE, ContactOutcome.NO_ANSWER, confirmed=True),
    )
    logged = services.log_contact(
        case,
        by=idva,
        data=services.ContactInput(
            contacted_at=datetime(2026, 11, 2, 8, 0, tzinfo=UTC),
            method=ContactMethod.SAFE_PHONE,
            outcome=ContactOutcome.REACHED,
            notes="Synthetic: agreed a plan",
        ),
    )
    page = services.open_contacts(case, by=idva)
    assert page.safe_phone == "07700 900123"
    assert page.rules.safe_times == "Weekdays 10:00-12:00"
    assert any("Do not leave messages" in w for w in page.warnings)
    assert [c.outcome for c in page.contacts] == ["reached", "no_answer"]
    assert ("idva.contact.log", str(logged.id)) in ledger(db)
    assert b"agreed" not in db.session.get(ContactAttempt, logged.id).notes_ct


def test_the_safe_number_cannot_be_used_when_none_is_recorded(db, area):
    case = area.refer()
    with pytest.raises(services.Invalid) as refused:
        services.log_contact(
            case, by=area.idva, data=contact(ContactMethod.SAFE_TEXT, ContactOutcome.REACHED)
        )
    assert refused.value.field == "method"


def test_only_the_services_idvas_write_and_only_restricted_readers_read(db, area):
    case = area.refer()
    voice = services.VoiceInput(wishes="Synthetic", fears="", wants_from_marac="")
    for outsider in (area.officer, area.coordinator, area.nurse):
        with pytest.raises(NotAllowed):
            services.save_voice(case, by=outsider, data=voice)
    for reader in (area.idva, area.officer, area.coordinator):
        assert services.open_case(case, by=reader).case.id == case.id
    for refused in (area.nurse, area.chair):
        with pytest.raises(NotAllowed):
            services.open_case(case, by=refused)


def test_the_caseload_shows_status_last_contact_and_next_marac(db, area):
    case, idva = area.refer(), area.idva
    services.allocate(case, by=idva, idva_id=idva.id)
    services.record_status(
        case,
        by=idva,
        data=services.StatusInput(
            consent=ConsentStatus.GIVEN, consent_on=date(2026, 11, 1), engagement=Engagement.ENGAGED
        ),
    )
    services.log_contact(
        case, by=idva, data=contact(ContactMethod.IN_PERSON, ContactOutcome.REACHED)
    )
    meeting = meetings.create_meeting(by=area.coordinator, held_on=date(2026, 12, 14))
    referrals.accept(case.referral, by=area.coordinator, meeting=meeting)
    meetings.release_agenda(meeting, by=area.coordinator)

    (row,) = services.caseload(by=idva)
    assert row.case.id == case.id
    assert row.idva_case.consent_label == "Given"
    assert row.idva_case.engagement_label == "Engaged"
    assert row.last_contact.replace(tzinfo=UTC) == datetime(2026, 11, 1, 14, 30, tzinfo=UTC)
    assert row.next_hearing == date(2026, 12, 14)
    assert services.caseload(by=area.other_idva) == []
    with pytest.raises(NotAllowed):
        services.caseload(by=area.coordinator)
