"""The disclosure register: every disclosure point writes a row; the page reads an area's."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from emarac.auditing import ledger_table
from emarac.disclosures.models import Disclosure, DisclosureKind
from tests.conftest import sign_in
from tests.protocol.test_route_matrix import (
    CHAIR,
    COORD,
    COORD_OTHER,
    DPO,
    GLASS,
    MANAGER,
    OWNER,
    SYSADMIN,
    build_world,
)


@pytest.fixture
def world(db, make, clock):
    """The route matrix's world: a referral, a released agenda, minutes, break-glass."""
    return build_world(db, make)


def _kinds(db) -> list[str]:
    return sorted(str(k) for k in db.session.scalars(select(Disclosure.kind)))


def _rows(page) -> list[dict[str, str]]:
    soup = BeautifulSoup(page.data, "html.parser")
    return [
        {cell["data-testid"]: cell.get_text(strip=True) for cell in row.select("[data-testid]")}
        for row in soup.select("[data-testid=register-row]")
    ]


def test_each_disclosure_point_writes_a_row_with_its_ledger_event(world, db):
    kinds = _kinds(db)
    # The world released an agenda to its invited agencies, sent minutes to the
    # attendees and opened the case to a break-glass practitioner.
    assert set(kinds) == {"agenda_released", "minutes_sent", "emergency_access"}
    rows = db.session.scalars(select(Disclosure)).all()
    glass = next(r for r in rows if r.kind == DisclosureKind.EMERGENCY_ACCESS)
    assert glass.recipient_user_id == world.actors[GLASS].id
    assert glass.case_reference is not None
    assert "vital interests" in glass.lawful_basis
    sent = [r for r in rows if r.kind == DisclosureKind.MINUTES_SENT]
    assert {r.recipient_user_id for r in sent} >= {world.actors[OWNER].id}
    assert all("s.115" in r.lawful_basis for r in sent)
    recorded = set(
        db.session.scalars(
            select(ledger_table.c.object_id).where(ledger_table.c.action == "disclosure.record")
        )
    )
    assert recorded == {str(r.id) for r in rows}


def test_prints_exports_and_transfers_are_disclosures(app, world, db):
    owner, coordinator = world.actors[OWNER], world.actors[COORD]
    client = app.test_client()
    sign_in(client, owner)
    before = len(_kinds(db))
    assert client.get(f"/meetings/minutes/{world.params['minutes_id']}/print").status_code == 200
    assert client.get(f"/meetings/{world.params['meeting_id']}/agenda/print").status_code == 200
    assert client.get("/actions/export.csv").status_code == 200
    kinds = _kinds(db)
    assert len(kinds) == before + 3
    assert {"minutes_printed", "agenda_printed", "action_export"} <= set(kinds)
    admin = app.test_client()
    sign_in(admin, world.actors[SYSADMIN])
    assert admin.get("/audit/export.csv").status_code == 200
    assert "audit_export" in _kinds(db)
    coord = app.test_client()
    sign_in(coord, coordinator)
    assert coord.get("/disclosures/export.csv").status_code == 200
    assert "register_export" in _kinds(db)


def test_coordinator_and_dpo_read_their_area_filtered_by_case_and_recipient(app, world, db):
    case_reference = db.session.scalar(
        select(Disclosure.case_reference).where(Disclosure.case_reference.is_not(None)).limit(1)
    )
    owner = world.actors[OWNER]
    for who in (COORD, DPO):
        client = app.test_client()
        sign_in(client, world.actors[who])
        everything = _rows(client.get("/disclosures/"))
        assert len(everything) == len(_kinds(db))
        by_case = _rows(client.get(f"/disclosures/?case_reference={case_reference.lower()}"))
        assert by_case
        assert all(r["case"] == case_reference for r in by_case)
        by_name = _rows(client.get(f"/disclosures/?recipient={owner.full_name.upper()}"))
        assert by_name
        assert all(owner.full_name in r["recipient"] for r in by_name)
        assert {r["kind"] for r in by_name} == {"Minutes sent"}


def test_other_areas_and_other_roles_see_nothing(app, world, db):
    other = app.test_client()
    sign_in(other, world.actors[COORD_OTHER])
    assert _rows(other.get("/disclosures/")) == []
    for who in (OWNER, CHAIR, MANAGER, SYSADMIN):
        client = app.test_client()
        sign_in(client, world.actors[who])
        assert client.get("/disclosures/").status_code == 404
        assert client.get("/disclosures/export.csv").status_code == 404


def test_export_is_csv_of_the_filtered_rows_and_is_itself_recorded(app, world, db):
    client = app.test_client()
    coordinator = world.actors[COORD]
    sign_in(client, coordinator)
    response = client.get("/disclosures/export.csv?recipient=Matrix")
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert rows
    assert all("Matrix" in r["To"] for r in rows)
    # The agencies the agenda went to, and the members of staff the minutes went to.
    assert {r["What"] for r in rows} == {"Agenda released", "Minutes sent"}
    exported = db.session.scalar(
        select(Disclosure).where(Disclosure.kind == DisclosureKind.REGISTER_EXPORT)
    )
    assert exported.recipient_user_id == coordinator.id
    assert f"{len(rows)} register rows" in exported.purpose


def test_a_bad_filter_keeps_the_input_and_says_what_to_enter(app, world):
    client = app.test_client()
    sign_in(client, world.actors[DPO])
    page = BeautifulSoup(client.get("/disclosures/?case_reference=nonsense").data, "html.parser")
    assert "Enter a case reference like" in page.select_one(".govuk-error-summary").get_text()
    assert page.select_one("input[name=case_reference]")["value"] == "nonsense"
    assert _rows(client.get("/disclosures/?case_reference=nonsense")) == []


def test_shared_research_is_a_disclosure(db, make, clock):
    from emarac.meetings import services as meetings
    from emarac.referrals import services as referrals
    from tests.meetings.test_agenda import refer, setup_area

    owner, housing_worker, coordinator, _ = setup_area(make)
    case, referral = refer(db, make, owner)
    meeting = meetings.create_meeting(by=coordinator, held_on=date(2026, 12, 14))
    referrals.accept(referral, by=coordinator, meeting=meeting)
    meetings.release_agenda(meeting, by=coordinator)
    research = meetings.save_research(
        meeting,
        case.id,
        by=housing_worker,
        no_information=False,
        about_victim="Rent arrears noted (synthetic)",
        about_perpetrator=None,
        about_children=None,
    )
    row = db.session.scalar(
        select(Disclosure).where(Disclosure.kind == DisclosureKind.RESEARCH_SHARED)
    )
    assert row.object_id == str(research.id)
    assert row.case_reference == case.reference
    assert row.disclosed_by_id == housing_worker.id
    assert "14 December 2026" in row.recipient


def test_a_transfer_is_a_disclosure_to_the_new_area(world, db):
    from emarac.cases import services as cases
    from emarac.cases.models import Case

    case = db.session.get(Case, world.params["case_id"])
    to_area = world.actors[COORD_OTHER].agency.area
    cases.transfer_case(case, to_area_id=to_area.id, by=world.actors[COORD], reason="Moved")
    row = db.session.scalar(
        select(Disclosure).where(Disclosure.kind == DisclosureKind.CASE_TRANSFER)
    )
    assert row.recipient == f"The MARAC of {to_area.name}"
    assert row.area_id == world.actors[COORD].agency.area_id  # the sending area's register
    assert row.case_reference == case.reference
