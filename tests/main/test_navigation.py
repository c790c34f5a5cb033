"""The header's navigation: worked out once per page, however many fields the page renders."""

from __future__ import annotations

from bs4 import BeautifulSoup
from sqlalchemy import event

from emarac.notifications import services
from tests.factories import Cases


def test_the_checklist_counts_unread_notices_once(client, login_as, db, make, clock):
    # Each field of the checklist form is rendered through a template of its own,
    # which runs the context processors again; the count must not follow them.
    user = login_as("practitioner")
    case = Cases(db, make).open(by=user)
    services.to_users([user], case=None, kind="test.notice", text="Synthetic notice")
    db.session.commit()
    counts: list[str] = []

    def watch(conn, cursor, statement, parameters, context, executemany):
        if "count(" in statement.lower() and "notification" in statement.lower():
            counts.append(statement)

    event.listen(db.engine, "before_cursor_execute", watch)
    try:
        response = client.get(f"/cases/{case.id}/risk/new")
    finally:
        event.remove(db.engine, "before_cursor_execute", watch)

    assert response.status_code == 200
    page = BeautifulSoup(response.data, "html.parser")
    assert len(page.select("input[type=radio]")) > 50  # a page of many rendered fields
    assert "Notifications (1)" in page.get_text()
    assert len(counts) == 1


def test_the_count_is_fresh_on_the_next_page(client, login_as, db, clock):
    user = login_as("practitioner")
    assert "Notifications (" not in client.get("/").get_data(as_text=True)
    services.to_users([user], case=None, kind="test.notice", text="Synthetic notice")
    db.session.commit()
    assert "Notifications (1)" in client.get("/").get_data(as_text=True)
