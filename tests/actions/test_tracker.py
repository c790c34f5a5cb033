"""The action tracker: the words to those allowed, filters kept filled in, bounded."""

from __future__ import annotations

from datetime import date

import pytest
from bs4 import BeautifulSoup

from emarac.cases import closure
from emarac.meetings import services as meetings
from emarac.referrals import services as referrals
from tests.conftest import sign_in
from tests.meetings.test_agenda import refer


def rows(page: str) -> list[dict[str, str]]:
    """The tracker's rows as {column header: cell text}; [] for the "none match" row."""
    table = BeautifulSoup(page, "html.parser").find(attrs={"data-testid": "tracker"})
    headers = [th.get_text(strip=True) for th in table.thead.find_all("th")]
    found = []
    for tr in table.tbody.find_all("tr", attrs={"data-testid": "action-row"}):
        cells = [td.get_text(" ", strip=True) for td in tr.find_all("td")]
        found.append(dict(zip(headers, cells, strict=True)))
    return found


def texts(page: str) -> list[str]:
    return [row["Action"] for row in rows(page)]


def test_the_owning_agency_and_the_coordinator_read_the_words(client, app, held, agree):
    agree("Fit a synthetic door alarm")
    sign_in(client, held["housing"])
    assert texts(client.get("/actions/").get_data(as_text=True)) == ["Fit a synthetic door alarm"]
    coordinator = app.test_client()
    sign_in(coordinator, held["coordinator"])
    assert texts(coordinator.get("/actions/").get_data(as_text=True)) == [
        "Fit a synthetic door alarm"
    ]
    police = app.test_client()  # owns the case, not the action
    sign_in(police, held["owner"])
    assert rows(police.get("/actions/").get_data(as_text=True)) == []


def test_words_are_withheld_from_the_must_not_receive_list(client, app, make, held, agree):
    action = agree("Fit a synthetic door alarm")
    colleague = make.user(agency=held["coordinator"].agency, roles=("coordinator",))
    closure.add_exclusion(
        held["case"], by=held["coordinator"], choice=f"user:{colleague.id}", reason="Synthetic"
    )
    sign_in(client, colleague)
    page = client.get("/actions/").get_data(as_text=True)
    assert texts(page) == ["Not shown to you"]
    assert "Fit a synthetic door alarm" not in page
    detail = client.get(f"/actions/{action.id}").get_data(as_text=True)
    assert "Fit a synthetic door alarm" not in detail


@pytest.fixture
def two_meetings(db, make, held, agree):
    """Two cases, two meetings, three actions of two agencies: one overdue, one done."""
    second_case, referral = refer(db, make, held["owner"])
    later = meetings.create_meeting(by=held["coordinator"], held_on=date(2026, 11, 16))
    referrals.accept(referral, by=held["coordinator"], meeting=later)
    meetings.release_agenda(later, by=held["coordinator"])
    first = agree("Synthetic alarm", due_on=date(2026, 11, 20))
    agree("Synthetic visit", owner=held["owner"], due_on=date(2026, 11, 25))
    agree("Synthetic letter", case=second_case, meeting=later, due_on=date(2026, 11, 30))
    return {"first": first, "second_case": second_case, "later": later}


def test_filters_narrow_the_list_and_stay_filled_in(client, held, clock, two_meetings):
    sign_in(client, held["coordinator"])
    everything = texts(client.get("/actions/").get_data(as_text=True))
    assert everything == ["Synthetic alarm", "Synthetic visit", "Synthetic letter"]

    housing = held["housing"].agency_id
    page = client.get(f"/actions/?agency={housing}").get_data(as_text=True)
    assert texts(page) == ["Synthetic alarm", "Synthetic letter"]
    soup = BeautifulSoup(page, "html.parser")
    assert soup.find("select", id="agency").find("option", selected=True)["value"] == str(housing)

    reference = two_meetings["second_case"].reference
    page = client.get(f"/actions/?reference={reference[-4:].lower()}").get_data(as_text=True)
    assert texts(page) == ["Synthetic letter"]
    assert BeautifulSoup(page, "html.parser").find("input", id="reference")["value"] == (
        reference[-4:].lower()
    )

    page = client.get(f"/actions/?meeting={two_meetings['later'].id}").get_data(as_text=True)
    assert texts(page) == ["Synthetic letter"]

    clock.advance(days=20)  # 22 November: the alarm is overdue
    sign_in(client, held["coordinator"])
    page = client.get("/actions/?overdue=y").get_data(as_text=True)
    assert texts(page) == ["Synthetic alarm"]
    assert BeautifulSoup(page, "html.parser").find("input", id="overdue").has_attr("checked")


def test_status_filter_and_the_none_match_row(client, held, two_meetings):
    sign_in(client, held["housing"])
    client.post(f"/actions/{two_meetings['first'].id}", data={"status": "done", "note": "Fitted"})
    assert texts(client.get("/actions/?status=done").get_data(as_text=True)) == ["Synthetic alarm"]
    assert texts(client.get("/actions/?status=open").get_data(as_text=True)) == ["Synthetic letter"]
    page = client.get("/actions/?status=cannot").get_data(as_text=True)
    none = BeautifulSoup(page, "html.parser").find(attrs={"data-testid": "none-match"})
    assert none.get_text(strip=True) == "No actions match these filters."


def test_hand_edited_filters_are_bounded(client, held, two_meetings):
    sign_in(client, held["housing"])
    # An agency the reader cannot pick (here: the police) is read as "any agency".
    page = client.get(f"/actions/?agency={held['owner'].agency_id}&page=99999999999999")
    assert page.status_code == 200
    assert texts(page.get_data(as_text=True)) == ["Synthetic alarm", "Synthetic letter"]
    refused = client.get("/actions/?reference=%25' OR 1=1&status=nonsense")
    assert refused.status_code == 400
    body = refused.get_data(as_text=True)
    assert "Enter a case reference with letters, numbers and hyphens only" in body
    assert rows(body) == []
    assert client.get("/actions/?reference=" + "A" * 33).status_code == 400


def test_the_meeting_filter_names_meetings_without_loading_their_agendas(
    client, db, held, two_meetings
):
    # A meeting brings its invites and its agenda (each item its case) when it is
    # loaded whole: for an area's hundreds of meetings that was most of the page.
    from sqlalchemy import event

    sign_in(client, held["coordinator"])
    db.session.expunge_all()
    read: list[str] = []

    def watch(conn, cursor, statement, parameters, context, executemany):
        if "FROM agenda_item" in statement or "FROM meeting_invite" in statement:
            read.append(statement)

    event.listen(db.engine, "before_cursor_execute", watch)
    try:
        page = client.get("/actions/")
    finally:
        event.remove(db.engine, "before_cursor_execute", watch)
    assert page.status_code == 200
    options = BeautifulSoup(page.get_data(as_text=True), "html.parser").find("select", id="meeting")
    assert len(options.find_all("option")) == 3  # any meeting, and the two
    assert read == []
