"""The coordinator controls the meeting: its details and invitees, and a confirmation
before the agenda is released or the minutes are sent."""

from __future__ import annotations

from datetime import date

from bs4 import BeautifulSoup
from sqlalchemy import select

from emarac.auditing import ledger_table
from emarac.meetings import services as meetings
from emarac.meetings.models import MeetingStatus
from emarac.notifications.models import Notification
from tests.conftest import sign_in
from tests.meetings.test_agenda import setup_area
from tests.meetings.test_conference import session_ready  # noqa: F401 - a fixture


def _form(meeting, **changes):
    data = {
        "held_on": ["15", "12", "2026"],
        "starts_at": "14:30",
        "place": "Room 4 (synthetic)",
        "online_link": "",
        "chair_id": "",
        "coordinator_id": "",
        "invited": [str(i.agency_id) for i in meeting.invites],
    }
    data.update(changes)
    return data


def test_the_coordinator_changes_the_details_and_who_is_invited(client, db, make, clock):
    owner, housing, coordinator, _ = setup_area(make)
    meeting = meetings.create_meeting(by=coordinator, held_on=date(2026, 12, 14))
    sign_in(client, coordinator)
    page = BeautifulSoup(client.get(f"/meetings/{meeting.id}/edit").data, "html.parser")
    assert page.select_one("input[name=held_on]")["value"] == "14"
    keep = str(owner.agency_id)
    response = client.post(f"/meetings/{meeting.id}/edit", data=_form(meeting, invited=[keep]))
    assert response.status_code == 302
    db.session.expire_all()
    assert meeting.held_on == date(2026, 12, 15)
    assert meeting.starts_at.strftime("%H:%M") == "14:30"
    assert meeting.place == "Room 4 (synthetic)"
    assert [i.agency_id for i in meeting.invites] == [owner.agency_id]
    event = db.session.execute(
        select(ledger_table.c.fields).where(ledger_table.c.action == "meeting.update")
    ).scalar_one()
    assert "invites" in str(event)
    assert "Room 4" not in str(event)


def test_a_bad_change_is_explained_and_everything_typed_kept(client, db, make, clock):
    _, _, coordinator, _ = setup_area(make)
    meeting = meetings.create_meeting(by=coordinator, held_on=date(2026, 12, 14))
    sign_in(client, coordinator)
    response = client.post(
        f"/meetings/{meeting.id}/edit",
        data=_form(meeting, starts_at="25:99", invited=[], place="Kept place (synthetic)"),
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Enter the start time like 10:00 or 14:30" in page
    assert "Choose at least one agency of the area to invite" in page
    assert "Kept place (synthetic)" in page
    assert 'value="25:99"' in page
    db.session.expire_all()
    assert meeting.place is None


def test_an_agency_invited_after_release_is_told(client, db, make, clock):
    owner, housing, coordinator, _ = setup_area(make)
    meeting = meetings.create_meeting(by=coordinator, held_on=date(2026, 12, 14))
    meetings.update_meeting(
        meeting,
        meetings.MeetingDetails(
            held_on=meeting.held_on,
            starts_at=None,
            place=None,
            online_link=None,
            chair_id=None,
            coordinator_id=coordinator.id,
            invited=frozenset({owner.agency_id}),
        ),
        by=coordinator,
    )
    meetings.release_agenda(meeting, by=coordinator)
    sign_in(client, coordinator)
    invited = [str(owner.agency_id), str(housing.agency_id)]
    assert (
        client.post(
            f"/meetings/{meeting.id}/edit", data=_form(meeting, invited=invited)
        ).status_code
        == 302
    )
    told = db.session.scalars(
        select(Notification.user_id).where(Notification.kind == "meeting.agenda")
    ).all()
    assert housing.id in told


def test_others_cannot_change_a_meeting_and_nobody_once_in_session(
    client,
    app,
    db,
    make,
    clock,
    session_ready,  # noqa: F811
):
    s = session_ready
    meeting = s["meeting"]
    sign_in(client, s["owner"])
    assert client.get(f"/meetings/{meeting.id}/edit").status_code == 404
    coordinator = app.test_client()
    sign_in(coordinator, s["coordinator"])
    assert coordinator.get(f"/meetings/{meeting.id}/edit").status_code == 200
    meeting.status = MeetingStatus.IN_SESSION
    db.session.commit()
    assert coordinator.get(f"/meetings/{meeting.id}/edit").status_code == 404


def test_someone_already_attending_is_not_asked_to_agree_again(client, db, session_ready):  # noqa: F811
    s = session_ready
    meeting = s["meeting"]
    sign_in(client, s["coordinator"])
    page = client.get(f"/meetings/{meeting.id}/attend").get_data(as_text=True)
    assert "I agree" not in page
    assert "Go to the first case" in page
