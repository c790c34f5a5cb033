"""Actions: agreed in conference, updated by the owner, overdue from the day after."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from emarac.actions import services as actions
from emarac.actions.models import Action
from emarac.notifications.models import Notification
from tests.conftest import sign_in


def test_coordinator_adds_an_action_in_conference(client, db, held):
    coordinator, meeting, case = held["coordinator"], held["meeting"], held["case"]
    sign_in(client, coordinator)
    client.post(f"/meetings/{meeting.id}/attend")
    response = client.post(
        f"/meetings/{meeting.id}/cases/{case.id}/actions",
        data={
            "description": "Install a synthetic door alarm",
            "owner_agency_id": str(held["housing"].agency_id),
            "due_on": ["10", "11", "2026"],
        },
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Install a synthetic door alarm" in page
    told = db.session.scalars(
        select(Notification.kind).where(
            Notification.user_id == held["housing"].id, Notification.kind == "action.new"
        )
    ).all()
    assert told == ["action.new"]


def test_overdue_from_the_day_after_the_due_date(client, db, held, clock):
    action = actions.add_action(
        held["case"],
        by=held["coordinator"],
        meeting=held["meeting"],
        owner_agency_id=held["housing"].agency_id,
        description="Synthetic check",
        due_on=date(2026, 11, 5),
    )
    clock.advance(days=3)  # 5 November: due today, not overdue
    sign_in(client, held["housing"])
    assert 'data-testid="overdue"' not in client.get("/actions/").get_data(as_text=True)
    clock.advance(days=1)  # 6 November: the day after
    sign_in(client, held["housing"])
    page = client.get("/actions/").get_data(as_text=True)
    assert 'data-testid="overdue"' in page
    assert action.is_overdue(date(2026, 11, 6))


def test_owner_marks_done_and_the_tracker_updates(client, db, held):
    action = actions.add_action(
        held["case"],
        by=held["coordinator"],
        meeting=held["meeting"],
        owner_agency_id=held["housing"].agency_id,
        description="Synthetic task",
        due_on=date(2026, 11, 20),
    )
    sign_in(client, held["housing"])
    refused = client.post(f"/actions/{action.id}", data={"status": "cannot", "note": ""})
    assert "Enter why the action cannot be done" in refused.get_data(as_text=True)
    done = client.post(f"/actions/{action.id}", data={"status": "done", "note": "Fitted"})
    assert done.status_code == 302
    db.session.refresh(action)
    assert (action.status, action.completion_note) == ("done", "Fitted")
    assert "Done" in client.get("/actions/").get_data(as_text=True)


def test_coordinator_chases_and_strangers_see_nothing(client, app, db, held, clock):
    action = actions.add_action(
        held["case"],
        by=held["coordinator"],
        meeting=held["meeting"],
        owner_agency_id=held["housing"].agency_id,
        description="Synthetic",
        due_on=date(2026, 11, 3),
    )
    clock.advance(days=2)  # 4 November: overdue
    sign_in(client, held["coordinator"])
    assert client.post(f"/actions/{action.id}/chase").status_code == 302
    chased = db.session.scalars(
        select(Notification.kind).where(
            Notification.user_id == held["housing"].id, Notification.kind == "action.chase"
        )
    ).all()
    assert chased == ["action.chase"]
    stranger = app.test_client()
    sign_in(stranger, held["outsider"])
    assert stranger.get(f"/actions/{action.id}").status_code == 404
    assert "Synthetic" not in stranger.get("/actions/").get_data(as_text=True)
    assert db.session.scalar(select(Action.description_ct)) is not None
