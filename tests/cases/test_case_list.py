"""The case list: most recently active first, victims named, and filters that keep their values."""

from __future__ import annotations

from datetime import date

from bs4 import BeautifulSoup

from emarac.cases.models import CaseStatus
from emarac.meetings import services as meetings
from emarac.referrals import services as referrals
from tests.factories import Cases
from tests.meetings.test_agenda import refer, setup_area


def _rows(client, query: str = "") -> list[list[str]]:
    response = client.get(f"/cases/{query}")
    assert response.status_code == 200
    table = BeautifulSoup(response.data, "html.parser").select_one('[data-testid="case-list"]')
    rows = []
    for row in table.select("tbody tr"):
        cells = [" ".join(cell.get_text(" ").split()) for cell in row.select("td")]
        link = row.select_one("td a")
        if link is not None:  # the reference alone, without its "Repeat" tag
            cells[0] = link.get_text(strip=True)
        rows.append(cells)
    return rows


def test_the_list_leads_with_the_case_most_recently_worked_on(client, login_as, db, make, clock):
    user = login_as("practitioner")
    cases = Cases(db, make)
    first = cases.open(by=user, family_name="Amberley-Test", given_name="Ada")
    clock.advance(minutes=5)
    second = cases.open(by=user, family_name="Birchwood-Test", given_name="Bea")

    rows = _rows(client)
    assert [r[0] for r in rows] == [second.reference, first.reference]
    assert [r[1] for r in rows] == ["Bea Birchwood-Test", "Ada Amberley-Test"]

    clock.advance(minutes=5)
    cases.incident(first, by=user)  # an incident recorded against the first case's victim
    rows = _rows(client)
    assert [r[0] for r in rows] == [first.reference, second.reference]
    assert rows[0][4] == "2 November 2026"

    clock.advance(minutes=5)
    cases.perpetrator(second, by=user)  # a row with the second case's id
    assert [r[0] for r in _rows(client)] == [second.reference, first.reference]


def test_filters_narrow_the_list_and_keep_their_values(client, db, make, clock):
    owner, _, coordinator, _ = setup_area(make)
    on_agenda, referral = refer(db, make, owner)
    repeat = Cases(db, make).open(by=owner, family_name="Repeatley-Test")
    repeat.is_repeat = True
    closed = Cases(db, make).open(by=owner, family_name="Shutwell-Test")
    closed.status = CaseStatus.CLOSED
    led_by_other = Cases(db, make).open(by=make.user(agency=owner.agency))
    db.session.commit()
    meeting = meetings.create_meeting(by=coordinator, held_on=date(2026, 12, 14))
    referrals.accept(referral, by=coordinator, meeting=meeting)
    meetings.release_agenda(meeting, by=coordinator)

    from tests.conftest import sign_in

    sign_in(client, owner)
    everything = {r[0] for r in _rows(client)}
    assert everything == {c.reference for c in (on_agenda, repeat, closed, led_by_other)}
    assert {r[0] for r in _rows(client, "?status=active")} == everything - {closed.reference}
    assert {r[0] for r in _rows(client, "?status=closed")} == {closed.reference}
    assert {r[0] for r in _rows(client, "?repeat=y")} == {repeat.reference}
    assert {r[0] for r in _rows(client, "?mine=y")} == everything - {led_by_other.reference}
    assert {r[0] for r in _rows(client, "?next_meeting=y")} == {on_agenda.reference}
    assert _rows(client, "?repeat=y&status=closed")[0][0] == "No case matches these filters."

    page = BeautifulSoup(client.get("/cases/?status=active&repeat=y").data, "html.parser")
    assert page.select_one("select[name=status] option[selected]")["value"] == "active"
    assert page.select_one("input[name=repeat]").has_attr("checked")
    assert not page.select_one("input[name=mine]").has_attr("checked")
    assert page.find("a", string="Clear filters") is not None


def test_an_unknown_status_is_refused_next_to_the_field(client, login_as):
    login_as("practitioner")
    response = client.get("/cases/?status=everything")
    assert response.status_code == 400
    page = BeautifulSoup(response.data, "html.parser")
    assert page.select_one(".govuk-error-summary") is not None
    assert page.select_one("#status-error") is not None
