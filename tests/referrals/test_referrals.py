"""Referral, triage, returned referrals, repeat detection and who is notified."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from emarac.cases.models import Case, CaseStatus
from emarac.extensions import db as _db
from emarac.incidents.models import IncidentType
from emarac.incidents.services import IncidentDetails, record_incident
from emarac.indicators import queries
from emarac.indicators.periods import Filters
from emarac.meetings import services as meetings
from emarac.meetings.models import MeetingStatus
from emarac.notifications.models import Notification
from emarac.people.models import Person
from emarac.referrals import services
from emarac.referrals.forms import AcceptForm
from emarac.referrals.models import Consent, Referral
from emarac.risk.rules import Criterion
from tests.conftest import assert_ledger_verifies, sign_in
from tests.factories import Cases

FORM = {
    "consent": "given",
    "risks": "Synthetic description of the risks",
    "safety_measures": "Synthetic safety plan",
    "criteria": ["professional_judgement"],
    "judgement_reason": "Escalating threats",
    "referrer_name": "Test Referrer",
    "referrer_phone": "01632 960001",
    "victim_aware": "yes",
}


def refer(db, make, user, **changes):
    case = Cases(db, make).open(by=user)
    fields = {
        "criteria": {Criterion.PROFESSIONAL_JUDGEMENT},
        "consent": Consent.GIVEN,
        "risks": "Synthetic risks",
        "safety_measures": "",
        "judgement_reason": "Judged high",
    }
    data = services.ReferralInput(**(fields | changes))
    return case, services.refer_case(case, by=user, data=data)


def test_refer_then_accept_and_the_referrer_sees_it(client, app, db, make, area):
    case = Cases(db, make).open(by=area["owner"])
    sign_in(client, area["owner"])
    page = client.post(f"/cases/{case.id}/refer", data=FORM).get_data(as_text=True)
    assert "Check your referral" in page
    response = client.post(f"/cases/{case.id}/refer", data={**FORM, "stage": "confirm"})
    assert response.status_code == 302
    referral = db.session.scalar(select(Referral))
    assert db.session.get(Case, case.id).status == "referred"

    coordinator = app.test_client()
    sign_in(coordinator, area["coordinator"])
    queue = coordinator.get("/referrals/triage").get_data(as_text=True)
    assert case.reference in queue
    accepted = coordinator.post(
        f"/referrals/{referral.id}/accept",
        data={"accept-new_meeting_on": ["14", "12", "2026"]},
    )
    assert accepted.status_code == 302
    assert "Referred to MARAC" in client.get(f"/cases/{case.id}").get_data(as_text=True)
    status = client.get(f"/referrals/{referral.id}").get_data(as_text=True)
    assert "Accepted onto a meeting" in status
    assert "14 December 2026" in status
    notices = db.session.scalars(
        select(Notification.kind).where(Notification.user_id == area["owner"].id)
    ).all()
    assert "referral.accepted" in notices


def test_criteria_the_case_meets_cannot_be_removed(db, make, area):
    case = Cases(db, make).open(by=area["owner"])
    for days in (10, 20, 30):
        Cases(db, make).incident(case, by=area["owner"], days_ago=days)
    assert Criterion.POTENTIAL_ESCALATION in services.criteria_for(case)
    with pytest.raises(services.Invalid, match="cannot be removed"):
        services.refer_case(
            case,
            by=area["owner"],
            data=services.ReferralInput(
                criteria={Criterion.PROFESSIONAL_JUDGEMENT},
                consent=Consent.GIVEN,
                risks="x",
                safety_measures="",
                judgement_reason="y",
            ),
        )


def test_returned_referral_keeps_every_answer_for_correction(client, app, db, make, area):
    case, referral = refer(db, make, area["owner"], safety_measures="Kept safety plan text")
    services.return_to_referrer(referral, by=area["coordinator"], reason="Add the children")
    sign_in(client, area["owner"])
    page = client.get(f"/referrals/{referral.id}").get_data(as_text=True)
    assert "Returned: Add the children" in page
    assert "Synthetic risks" in page
    assert "Kept safety plan text" in page
    assert "Judged high" in page
    response = client.post(f"/referrals/{referral.id}", data={**FORM, "risks": "Corrected risks"})
    assert response.status_code == 302
    db.session.refresh(referral)
    assert (referral.status, referral.risks) == ("submitted", "Corrected risks")


def test_referral_from_a_suspended_agency_is_refused(db, make, area):
    from emarac.agencies.services import set_protocol_status

    user = area["same_area_stranger"]
    case = Cases(db, make).open(by=user)
    admin = make.user(roles=("system_admin",))
    set_protocol_status(user.agency, signed_on=user.agency.isp_signed_on, suspended=True, by=admin)
    with pytest.raises(services.NotAllowed):
        services.refer_case(
            case,
            by=user,
            data=services.ReferralInput(
                criteria={Criterion.PROFESSIONAL_JUDGEMENT},
                consent=Consent.GIVEN,
                risks="x",
                safety_measures="",
                judgement_reason="y",
            ),
        )


def accepted(db, make, area, **changes):
    """A case referred by the owner today and accepted onto a meeting."""
    case, referral = refer(db, make, area["owner"], **changes)
    services.accept(referral, by=area["coordinator"], new_meeting_on=date(2026, 12, 1))
    return case, referral


def test_repeat_incident_flags_the_case_and_notifies_exactly_the_right_users(db, make, area, clock):
    case, referral = accepted(db, make, area, refer_to_idva=True)
    assert db.session.get(Case, case.id).idva_agency_id == area["idva"].agency_id
    before = set(db.session.scalars(select(Notification.id)))
    clock.advance(days=30)
    Cases(db, make).incident(case, by=area["owner"], days_ago=-30)
    case = db.session.get(Case, case.id)
    assert case.is_repeat
    notified = {
        n.user_id
        for n in db.session.scalars(select(Notification).where(Notification.kind == "case.repeat"))
        if n.id not in before
    }
    expected = {
        area["owner"].id,
        area["owner_colleague"].id,
        area["idva"].id,
        area["coordinator"].id,
    }
    assert notified == expected
    texts = db.session.scalars(select(Notification.text).where(Notification.kind == "case.repeat"))
    assert all(t.startswith(f"Repeat incident on {case.reference}") for t in texts)


def test_incident_a_year_and_a_day_later_is_not_a_repeat(db, make, area, clock):
    case, referral = accepted(db, make, area)
    clock.advance(days=400)
    # The incident helper counts back from 1 November 2026; the referral was on 2 November.
    Cases(db, make).incident(case, by=area["owner"], days_ago=-367)  # 3 November 2027
    assert not db.session.get(Case, case.id).is_repeat
    Cases(db, make).incident(case, by=area["owner"], days_ago=-366)  # 2 November 2027
    assert db.session.get(Case, case.id).is_repeat


def db_notices(kind):
    return _db.session.scalars(select(Notification).where(Notification.kind == kind)).all()


def repeat_notices() -> int:
    return len(db_notices("case.repeat"))


def test_the_incident_that_prompted_the_referral_is_not_its_repeat(db, make, area, clock):
    case, referral = accepted(db, make, area)
    # Recorded after the referral, the same day: the referral's trigger.
    Cases(db, make).incident(case, by=area["owner"], days_ago=-1)
    assert not db.session.get(Case, case.id).is_repeat
    assert repeat_notices() == 0
    Cases(db, make).incident(case, by=area["owner"], days_ago=-2)  # the day after
    assert db.session.get(Case, case.id).is_repeat


def test_a_closed_case_still_has_repeats(db, make, area, clock):
    case, referral = accepted(db, make, area)
    case.status = CaseStatus.CLOSED  # heard and closed; how it closed does not matter here
    db.session.commit()
    clock.advance(days=120)
    Cases(db, make).incident(case, by=area["owner"], days_ago=-120)  # 82 days after closing
    case = db.session.get(Case, case.id)
    assert case.is_repeat
    assert case.status == CaseStatus.CLOSED
    assert {n.user_id for n in db_notices("case.repeat")} >= {
        area["owner"].id,
        area["coordinator"].id,
    }


def test_after_a_returned_referral_a_further_incident_is_not_a_repeat(db, make, area, clock):
    case, referral = refer(db, make, area["owner"])
    services.return_to_referrer(referral, by=area["coordinator"], reason="More detail")
    Cases(db, make).incident(case, by=area["owner"], days_ago=-30)
    assert not db.session.get(Case, case.id).is_repeat
    assert repeat_notices() == 0
    assert Criterion.REPEAT not in services.criteria_for(case)


def test_a_referral_waiting_for_triage_does_not_open_a_window(db, make, area, clock):
    case, referral = refer(db, make, area["owner"])
    Cases(db, make).incident(case, by=area["owner"], days_ago=-30)
    assert not db.session.get(Case, case.id).is_repeat


def test_a_new_perpetrator_is_not_a_repeat(db, make, area, clock):
    factory = Cases(db, make)
    case = factory.open(by=area["owner"])
    link = factory.perpetrator(case, by=area["owner"])
    newcomer = factory.perpetrator(factory.open(by=area["owner"]), by=area["owner"])
    referral = services.refer_case(
        case,
        by=area["owner"],
        data=services.ReferralInput(
            criteria={Criterion.PROFESSIONAL_JUDGEMENT},
            consent=Consent.GIVEN,
            risks="Synthetic risks",
            safety_measures="",
            judgement_reason="Judged high",
        ),
    )
    services.accept(referral, by=area["coordinator"], new_meeting_on=date(2026, 12, 1))
    at = datetime(2026, 12, 20, 21, 0, tzinfo=UTC)
    for person_id in (newcomer.person_id, link.person_id):
        record_incident(
            by=area["owner"],
            victim=case.victim,
            details=IncidentDetails(
                occurred_at=at,
                types={IncidentType.THREATS},
                perpetrator=db.session.get(Person, person_id),
            ),
        )
        expected = person_id == link.person_id
        assert db.session.get(Case, case.id).is_repeat is expected


def test_repeat_cannot_be_ticked_by_hand(db, make, area):
    with pytest.raises(services.Invalid, match="worked out"):
        refer(
            db, make, area["owner"], criteria={Criterion.REPEAT, Criterion.PROFESSIONAL_JUDGEMENT}
        )


def test_repeats_go_to_the_top_of_the_queue(db, make, area, clock):
    first_case, first = refer(db, make, area["owner"])
    services.accept(first, by=area["coordinator"], new_meeting_on=date(2026, 12, 1))
    clock.advance(days=2)
    Cases(db, make).incident(first_case, by=area["owner"], days_ago=-2)
    _, plain = refer(db, make, area["owner"])
    repeat = services.refer_case(
        first_case,
        by=area["owner"],
        data=services.ReferralInput(
            criteria={Criterion.REPEAT, Criterion.PROFESSIONAL_JUDGEMENT},
            consent=Consent.GIVEN,
            risks="again",
            safety_measures="",
            judgement_reason="j",
        ),
    )
    queue = services.triage_queue(area["coordinator"])
    assert [r.id for r in queue] == [repeat.id, plain.id]
    assert repeat.is_repeat


def test_duplicate_referral_is_merged(db, make, area):
    case, first = refer(db, make, area["owner"])
    second = services.refer_case(
        case,
        by=area["owner_colleague"],
        data=services.ReferralInput(
            criteria={Criterion.PROFESSIONAL_JUDGEMENT},
            consent=Consent.NOT_SOUGHT,
            risks="dup",
            safety_measures="",
            judgement_reason="j",
        ),
    )
    services.mark_duplicate(second, of=first, by=area["coordinator"])
    assert (second.status, second.duplicate_of_id) == ("duplicate", first.id)


def _second_referral(case, user):
    return services.refer_case(
        case,
        by=user,
        data=services.ReferralInput(
            criteria={Criterion.PROFESSIONAL_JUDGEMENT},
            consent=Consent.NOT_SOUGHT,
            risks="dup",
            safety_measures="",
            judgement_reason="j",
        ),
    )


def test_the_triage_page_posts_each_decision_to_its_own_endpoint(client, db, make, area):
    case, first = refer(db, make, area["owner"])
    second = _second_referral(case, area["owner_colleague"])
    sign_in(client, area["coordinator"])
    page = BeautifulSoup(client.get(f"/referrals/{second.id}/triage").data, "html.parser")
    targets = {form["action"] for form in page.select("main form[method=post]")}
    assert targets == {
        f"/referrals/{second.id}/accept",
        f"/referrals/{second.id}/return",
        f"/referrals/{second.id}/duplicate",
    }
    duplicate_of = page.select_one("main input[name=duplicate_of]")
    assert duplicate_of is not None
    assert duplicate_of["value"] == str(first.id)
    db.session.expire_all()
    assert (first.status, second.status) == ("submitted", "submitted")  # a GET decides nothing


def test_accepting_without_a_meeting_is_explained(client, db, make, area):
    _, referral = refer(db, make, area["owner"])
    sign_in(client, area["coordinator"])
    response = client.post(f"/referrals/{referral.id}/accept", data={})
    assert response.status_code == 200
    page = BeautifulSoup(response.data, "html.parser")
    summary = page.select_one(".govuk-error-summary")
    assert summary is not None
    assert "Choose a meeting or enter the date of a new one" in summary.get_text()
    db.session.expire_all()
    assert referral.status == "submitted"


def test_the_accept_form_asks_for_a_meeting_or_a_date(app):
    with app.test_request_context(method="POST", data={"accept-new_meeting_on": ["", "", ""]}):
        form = AcceptForm(prefix="accept")
        form.meeting_id.choices = [("", "Choose a meeting")]
        assert not form.validate()
        assert form.meeting_id.errors == ["Choose a meeting or enter the date of a new one"]
    with app.test_request_context(
        method="POST", data={"accept-new_meeting_on": ["14", "12", "2026"]}
    ):
        form = AcceptForm(prefix="accept")
        form.meeting_id.choices = [("", "Choose a meeting")]
        assert form.validate(), form.errors


def test_returning_and_merging_through_the_page(client, db, make, area):
    case, first = refer(db, make, area["owner"])
    second = _second_referral(case, area["owner_colleague"])
    sign_in(client, area["coordinator"])

    blank = client.post(f"/referrals/{first.id}/return", data={"return-reason": ""})
    assert blank.status_code == 200
    assert "Enter why the referral is being returned" in blank.get_data(as_text=True)
    assert client.post(f"/referrals/{second.id}/duplicate", data={}).status_code == 400

    merged = client.post(f"/referrals/{second.id}/duplicate", data={"duplicate_of": first.id})
    assert merged.status_code == 302
    returned = client.post(f"/referrals/{first.id}/return", data={"return-reason": "Add more"})
    assert returned.status_code == 302
    db.session.expire_all()
    assert (second.status, second.duplicate_of_id) == ("duplicate", first.id)
    assert (first.status, first.returned_reason) == ("returned", "Add more")


def test_only_the_areas_coordinator_decides(client, db, make, area):
    _, referral = refer(db, make, area["owner"])
    sign_in(client, area["owner"])
    for decision in ("accept", "return", "duplicate"):
        response = client.post(f"/referrals/{referral.id}/{decision}", data={})
        assert response.status_code == 404, decision
    db.session.expire_all()
    assert referral.status == "submitted"


def test_other_agencies_cannot_see_the_referral(client, db, make, area):
    _, referral = refer(db, make, area["owner"])
    sign_in(client, area["same_area_stranger"])
    assert client.get(f"/referrals/{referral.id}").status_code == 404
    assert client.get("/referrals/triage").status_code == 404


def test_everything_is_audited_and_the_ledger_verifies(db, make, area, app, clock):
    from emarac.auditing import ledger_table

    case, referral = refer(db, make, area["owner"])
    services.accept(
        referral, by=area["coordinator"], new_meeting_on=date.today() + timedelta(days=9)
    )
    actions = set(db.session.scalars(select(ledger_table.c.action)))
    assert {"referral.create", "referral.accept", "meeting.create"} <= actions
    assert_ledger_verifies(app, db)


def test_transfer_moves_the_case_and_its_history_to_another_area(client, db, make, area):
    from emarac.cases import services as case_services
    from emarac.cases.services import transfer_case

    case, referral = refer(db, make, area["owner"])
    Cases(db, make).incident(case, by=area["owner"])
    new_coordinator = make.user(
        agency=make.agency(kind="other", area="Elsewhere MARAC"), roles=("coordinator",)
    )
    with pytest.raises(case_services.NotAllowed):
        transfer_case(
            case, to_area_id=new_coordinator.agency.area_id, by=area["owner"], reason="moved"
        )
    transfer_case(
        case,
        to_area_id=new_coordinator.agency.area_id,
        by=area["coordinator"],
        reason="Victim moved to a refuge in the other area",
    )
    db.session.refresh(referral)
    assert referral.area_id == new_coordinator.agency.area_id  # into the new triage queue
    assert [r.id for r in services.triage_queue(new_coordinator)] == [referral.id]
    sign_in(client, new_coordinator)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Transferred from Testshire MARAC" in page
    assert "Incident recorded by" in page  # the history came along
    old = client.application.test_client()
    sign_in(old, area["coordinator"])
    assert old.get(f"/cases/{case.id}").status_code == 404


def test_the_service_refuses_a_victim_under_16_on_the_referrals_date(db, make, area, clock):
    # Born 20 December 2010: 15 on 11 March 2026, though 2026 - 2010 is 16.
    clock.now = datetime(2026, 3, 11, 9, 0, tzinfo=UTC)
    case = Cases(db, make).open(by=area["owner"], born=date(2010, 12, 20))
    data = services.ReferralInput(
        criteria={Criterion.PROFESSIONAL_JUDGEMENT},
        consent=Consent.GIVEN,
        risks="Synthetic risks",
        safety_measures="",
        judgement_reason="Judged high",
    )
    with pytest.raises(services.Invalid, match="16 or over"):
        services.refer_case(case, by=area["owner"], data=data)
    assert db.session.scalar(select(Referral)) is None
    clock.now = datetime(2026, 12, 20, 9, 0, tzinfo=UTC)  # her 16th birthday
    assert services.refer_case(case, by=area["owner"], data=data).status == "submitted"


def test_resubmission_keeps_the_first_date_and_has_its_own(db, make, area, clock):
    case, referral = refer(db, make, area["owner"])
    first = referral.submitted_on
    services.return_to_referrer(referral, by=area["coordinator"], reason="More detail")
    clock.advance(days=7)
    services.resubmit(
        referral,
        by=area["owner"],
        data=services.ReferralInput(
            criteria={Criterion.PROFESSIONAL_JUDGEMENT},
            consent=Consent.GIVEN,
            risks="Corrected",
            safety_measures="",
            judgement_reason="Judged high",
        ),
    )
    db.session.refresh(referral)
    assert (referral.submitted_on, referral.resubmitted_on) == (first, first + timedelta(days=7))

    # Heard two days after it was sent again: nine days from the first referral.
    meeting = services.accept(
        referral, by=area["coordinator"], new_meeting_on=first + timedelta(days=9)
    )
    meetings.build_agenda(meeting)
    meeting.status = MeetingStatus.MINUTED  # the conference itself is not under test here
    db.session.commit()
    with db.engine.connect() as conn:
        waits = queries.days_to_hearing(conn, Filters(first, first + timedelta(days=30)))
    assert (waits.hearings, waits.median) == (1, 9)
