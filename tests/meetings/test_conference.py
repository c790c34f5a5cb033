"""Conference mode, minutes and their distribution, print views, and case closure."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from emarac.actions import services as actions
from emarac.actions.models import ActionStatus
from emarac.auditing import ledger_table
from emarac.cases import closure
from emarac.cases.models import CaseStatus
from emarac.meetings import conference
from emarac.meetings import services as meetings
from emarac.meetings.models import MeetingStatus, Minutes
from emarac.notifications.models import Notification
from emarac.referrals import services as referrals
from tests.conftest import assert_ledger_verifies, sign_in
from tests.factories import send_minutes
from tests.meetings.test_agenda import refer, setup_area


@pytest.fixture
def session_ready(db, make, clock):
    """A released agenda of two cases; the owner and housing attended."""
    owner, housing_worker, coordinator, outsider = setup_area(make)
    meeting = meetings.create_meeting(by=coordinator, held_on=date(2026, 11, 2))
    cases = []
    for _ in range(2):
        case, referral = refer(db, make, owner)
        referrals.accept(referral, by=coordinator, meeting=meeting)
        cases.append(case)
    meetings.release_agenda(meeting, by=coordinator)
    for user in (owner, housing_worker, coordinator):
        meetings.accept_confidentiality(meeting, by=user)
    return {
        "owner": owner,
        "housing": housing_worker,
        "coordinator": coordinator,
        "outsider": outsider,
        "cases": cases,
        "meeting": meeting,
    }


def hear_all(meeting, coordinator):
    for item in meeting.items:
        conference.record_discussion(
            meeting,
            item,
            by=coordinator,
            discussion=f"Synthetic discussion of {item.case.reference}",
            agreed_risk="high",
        )


def test_the_chair_records_each_case_and_the_case_is_heard(client, db, session_ready):
    s = session_ready
    meeting, case = s["meeting"], s["cases"][0]
    sign_in(client, s["coordinator"])
    first, second = (item.case_id for item in meeting.items)
    response = client.post(
        f"/meetings/{meeting.id}/cases/{first}/record",
        data={"discussion": "Synthetic summary: safety plan agreed", "agreed_risk": "medium"},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(
        f"/meetings/{meeting.id}/cases/{second}/conference"
    )
    db.session.expire_all()
    item = next(i for i in meeting.items if i.case_id == first)
    assert item.discussion == "Synthetic summary: safety plan agreed"
    assert item.heard_at is not None
    assert item.case.risk_level == "medium"
    assert item.case.status == CaseStatus.HEARD
    assert meeting.status == MeetingStatus.IN_SESSION
    assert case.id in {first, second}


def test_a_failed_record_keeps_what_the_chair_typed(client, db, session_ready):
    s = session_ready
    meeting = s["meeting"]
    sign_in(client, s["coordinator"])
    case_id = meeting.items[0].case_id
    response = client.post(
        f"/meetings/{meeting.id}/cases/{case_id}/record",
        data={"discussion": "Half-written synthetic note", "agreed_risk": ""},
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Choose the risk level the meeting agreed" in page
    assert "Half-written synthetic note" in page
    db.session.expire_all()
    assert meeting.items[0].heard_at is None


def test_practitioners_cannot_record_the_conference(client, db, session_ready):
    s = session_ready
    meeting = s["meeting"]
    sign_in(client, s["housing"])
    case_id = meeting.items[0].case_id
    page = client.get(f"/meetings/{meeting.id}/cases/{case_id}/conference").get_data(as_text=True)
    assert "The meeting&#39;s decision" not in page
    assert "meeting's decision" not in page
    response = client.post(
        f"/meetings/{meeting.id}/cases/{case_id}/record",
        data={"discussion": "Synthetic", "agreed_risk": "high"},
    )
    assert response.status_code == 404


def test_minutes_wait_until_every_case_is_heard(db, session_ready):
    s = session_ready
    meeting = s["meeting"]
    item = meeting.items[0]
    conference.record_discussion(
        meeting, item, by=s["coordinator"], discussion="Synthetic", agreed_risk="high"
    )
    with pytest.raises(ValueError, match="1 case on the agenda not heard yet"):
        send_minutes(meeting, coordinator=s["coordinator"])
    assert db.session.scalars(select(Minutes)).all() == []


def test_minutes_go_to_attendees_but_never_to_the_must_not_receive_list(
    app, client, db, make, session_ready
):
    s = session_ready
    meeting, excluded_case, other_case = s["meeting"], s["cases"][0], s["cases"][1]
    # A second housing officer attends too, but is related to the perpetrator
    # of one case: their agency attended, they must still not receive it.
    related = make.user(agency=s["housing"].agency)
    meetings.accept_confidentiality(meeting, by=related)
    closure.add_exclusion(
        excluded_case,
        by=s["coordinator"],
        choice=f"user:{related.id}",
        reason="Synthetic: related to the perpetrator",
    )
    hear_all(meeting, s["coordinator"])
    produced = send_minutes(meeting, coordinator=s["coordinator"])
    assert meeting.status == MeetingStatus.MINUTED
    by_case = {m.case_id: m for m in produced}

    withheld = by_case[excluded_case.id]
    recipients = {d.user_id for d in withheld.distributions}
    assert recipients == {s["owner"].id, s["housing"].id, s["coordinator"].id}
    assert related.id not in recipients
    assert related.id in {d.user_id for d in by_case[other_case.id].distributions}
    assert s["outsider"].id not in recipients  # never attended

    # Each send is a recorded disclosure; the withheld one is recorded too.
    ledger = ledger_table
    events = db.session.execute(
        select(ledger.c.action, ledger.c.recipient).where(ledger.c.object_id == str(withheld.id))
    ).all()
    sent = {r for a, r in events if a == "minutes.distribute"}
    assert sent == {
        f"user:{u.id} agency:{u.agency_id}" for u in (s["owner"], s["housing"], s["coordinator"])
    }
    assert ("minutes.withhold", f"user:{related.id} agency:{related.agency_id}") in events

    # The related officer cannot open those minutes nor see them listed,
    # but does get the other case's.
    sign_in(client, related)
    assert client.get(f"/meetings/minutes/{withheld.id}").status_code == 404
    assert client.get(f"/meetings/minutes/{withheld.id}/print").status_code == 404
    listing = client.get("/meetings/minutes").get_data(as_text=True)
    assert excluded_case.reference not in listing
    assert other_case.reference in listing
    told = db.session.scalars(
        select(Notification.case_id).where(
            Notification.user_id == related.id, Notification.kind == "minutes.distributed"
        )
    ).all()
    assert told == [other_case.id]
    assert_ledger_verifies(app, db)


def test_an_excluded_agency_gets_no_minutes_and_no_conference_content(client, db, session_ready):
    s = session_ready
    meeting, case = s["meeting"], s["cases"][0]
    closure.add_exclusion(
        case,
        by=s["coordinator"],
        choice=f"agency:{s['housing'].agency_id}",
        reason="Synthetic: the perpetrator works there",
    )
    sign_in(client, s["housing"])
    page = client.get(f"/meetings/{meeting.id}/cases/{case.id}/conference").get_data(as_text=True)
    assert 'data-testid="withheld"' in page
    assert case.victim.display_name not in page
    assert client.get(f"/meetings/{meeting.id}/cases/{case.id}/research").status_code == 404
    assert client.get(f"/cases/{case.id}").status_code == 404
    hear_all(meeting, s["coordinator"])
    minutes = {m.case_id: m for m in send_minutes(meeting, coordinator=s["coordinator"])}
    assert s["housing"].id not in {d.user_id for d in minutes[case.id].distributions}


def test_minutes_and_agenda_print_with_a_watermark_and_are_audited(
    app, client, db, session_ready, clock
):
    s = session_ready
    meeting = s["meeting"]
    hear_all(meeting, s["coordinator"])
    minutes = send_minutes(meeting, coordinator=s["coordinator"])[0]
    sign_in(client, s["housing"])
    # The header names the reader on every page: look at the watermark itself.
    reader = s["housing"]
    when = f"{clock.now:%-d %b %Y %H:%M} UTC"
    mark = f'data-text="{reader.full_name} · {reader.agency.name} · {when}"'
    page = client.get(f"/meetings/minutes/{minutes.id}/print").get_data(as_text=True)
    assert mark in page
    assert "Synthetic discussion of" in page
    agenda = client.get(f"/meetings/{meeting.id}/agenda/print").get_data(as_text=True)
    assert mark in agenda
    ledger = ledger_table
    actions_seen = set(
        db.session.scalars(select(ledger.c.action).where(ledger.c.user_id == str(s["housing"].id)))
    )
    assert {"minutes.print", "meeting.agenda_print"} <= actions_seen
    assert_ledger_verifies(app, db)


def test_a_case_closes_once_heard_and_actions_are_finished(client, db, session_ready, clock):
    s = session_ready
    meeting, case = s["meeting"], s["cases"][0]
    with pytest.raises(ValueError, match="not been heard"):
        closure.close_case(case, by=s["coordinator"])
    item = next(i for i in meeting.items if i.case_id == case.id)
    conference.record_discussion(
        meeting, item, by=s["coordinator"], discussion="Synthetic", agreed_risk="high"
    )
    action = actions.add_action(
        case,
        by=s["coordinator"],
        meeting=meeting,
        owner_agency_id=s["housing"].agency_id,
        description="Synthetic lock change",
        due_on=date(2026, 11, 20),
    )
    assert case.status == CaseStatus.ACTIONS_OPEN
    with pytest.raises(ValueError, match="1 action is still open"):
        closure.close_case(case, by=s["coordinator"])

    # The housing officer can see the case through the agenda until it closes.
    sign_in(client, s["housing"])
    assert client.get(f"/cases/{case.id}").status_code == 200
    actions.update_action(action, by=s["housing"], status=ActionStatus.DONE, note=None)
    assert case.status == CaseStatus.HEARD
    with pytest.raises(closure.NotAllowed):
        closure.close_case(case, by=s["owner"])  # only the coordinator closes

    coordinator_client = client.application.test_client()
    sign_in(coordinator_client, s["coordinator"])
    response = coordinator_client.post(f"/cases/{case.id}/close")
    assert response.status_code == 302
    db.session.expire_all()
    assert case.status == CaseStatus.CLOSED
    assert case.closed_on == clock.now.date()
    assert case.review_on == case.closed_on.replace(year=case.closed_on.year + 6)
    assert client.get(f"/cases/{case.id}").status_code == 404  # the agenda grant ends


def test_review_date_on_29_february():
    assert closure.review_date(date(2028, 2, 29), 6) == date(2034, 2, 28)


def test_coordinator_reorders_the_agenda(client, db, session_ready):
    s = session_ready
    meeting = s["meeting"]
    first, second = (i.case_id for i in meeting.items)
    sign_in(client, s["coordinator"])
    client.post(f"/meetings/{meeting.id}/agenda/{second}/move", data={"direction": "up"})
    db.session.expire_all()
    assert [i.case_id for i in meeting.items] == [second, first]
    meetings.build_agenda(meeting)  # viewing again keeps the coordinator's order
    assert [i.case_id for i in meeting.items] == [second, first]


def test_meeting_details_are_kept_and_bad_ones_explained(client, login_as, db, make, clock):
    agency = make.agency(kind="other", area="Detailshire MARAC")
    chair = make.user(agency=agency, roles=("chair",))
    login_as("coordinator", agency=agency)
    response = client.post(
        "/meetings/new",
        data={
            "held_on": ["14", "12", "2026"],
            "starts_at": "ten o'clock",
            "place": "Committee Room 2 (synthetic)",
            "online_link": "http://insecure.example.test",
            "chair_id": str(chair.id),
        },
    )
    page = response.get_data(as_text=True)
    assert "Enter the start time like 10:00 or 14:30" in page
    assert "Enter a link starting with https://" in page
    assert "Committee Room 2 (synthetic)" in page
    response = client.post(
        "/meetings/new",
        data={
            "held_on": ["14", "12", "2026"],
            "starts_at": "10:00",
            "place": "Committee Room 2 (synthetic)",
            "online_link": "https://meet.example.test/marac",
            "chair_id": str(chair.id),
        },
    )
    assert response.status_code == 302
    details = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "10:00" in details
    assert chair.full_name in details


def test_every_step_of_a_meeting_is_audited_and_the_ledger_verifies(
    app, client, db, make, session_ready
):
    s = session_ready
    meeting, case = s["meeting"], s["cases"][0]
    sign_in(client, s["housing"])
    client.get(f"/meetings/{meeting.id}")
    client.post(
        f"/meetings/{meeting.id}/cases/{case.id}/research",
        data={"about_victim": "Synthetic tenancy note"},
    )
    client.get(f"/meetings/{meeting.id}/cases/{case.id}/research")
    client.get(f"/meetings/{meeting.id}/cases/{case.id}/conference")
    chair = app.test_client()
    sign_in(chair, s["coordinator"])
    for item in meeting.items:
        chair.post(
            f"/meetings/{meeting.id}/cases/{item.case_id}/actions",
            data={
                "description": "Synthetic action",
                "owner_agency_id": str(s["housing"].agency_id),
                "due_on": ["10", "1", "2027"],
            },
        )
        chair.post(
            f"/meetings/{meeting.id}/cases/{item.case_id}/record",
            data={"discussion": "Synthetic discussion", "agreed_risk": "high"},
        )
    chair.post(f"/meetings/{meeting.id}/minutes")  # the coordinator drafts the minutes
    approver = app.test_client()
    sign_in(approver, make.user(agency=s["coordinator"].agency, roles=("chair",)))
    approver.post(f"/meetings/{meeting.id}/minutes/approve")
    chair.post(f"/meetings/{meeting.id}/minutes/send")
    minutes = db.session.scalars(select(Minutes).where(Minutes.case_id == case.id)).one()
    client.get(f"/meetings/minutes/{minutes.id}")
    client.get(f"/meetings/minutes/{minutes.id}/print")
    client.get(f"/meetings/{meeting.id}/agenda/print")

    ledger = ledger_table
    recorded = set(db.session.scalars(select(ledger.c.action)))
    assert {
        "meeting.view",
        "research.save",
        "research.view",
        "case.view",
        "action.create",
        "conference.record",
        "minutes.draft",
        "minutes.approve",
        "minutes.distribute",
        "meeting.minuted",
        "minutes.view",
        "minutes.print",
        "meeting.agenda_print",
    } <= recorded
    # No personal data in the trail: the discussion and research text never appear.
    texts = " ".join(
        str(v) for row in db.session.execute(select(ledger)).all() for v in row if v is not None
    )
    assert "Synthetic tenancy note" not in texts
    assert "Synthetic discussion" not in texts
    assert_ledger_verifies(app, db)


def test_closing_the_meeting_locks_research_but_not_the_cases(client, db, session_ready):
    s = session_ready
    meeting, case = s["meeting"], s["cases"][0]
    hear_all(meeting, s["coordinator"])
    send_minutes(meeting, coordinator=s["coordinator"])
    with pytest.raises(meetings.NotAllowed):
        meetings.close_meeting(meeting, by=s["owner"])
    coordinator = client.application.test_client()
    sign_in(coordinator, s["coordinator"])
    assert coordinator.post(f"/meetings/{meeting.id}/close").status_code == 302
    db.session.expire_all()
    assert meeting.status == MeetingStatus.CLOSED
    sign_in(client, s["housing"])
    assert client.get(f"/meetings/{meeting.id}/cases/{case.id}/research").status_code == 404
    assert client.get(f"/cases/{case.id}").status_code == 200  # the case is still open
