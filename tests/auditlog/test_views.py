"""The audit trail screen: who may read it, filters, paging, the audited CSV export."""

from __future__ import annotations

import csv
import io

from bs4 import BeautifulSoup
from sqlalchemy import select

from emarac.auditing import ledger_table
from tests.conftest import DEFAULT_PASSWORD, sign_in, totp_now


def test_system_admin_filters_the_trail(client, login_as, make, clock, db):
    someone = make.user()
    login_as("system_admin")
    page = client.get(f"/audit/?user_id={someone.id}").get_data(as_text=True)
    assert "user.create" in page or "No events match" in page
    filtered = client.get("/audit/?action=auth.login").get_data(as_text=True)
    assert "auth.login" in filtered
    assert "agency.create" not in filtered
    searches = db.session.scalars(
        select(ledger_table.c.fields).where(ledger_table.c.action == "audit.search")
    ).all()
    assert '["action"]' in searches  # the search is audited with the field names used


def test_paging(client, login_as, clock, db):
    from emarac.auditing import record_event

    login_as("system_admin")
    for _ in range(120):
        record_event("case.view", object_type="marac_case", object_id="c-1")
    db.session.commit()
    first = client.get("/audit/?action=case.view").get_data(as_text=True)
    assert "page 1 of 3" in first
    third = client.get("/audit/?action=case.view&page=3").get_data(as_text=True)
    assert "page 3 of 3" in third


def test_practitioners_and_managers_cannot_read_the_trail(client, login_as, clock):
    login_as("practitioner", "manager")
    assert client.get("/audit/").status_code == 404
    assert client.get("/audit/export.csv").status_code == 404


def audit_rows(page: str) -> list[dict[str, str]]:
    """The audit table's rows as action and object id, parsed from the page."""
    table = BeautifulSoup(page, "html.parser").find(attrs={"data-testid": "audit-table"})
    rows = []
    for tr in table.find("tbody").find_all("tr"):
        cells = tr.find_all("td")
        if len(cells) == 7:
            rows.append({"action": cells[3].get_text(strip=True), "object_id": cells[4].span.text})
    return rows


def test_coordinator_sees_only_their_area(app, client, login_as, make, clock):
    here = make.agency(area="Northshire MARAC")
    there = make.agency(area="Southshire MARAC")
    neighbour = make.user(agency=make.agency(area="Northshire MARAC"))
    stranger = make.user(agency=there)
    for user in (neighbour, stranger):
        sign_in(app.test_client(), user)
    coordinator = login_as("coordinator", agency=here)
    page = client.get("/audit/?action=auth.login").get_data(as_text=True)
    signed_in = {row["object_id"] for row in audit_rows(page)}
    assert signed_in == {str(coordinator.id), str(neighbour.id)}


def test_export_needs_a_fresh_login_and_is_audited(client, login_as, clock, db):
    user = login_as("system_admin")
    clock.advance(minutes=6)
    response = client.get("/audit/export.csv?action=auth.")
    assert response.status_code == 302
    assert "/reauthenticate" in response.headers["Location"]
    clock.advance(seconds=30)
    client.post(
        response.headers["Location"], data={"password": DEFAULT_PASSWORD, "code": totp_now(user)}
    )
    export = client.get("/audit/export.csv?action=auth.")
    assert export.status_code == 200
    assert export.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(export.get_data(as_text=True))))
    assert rows[0][:5] == ["seq", "occurred_at", "user_id", "agency_id", "action"]
    assert all(r[4].startswith("auth.") for r in rows[1:])
    exports = db.session.scalars(
        select(ledger_table.c.action).where(ledger_table.c.action == "audit.export")
    ).all()
    assert exports == ["audit.export"]


def test_invalid_filter_shows_an_error_and_keeps_the_input(client, login_as, clock):
    login_as("system_admin")
    page = client.get("/audit/?action=DROP TABLE").get_data(as_text=True)
    assert "Enter an action name like case.view" in page
    assert 'value="DROP TABLE"' in page
