"""An agency takes its own open actions away as CSV: fresh sign-in, audited, inert cells."""

from __future__ import annotations

import csv
import io
from datetime import date

from sqlalchemy import select

from emarac.actions import services as actions
from emarac.auditing import ledger_table
from tests.conftest import DEFAULT_PASSWORD, sign_in, totp_now

EXPORT = "/actions/export.csv"


def read(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def export_events(db) -> list[dict]:
    return [
        dict(r)
        for r in db.session.execute(
            select(ledger_table).where(ledger_table.c.action == "action.export")
        ).mappings()
    ]


def test_the_agency_exports_its_own_open_actions(client, db, held, agree, clock):
    alarm = agree('=HYPERLINK("http://evil.example")', due_on=date(2026, 11, 3))
    agree("Synthetic visit", owner=held["owner"])  # the police's, not housing's
    done = agree("Synthetic letter")
    actions.update_action(done, by=held["housing"], status="done", note="Sent")
    clock.advance(days=2)  # 4 November: the alarm is overdue
    sign_in(client, held["housing"])
    response = client.get(EXPORT)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    disposition = response.headers["Content-Disposition"]
    assert disposition == 'attachment; filename="open-actions-2026-11-04.csv"'
    rows = read(response)
    assert rows[0] == ["Case reference", "Action", "Due by", "Overdue", "Agreed at", "Last chased"]
    assert rows[1:] == [
        [
            held["case"].reference,
            '\'=HYPERLINK("http://evil.example")',  # a spreadsheet shows it, never runs it
            "2026-11-03",
            "Yes",
            held["meeting"].title,
            "",
        ]
    ]
    (event,) = export_events(db)
    assert event["object_id"] == str(alarm.id)
    assert event["recipient"] == f"user:{held['housing'].id} agency:{held['housing'].agency_id}"
    assert "description" in event["fields"]
    # Ids and field names only: no words, no reference in the ledger.
    assert "HYPERLINK" not in repr(event)
    assert held["case"].reference not in repr(event)


def test_a_stale_sign_in_is_asked_to_confirm_first(client, db, held, agree, clock):
    agree()
    user = held["housing"]
    sign_in(client, user)
    clock.advance(minutes=6)
    response = client.get(EXPORT)
    assert response.status_code == 302
    assert "/reauthenticate" in response.headers["Location"]
    assert export_events(db) == []
    clock.advance(seconds=30)
    client.post(
        response.headers["Location"], data={"password": DEFAULT_PASSWORD, "code": totp_now(user)}
    )
    assert len(read(client.get(EXPORT))) == 2
    assert len(export_events(db)) == 1


def test_those_without_case_work_are_refused(client, make, db, held, agree):
    agree()
    manager = make.user(agency=held["coordinator"].agency, roles=("manager",))
    sign_in(client, manager)
    assert client.get(EXPORT).status_code == 404
    assert export_events(db) == []
    denied = db.session.scalars(
        select(ledger_table.c.action).where(ledger_table.c.action == "access.denied")
    ).all()
    assert denied == ["access.denied"]


def test_a_coordinator_exports_only_their_own_agency(client, db, held, agree):
    agree()  # housing's
    sign_in(client, held["coordinator"])
    rows = read(client.get(EXPORT))
    assert rows[1:] == []
    (event,) = export_events(db)
    assert event["object_id"] is None
    assert event["purpose"] == "no open actions to export"


def test_csv_safe_defuses_every_formula_lead():
    for lead in ("=", "+", "-", "@", "\t", "\r"):
        assert actions.csv_safe(f"{lead}1+1") == f"'{lead}1+1"
    assert actions.csv_safe("MARAC-2026-000001") == "MARAC-2026-000001"
    assert actions.csv_safe("") == ""
