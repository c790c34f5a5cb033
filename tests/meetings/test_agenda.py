"""Meetings: the agenda from accepted referrals, its release, and what it opens."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select

from emarac.cases.models import CaseStatus
from emarac.meetings import services as meetings
from emarac.notifications.models import Notification
from emarac.referrals import services as referrals
from emarac.referrals.models import Consent
from emarac.risk.rules import Criterion
from tests.conftest import sign_in
from tests.factories import Cases


def refer(db, make, user, *, case=None):
    case = case or Cases(db, make).open(by=user)
    criteria = referrals.criteria_for(case) | {Criterion.PROFESSIONAL_JUDGEMENT}
    return case, referrals.refer_case(
        case,
        by=user,
        data=referrals.ReferralInput(
            criteria=criteria,
            consent=Consent.GIVEN,
            risks="Synthetic",
            safety_measures="",
            judgement_reason="j",
        ),
    )


def setup_area(make):
    owner = make.user(agency=make.agency(name="Agenda Police (test)", area="Testshire MARAC"))
    housing = make.agency(name="Agenda Housing (test)", kind="housing", area="Testshire MARAC")
    coordinator = make.user(
        agency=make.agency(name="Agenda CSP (test)", kind="other", area="Testshire MARAC"),
        roles=("coordinator",),
    )
    outsider = make.user(
        agency=make.agency(name="Far Away Health (test)", kind="health", area="Elsewhere MARAC")
    )
    return owner, make.user(agency=housing), coordinator, outsider


def test_release_opens_the_cases_to_invited_agencies_until_closure(client, app, db, make, clock):
    owner, housing_worker, coordinator, outsider = setup_area(make)
    case, referral = refer(db, make, owner)
    meeting = meetings.create_meeting(by=coordinator, held_on=date(2026, 12, 14))
    referrals.accept(referral, by=coordinator, meeting=meeting)
    assert {i.agency_id for i in meeting.invites} >= {owner.agency_id, housing_worker.agency_id}
    assert outsider.agency_id not in {i.agency_id for i in meeting.invites}

    sign_in(client, housing_worker)
    assert client.get(f"/cases/{case.id}").status_code == 404  # not before release
    assert client.get(f"/meetings/{meeting.id}").status_code == 404

    meetings.release_agenda(meeting, by=coordinator)
    assert client.get(f"/cases/{case.id}").status_code == 200
    agenda = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert case.reference in agenda
    assert db.session.scalars(
        select(Notification.kind).where(Notification.user_id == housing_worker.id)
    ).all() == ["meeting.agenda"]

    stranger = app.test_client()
    sign_in(stranger, outsider)
    assert stranger.get(f"/meetings/{meeting.id}").status_code == 404
    assert stranger.get(f"/cases/{case.id}").status_code == 404

    case.status = CaseStatus.CLOSED
    db.session.commit()
    assert client.get(f"/cases/{case.id}").status_code == 404  # access ends with the case


def test_agenda_puts_repeats_first(db, make, clock):
    owner, _, coordinator, _ = setup_area(make)
    earlier = meetings.create_meeting(by=coordinator, held_on=date(2026, 11, 16))
    repeat_case, first = refer(db, make, owner)
    referrals.accept(first, by=coordinator, meeting=earlier)
    clock.advance(days=3)
    Cases(db, make).incident(repeat_case, by=owner, days_ago=-3)  # 4 November: a repeat
    meeting = meetings.create_meeting(by=coordinator, held_on=date(2026, 12, 14))
    plain_case, plain = refer(db, make, owner)
    _, repeat = refer(db, make, owner, case=repeat_case)
    assert repeat.is_repeat
    referrals.accept(plain, by=coordinator, meeting=meeting)
    referrals.accept(repeat, by=coordinator, meeting=meeting)
    meetings.build_agenda(meeting)
    assert [i.case_id for i in meeting.items] == [repeat_case.id, plain_case.id]


def test_coordinator_creates_and_releases_through_the_pages(client, login_as, make, db, clock):
    owner, _, _, _ = setup_area(make)
    agency = owner.agency
    login_as("coordinator", agency=agency)
    response = client.post("/meetings/new", data={"held_on": ["20", "12", "2026"]})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Release the agenda" in page
    meeting_id = response.headers["Location"].rsplit("/", 1)[-1]
    asked = client.post(f"/meetings/{meeting_id}/release")
    assert asked.status_code == 200
    assert "Yes, release the agenda" in asked.get_data(as_text=True)
    assert "Release the agenda" in client.get(f"/meetings/{meeting_id}").get_data(as_text=True)
    assert (
        client.post(f"/meetings/{meeting_id}/release", data={"confirmed": "yes"}).status_code == 302
    )
    assert "Release the agenda" not in client.get(f"/meetings/{meeting_id}").get_data(as_text=True)


def test_practitioners_cannot_create_or_release(client, login_as, make, db, clock):
    _, _, coordinator, _ = setup_area(make)
    meeting = meetings.create_meeting(by=coordinator, held_on=date(2026, 12, 14))
    login_as("practitioner", agency=coordinator.agency)
    assert client.get("/meetings/new").status_code == 404
    assert client.post(f"/meetings/{meeting.id}/release").status_code == 404


def test_invited_agencies_add_research_and_the_coordinator_sees_responses(
    client, app, db, make, clock
):
    owner, housing_worker, coordinator, outsider = setup_area(make)
    case, referral = refer(db, make, owner)
    meeting = meetings.create_meeting(by=coordinator, held_on=date(2026, 12, 14))
    referrals.accept(referral, by=coordinator, meeting=meeting)
    sign_in(client, housing_worker)
    url = f"/meetings/{meeting.id}/cases/{case.id}/research"
    assert client.get(url).status_code == 404  # not before the agenda is released
    meetings.release_agenda(meeting, by=coordinator)
    empty = client.post(url, data={})
    assert "holds no information" in empty.get_data(as_text=True)
    saved = client.post(url, data={"about_victim": "Tenancy held since 2020 (synthetic)"})
    assert saved.status_code == 302

    police = app.test_client()
    sign_in(police, owner)
    page = police.get(url).get_data(as_text=True)
    assert "Agenda Housing (test)" in page
    assert "Tenancy held since 2020 (synthetic)" in page
    police.post(url, data={"no_information": "y"})

    coordinator_client = app.test_client()
    sign_in(coordinator_client, coordinator)
    agenda = coordinator_client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert f"2 of {len(meeting.invites)} agencies" in agenda

    stranger = app.test_client()
    sign_in(stranger, outsider)
    assert stranger.get(url).status_code == 404


def test_research_text_is_encrypted(db, make, clock):
    from sqlalchemy import text

    owner, housing_worker, coordinator, _ = setup_area(make)
    case, referral = refer(db, make, owner)
    meeting = meetings.create_meeting(by=coordinator, held_on=date(2026, 12, 14))
    referrals.accept(referral, by=coordinator, meeting=meeting)
    meetings.release_agenda(meeting, by=coordinator)
    meetings.save_research(
        meeting,
        case.id,
        by=housing_worker,
        no_information=False,
        about_victim="Rent arrears noted (synthetic)",
        about_perpetrator=None,
        about_children=None,
    )
    with db.engine.connect() as conn:
        raw = conn.execute(text("SELECT * FROM research")).all()
    assert "Rent arrears" not in str(raw)


def test_no_case_content_before_the_confidentiality_statement(client, app, db, make, clock):
    owner, housing_worker, coordinator, _ = setup_area(make)
    case, referral = refer(db, make, owner)
    meeting = meetings.create_meeting(by=coordinator, held_on=date(2026, 12, 14))
    referrals.accept(referral, by=coordinator, meeting=meeting)
    meetings.release_agenda(meeting, by=coordinator)
    clock.now = datetime(2026, 12, 14, 9, 0, tzinfo=UTC)  # joining opens on the meeting's day
    sign_in(client, housing_worker)
    url = f"/meetings/{meeting.id}/cases/{case.id}/conference"
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/meetings/{meeting.id}/attend")
    statement = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Information shared at this meeting is confidential" in statement
    assert "Featherstonehaugh" not in statement
    joined = client.post(f"/meetings/{meeting.id}/attend")
    assert joined.headers["Location"].endswith(url)
    page = client.get(url).get_data(as_text=True)
    assert "Imogen Featherstonehaugh" in page
    assert "Case 1 of 1" in page
    register = client.get(f"/meetings/{meeting.id}/attend").get_data(as_text=True)
    assert "Agenda Housing (test)" in register


def test_attendance_only_for_released_meetings_of_invited_agencies(client, db, make, clock):
    owner, housing_worker, coordinator, outsider = setup_area(make)
    meeting = meetings.create_meeting(by=coordinator, held_on=date(2026, 12, 14))
    sign_in(client, housing_worker)
    assert client.get(f"/meetings/{meeting.id}/attend").status_code == 404
    meetings.release_agenda(meeting, by=coordinator)
    assert client.get(f"/meetings/{meeting.id}/attend").status_code == 200


def test_viewing_a_planned_meeting_changes_nothing_until_the_coordinator_builds(
    client, db, make, clock
):
    from bs4 import BeautifulSoup

    from emarac.auditing import ledger_table

    owner, _, coordinator, _ = setup_area(make)
    meeting = meetings.create_meeting(by=coordinator, held_on=date(2026, 12, 14))
    case, referral = refer(db, make, owner)
    referrals.accept(referral, by=coordinator, meeting=meeting)
    sign_in(client, coordinator)

    page = BeautifulSoup(client.get(f"/meetings/{meeting.id}").data, "html.parser")
    db.session.expire_all()
    assert meeting.items == []  # a GET builds nothing
    assert page.select_one("[data-testid=agenda-waiting]").get_text(strip=True).startswith("1 ")
    build = page.select_one(f"form[action='/meetings/{meeting.id}/agenda/build']")
    assert build is not None
    assert build.button.get_text(strip=True) == "Build the agenda"

    response = client.post(f"/meetings/{meeting.id}/agenda/build")
    assert response.status_code == 302
    db.session.expire_all()
    assert [i.case_id for i in meeting.items] == [case.id]
    builds = db.session.scalars(
        select(ledger_table.c.object_id).where(ledger_table.c.action == "meeting.agenda_build")
    ).all()
    assert builds == [str(meeting.id)]
    page = BeautifulSoup(client.get(f"/meetings/{meeting.id}").data, "html.parser")
    assert page.select_one("[data-testid=agenda-waiting]") is None
    assert case.reference in page.select_one("[data-testid=agenda]").get_text()


def test_only_the_coordinator_builds_and_only_before_release(client, db, make, clock):
    owner, _, coordinator, _ = setup_area(make)
    meeting = meetings.create_meeting(by=coordinator, held_on=date(2026, 12, 14))
    _, referral = refer(db, make, owner)
    referrals.accept(referral, by=coordinator, meeting=meeting)
    chair = make.user(agency=coordinator.agency, roles=("chair",))
    sign_in(client, chair)
    assert client.post(f"/meetings/{meeting.id}/agenda/build").status_code == 404
    db.session.expire_all()
    assert meeting.items == []

    meetings.release_agenda(meeting, by=coordinator)
    coordinator_client = client.application.test_client()
    sign_in(coordinator_client, coordinator)
    assert coordinator_client.post(f"/meetings/{meeting.id}/agenda/build").status_code == 404
