"""Repeats reach the coordinator: flagged, told, queued, then confirmed or dismissed."""

from __future__ import annotations

from datetime import date

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from emarac.auditing import ledger_table
from emarac.cases.models import Case, CaseStatus
from emarac.meetings import services as meetings
from emarac.notifications.models import Notification
from emarac.referrals import repeats, services
from emarac.referrals.models import Referral, ReferralStatus, RepeatReview, RepeatStatus
from emarac.risk.rules import Criterion
from tests.conftest import assert_ledger_verifies, sign_in
from tests.factories import Cases
from tests.referrals.test_referrals import accepted

SECRET_REASON = "Synthetic: the victim moved abroad with the children"


@pytest.fixture
def closed_repeat(db, make, area, clock):
    """A heard case, closed, then a further incident 82 days after closing."""
    case, referral = accepted(db, make, area, refer_to_idva=True)
    case.status = CaseStatus.CLOSED
    case.closed_on = date(2026, 12, 20)
    db.session.commit()
    clock.advance(days=130)
    # 82 days after closing: 12 March 2027 (the helper counts back from 1 November 2026).
    Cases(db, make).incident(case, by=area["owner"], days_ago=-131)
    return db.session.get(Case, case.id)


def queue_rows(client) -> list[str]:
    page = BeautifulSoup(client.get("/referrals/triage").get_data(as_text=True), "html.parser")
    table = page.find(attrs={"data-testid": "repeats-to-confirm"})
    return [a.get_text(strip=True) for a in table.select("tbody a")]


def ledger(db, action: str) -> list[dict]:
    rows = db.session.execute(select(ledger_table).where(ledger_table.c.action == action))
    return [dict(row._mapping) for row in rows]


def test_a_repeat_on_a_closed_case_is_told_and_queued(client, db, area, closed_repeat):
    case = closed_repeat
    assert case.is_repeat
    assert case.status == CaseStatus.CLOSED
    told = {
        n.user_id
        for n in db.session.scalars(select(Notification).where(Notification.kind == "case.repeat"))
    }
    assert told == {
        area["owner"].id,
        area["owner_colleague"].id,
        area["idva"].id,
        area["coordinator"].id,
    }
    texts = db.session.scalars(select(Notification.text).where(Notification.kind == "case.repeat"))
    assert set(texts) == {f"Repeat incident on {case.reference}: propose re-referral to MARAC"}
    (review,) = db.session.scalars(select(RepeatReview)).all()
    assert (review.status, review.incident_on) == (RepeatStatus.TO_CONFIRM, date(2027, 3, 12))
    assert ledger(db, "repeat.raise")[0]["object_id"] == str(review.id)

    sign_in(client, area["coordinator"])
    assert queue_rows(client) == [case.reference]


def test_a_second_incident_while_one_waits_adds_no_second_item(db, make, area, closed_repeat):
    Cases(db, make).incident(closed_repeat, by=area["owner"], days_ago=-132)
    assert len(db.session.scalars(select(RepeatReview)).all()) == 1
    assert len(repeats.repeats_to_confirm(area["coordinator"])) == 1


def test_only_the_areas_coordinators_see_and_decide_it(app, db, make, area, closed_repeat):
    (review,) = db.session.scalars(select(RepeatReview)).all()
    far = make.user(
        agency=make.agency(kind="other", area="Elsewhere MARAC"), roles=("coordinator",)
    )
    for user in (area["owner"], area["idva"], far):
        client = app.test_client()
        sign_in(client, user)
        assert client.get(f"/referrals/repeats/{review.id}").status_code == 404
        assert client.post(f"/referrals/repeats/{review.id}/dismiss").status_code == 404
        with pytest.raises(services.NotAllowed):
            repeats.dismiss(review, by=user, reason="Synthetic")
    assert repeats.repeats_to_confirm(far) == []


def test_the_coordinator_confirms_it_onto_the_next_meeting(app, db, area, closed_repeat, clock):
    coordinator = area["coordinator"]
    meeting = meetings.create_meeting(by=coordinator, held_on=date(2027, 3, 29))
    (review,) = db.session.scalars(select(RepeatReview)).all()
    client = app.test_client()
    sign_in(client, coordinator)
    page = client.get(f"/referrals/repeats/{review.id}").get_data(as_text=True)
    status = BeautifulSoup(page, "html.parser").find(attrs={"data-testid": "repeat-status"})
    assert status.get_text(strip=True) == "Repeat to confirm"
    response = client.post(
        f"/referrals/repeats/{review.id}/confirm", data={"confirm-meeting_id": str(meeting.id)}
    )
    assert response.status_code == 302

    db.session.expire_all()
    review = db.session.get(RepeatReview, review.id)
    assert review.status == RepeatStatus.CONFIRMED
    referral = db.session.get(Referral, review.referral_id)
    assert (referral.status, referral.meeting_id, referral.is_repeat) == (
        ReferralStatus.ACCEPTED,
        meeting.id,
        True,
    )
    assert Criterion.REPEAT.value in referral.criteria
    case = db.session.get(Case, review.case_id)
    assert (case.status, case.closed_on) == (CaseStatus.REFERRED, None)
    assert [c.case_id for c in services.accepted_onto(meeting)] == [case.id]
    (event,) = ledger(db, "repeat.confirm")
    assert event["user_id"] == str(coordinator.id)
    assert queue_rows(client) == []
    # Decided once: no second decision.
    assert client.post(f"/referrals/repeats/{review.id}/dismiss").status_code == 404
    assert_ledger_verifies(app, db)


def test_the_coordinator_dismisses_it_with_a_reason(app, db, area, closed_repeat):
    (review,) = db.session.scalars(select(RepeatReview)).all()
    client = app.test_client()
    sign_in(client, area["coordinator"])
    refused = client.post(f"/referrals/repeats/{review.id}/dismiss", data={"dismiss-reason": ""})
    assert refused.status_code == 200
    errors = BeautifulSoup(refused.get_data(as_text=True), "html.parser").select(
        ".govuk-error-summary__list a"
    )
    assert [e.get_text(strip=True) for e in errors] == ["Enter why the repeat is being dismissed"]
    done = client.post(
        f"/referrals/repeats/{review.id}/dismiss", data={"dismiss-reason": SECRET_REASON}
    )
    assert done.status_code == 302
    db.session.expire_all()
    review = db.session.get(RepeatReview, review.id)
    assert review.status == RepeatStatus.DISMISSED
    assert review.dismissed_reason == SECRET_REASON
    assert SECRET_REASON.encode() not in review.dismissed_reason_ct
    (event,) = ledger(db, "repeat.dismiss")
    assert SECRET_REASON not in repr(event)
    assert db.session.get(Case, review.case_id).is_repeat  # the flag stays
    assert queue_rows(client) == []
