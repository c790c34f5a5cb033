"""Each update of an action is kept, and the action page lists them newest first."""

from __future__ import annotations

from bs4 import BeautifulSoup
from sqlalchemy import select

from emarac.actions.models import ActionUpdate
from emarac.auditing import ledger_table
from tests.conftest import sign_in


def history(page: str) -> list[list[str]]:
    table = BeautifulSoup(page, "html.parser").find(attrs={"data-testid": "history"})
    return [
        [td.get_text(" ", strip=True) for td in tr.find_all("td")]
        for tr in table.tbody.find_all("tr")
    ]


def test_every_update_is_kept_newest_first_with_names(client, app, db, make, held, agree, clock):
    action = agree("Synthetic door alarm")
    first = held["housing"]
    second = make.user(agency=first.agency)
    sign_in(client, first)
    client.post(f"/actions/{action.id}", data={"status": "cannot", "note": "No access yet"})
    clock.advance(days=1)
    other = app.test_client()
    sign_in(other, second)
    assert (
        other.post(f"/actions/{action.id}", data={"status": "done", "note": "Fitted"}).status_code
        == 302
    )

    stored = db.session.scalars(
        select(ActionUpdate)
        .where(ActionUpdate.action_id == action.id)
        .order_by(ActionUpdate.number)
    ).all()
    assert [(u.number, u.status, u.note, u.by_id) for u in stored] == [
        (1, "cannot", "No access yet", first.id),
        (2, "done", "Fitted", second.id),
    ]
    assert all(u.note_ct and b"Fitted" not in u.note_ct for u in stored)

    rows = history(other.get(f"/actions/{action.id}").get_data(as_text=True))
    agency, coordinator = first.agency.name, held["coordinator"]
    assert rows == [
        ["3 November 2026, 09:00", f"{second.full_name}, {agency}", "Done", "Fitted"],
        ["2 November 2026, 09:00", f"{first.full_name}, {agency}", "Cannot be done",
         "No access yet"],
        ["2 November 2026, 09:00", f"{coordinator.full_name}, {coordinator.agency.name}",
         "Agreed", ""],
    ]  # fmt: skip
    viewed = db.session.scalars(
        select(ledger_table.c.fields).where(
            ledger_table.c.action == "action.view", ledger_table.c.object_id == str(action.id)
        )
    ).all()
    assert viewed
    assert all("history" in fields for fields in viewed)


def test_a_refused_update_keeps_no_history(client, db, held, agree):
    action = agree()
    sign_in(client, held["housing"])
    refused = client.post(f"/actions/{action.id}", data={"status": "cannot", "note": ""})
    assert refused.status_code == 400
    assert db.session.scalars(select(ActionUpdate)).all() == []
    coordinator_post = client.application.test_client()
    sign_in(coordinator_post, held["coordinator"])  # follows the action, does not own it
    response = coordinator_post.post(f"/actions/{action.id}", data={"status": "done", "note": ""})
    assert response.status_code == 404
    assert db.session.scalars(select(ActionUpdate)).all() == []
