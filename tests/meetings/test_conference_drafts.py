"""Conference mode never loses a word: what the chair types is kept as a draft
through adding an action, a refused save, moving to another case and signing in again."""

from __future__ import annotations

from bs4 import BeautifulSoup
from sqlalchemy import select

from emarac.actions.models import Action
from emarac.auditing import ledger_table
from tests.conftest import sign_in
from tests.meetings.test_conference import session_ready  # noqa: F401 - a fixture

SUMMARY = "Synthetic summary typed before adding an action"


def at_first_case(client, ready):
    """The coordinator, signed in, at the agenda's first case: (meeting, case id)."""
    meeting = ready["meeting"]
    sign_in(client, ready["coordinator"])
    return meeting, meeting.items[0].case_id


def _page(client, meeting, case_id):
    response = client.get(f"/meetings/{meeting.id}/cases/{case_id}/conference")
    assert response.status_code == 200
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def _typed(page):
    discussion = page.select_one("textarea[name=discussion]").get_text()
    checked = page.select_one("input[name=agreed_risk][checked]")
    return discussion.strip(), checked["value"] if checked else None


def _action(meeting, **changes):
    owner_agency = meeting.invites[0].agency_id
    return {
        "description": "Synthetic action: fit a door alarm",
        "owner_agency_id": str(owner_agency),
        "due_on": ["9", "11", "2026"],
        **changes,
    }


def test_adding_an_action_keeps_the_decision_typed_so_far(client, db, session_ready):  # noqa: F811
    meeting, case_id = at_first_case(client, session_ready)
    response = client.post(
        f"/meetings/{meeting.id}/cases/{case_id}/actions",
        data={**_action(meeting), "discussion": SUMMARY, "agreed_risk": "high"},
    )
    assert response.status_code == 302
    assert db.session.scalars(select(Action)).one().description.startswith("Synthetic action")
    assert _typed(_page(client, meeting, case_id)) == (SUMMARY, "high")
    db.session.expire_all()
    assert meeting.items[0].heard_at is None  # a draft is not the meeting's decision


def test_a_refused_action_keeps_the_action_and_the_decision(client, db, session_ready):  # noqa: F811
    meeting, case_id = at_first_case(client, session_ready)
    response = client.post(
        f"/meetings/{meeting.id}/cases/{case_id}/actions",
        data={**_action(meeting, due_on=["1", "11", "2026"]), "discussion": SUMMARY},
    )
    assert response.status_code == 400
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert "after the meeting" in page.get_text()
    assert (
        "Synthetic action: fit a door alarm"
        in page.select_one("textarea[name=description]").get_text()
    )
    assert _typed(page) == (SUMMARY, None)
    assert _typed(_page(client, meeting, case_id)) == (SUMMARY, None)


def test_saving_the_case_with_an_action_not_added_is_refused_and_keeps_both(
    client,
    db,
    session_ready,  # noqa: F811
):
    meeting, case_id = at_first_case(client, session_ready)
    response = client.post(
        f"/meetings/{meeting.id}/cases/{case_id}/record",
        data={**_action(meeting), "discussion": SUMMARY, "agreed_risk": "medium"},
    )
    assert response.status_code == 400
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert "Add this action first" in page.get_text()
    assert "fit a door alarm" in page.select_one("textarea[name=description]").get_text()
    assert _typed(page) == (SUMMARY, "medium")
    db.session.expire_all()
    assert meeting.items[0].heard_at is None


def test_the_draft_survives_moving_away_and_signing_in_again(
    client,
    app,
    db,
    clock,
    session_ready,  # noqa: F811
):
    s = session_ready
    meeting = s["meeting"]
    sign_in(client, s["coordinator"])
    first, second = (item.case_id for item in meeting.items)
    response = client.post(
        f"/meetings/{meeting.id}/cases/{first}/draft",
        data={"discussion": SUMMARY, "agreed_risk": "standard"},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 200
    assert response.get_json() == {"saved": True}
    _page(client, meeting, second)
    clock.advance(minutes=20)  # signed out for being idle; a new security code
    again = app.test_client()
    sign_in(again, s["coordinator"])
    page = _page(again, meeting, first)
    assert _typed(page) == (SUMMARY, "standard")
    assert "Draft kept at" in page.select_one("[data-testid=draft-status]").get_text()
    events = db.session.execute(
        select(ledger_table.c.action, ledger_table.c.fields).where(
            ledger_table.c.action == "conference.draft"
        )
    ).all()
    assert len(events) == 1
    assert SUMMARY not in str(events)


def test_save_draft_without_javascript_returns_to_the_case(client, db, session_ready):  # noqa: F811
    meeting, case_id = at_first_case(client, session_ready)
    response = client.post(
        f"/meetings/{meeting.id}/cases/{case_id}/draft", data={"discussion": SUMMARY}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/cases/{case_id}/conference#record")
    assert _typed(_page(client, meeting, case_id)) == (SUMMARY, None)


def test_recording_the_decision_clears_the_draft(client, db, session_ready):  # noqa: F811
    meeting, case_id = at_first_case(client, session_ready)
    client.post(f"/meetings/{meeting.id}/cases/{case_id}/draft", data={"discussion": "Early words"})
    response = client.post(
        f"/meetings/{meeting.id}/cases/{case_id}/record",
        data={"discussion": "The decision, synthetic", "agreed_risk": "high"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    item = meeting.items[0]
    assert (item.discussion, item.agreed_risk) == ("The decision, synthetic", "high")
    assert item.draft_saved_at is None
    assert item.draft_discussion is None


def test_a_draft_with_hidden_characters_is_refused(client, db, session_ready):  # noqa: F811
    meeting, case_id = at_first_case(client, session_ready)
    response = client.post(
        f"/meetings/{meeting.id}/cases/{case_id}/draft",
        data={"discussion": "Synthetic \u202e reversed"},
    )
    assert response.status_code == 400
    db.session.expire_all()
    assert meeting.items[0].draft_saved_at is None


def test_practitioners_cannot_keep_a_draft(client, db, session_ready):  # noqa: F811
    s = session_ready
    meeting = s["meeting"]
    sign_in(client, s["owner"])
    case_id = meeting.items[0].case_id
    response = client.post(
        f"/meetings/{meeting.id}/cases/{case_id}/draft", data={"discussion": SUMMARY}
    )
    assert response.status_code == 404
    db.session.expire_all()
    assert meeting.items[0].draft_saved_at is None
