"""Subject access export: every record about the person, nobody else's values, a disclosure."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from emarac.auditing import ledger_table
from emarac.disclosures.models import Disclosure, DisclosureKind
from tests.conftest import DEFAULT_PASSWORD, totp_now


def _victim(cases, *, by, marker: str):
    """A case whose victim, perpetrator and incident carry ``marker`` in every value."""
    case = cases.open(
        by=by,
        given_name=f"Given{marker}",
        family_name=f"Family{marker}",
        current_address=f"1 Street{marker} Road",
        phone="07700900" + str(len(marker)).zfill(3),
        safe_times=f"Mornings{marker}",
    )
    cases.perpetrator(case, by=by, family_name=f"Perp{marker}")
    cases.incident(case, by=by, narrative=f"Narrative{marker}")
    return case


@pytest.fixture
def world(make, cases, clock):
    agency = make.agency(kind="police")
    worker = make.user(agency=agency)
    first = _victim(cases, by=worker, marker="Alphaqz")
    second = _victim(cases, by=worker, marker="Betaqx")
    return agency, first, second


def _export(client, person_id) -> dict:
    response = client.get(f"/subject-access/{person_id}/export.zip")
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        assert sorted(archive.namelist()) == ["subject.html", "subject.json"]
        data = json.loads(archive.read("subject.json"))
        html = archive.read("subject.html").decode()
    assert "GivenAlphaqz" in html or "GivenBetaqx" in html
    return data


def test_export_holds_every_record_about_the_victim_and_no_other_victims_values(
    client, login_as, world, db
):
    agency, first, second = world
    login_as("coordinator", agency=agency)
    data = _export(client, first.victim_id)
    text = json.dumps(data)
    for value in ("GivenAlphaqz", "FamilyAlphaqz", "1 StreetAlphaqz Road", "MorningsAlphaqz"):
        assert value in json.dumps(data["person"]), value
    assert [c["reference"] for c in data["cases"]] == [first.reference]
    assert data["cases"][0]["role"] == "victim"
    assert [i["fields"]["narrative"] for i in data["incidents"]] == ["NarrativeAlphaqz"]
    # The perpetrator is a third party: there, and marked for redaction.
    third = data["cases"][0]["third_parties"]
    assert [(t["role"], t["fields"]["family_name"], t["redact"]) for t in third] == [
        ("perpetrator", "PerpAlphaqz", True)
    ]
    # Nothing of the other victim's case, in any form.
    assert "qx" not in text.replace("qz", "")
    for value in ("Betaqx", second.reference, str(second.victim_id), str(second.id)):
        assert value not in text, value


def test_export_is_in_the_register_and_the_ledger(client, login_as, world, db):
    agency, first, _ = world
    coordinator = login_as("coordinator", agency=agency)
    _export(client, first.victim_id)
    rows = db.session.scalars(
        select(Disclosure).where(Disclosure.kind == DisclosureKind.SUBJECT_ACCESS)
    ).all()
    assert [(r.object_id, r.disclosed_by_id) for r in rows] == [
        (str(first.victim_id), coordinator.id)
    ]
    assert "Art. 15" in rows[0].lawful_basis
    events = db.session.execute(
        select(ledger_table.c.action, ledger_table.c.object_id).where(
            ledger_table.c.action.in_(["person.subject_access_export", "disclosure.record"])
        )
    ).all()
    assert ("person.subject_access_export", str(first.victim_id)) in events
    assert ("disclosure.record", str(rows[0].id)) in events
    register = BeautifulSoup(client.get("/disclosures/").data, "html.parser")
    kinds = [td.get_text(strip=True) for td in register.select("[data-testid=kind]")]
    assert "Subject access export" in kinds


def test_export_needs_a_fresh_sign_in(client, login_as, world, clock, db):
    agency, first, _ = world
    user = login_as("coordinator", agency=agency)
    clock.advance(minutes=6)
    response = client.get(f"/subject-access/{first.victim_id}/export.zip")
    assert response.status_code == 302
    assert "/reauthenticate" in response.headers["Location"]
    assert db.session.scalar(select(Disclosure.id)) is None
    client.post(
        response.headers["Location"], data={"password": DEFAULT_PASSWORD, "code": totp_now(user)}
    )
    assert client.get(f"/subject-access/{first.victim_id}/export.zip").status_code == 200


@pytest.mark.parametrize("role", ["practitioner", "chair", "manager", "idva"])
def test_other_roles_are_refused(client, login_as, world, role, db):
    agency, first, _ = world
    login_as(role, agency=agency)
    assert client.get(f"/subject-access/{first.victim_id}").status_code == 404
    assert client.get(f"/subject-access/{first.victim_id}/export.zip").status_code == 404
    assert client.get("/subject-access/").status_code == 404
    assert db.session.scalar(select(Disclosure.id)) is None


def test_dpo_finds_the_person_by_case_and_reads_what_is_left_out(client, login_as, world, make):
    agency, first, _ = world
    login_as("dpo", agency=agency)
    found = BeautifulSoup(
        client.get(f"/subject-access/?reference={first.reference}").data, "html.parser"
    )
    names = [a.get_text(strip=True) for a in found.select("[data-testid=people-on-case] a")]
    assert names == ["GivenAlphaqz FamilyAlphaqz", "Rufus PerpAlphaqz"]
    page = BeautifulSoup(client.get(f"/subject-access/{first.victim_id}").data, "html.parser")
    left_out = [dt.get_text(strip=True) for dt in page.select("[data-testid=left-out] dt")]
    assert "The audit trail" in left_out
    assert page.select_one("[data-testid=download]") is not None
    # The DPO opens no case content otherwise.
    assert client.get(f"/cases/{first.id}").status_code == 404


def test_dpo_of_another_area_is_refused(client, login_as, world, make):
    _, first, _ = world
    login_as("dpo", agency=make.agency(area="Elsewhere MARAC"))
    assert client.get(f"/subject-access/{first.victim_id}").status_code == 404
    found = BeautifulSoup(
        client.get(f"/subject-access/?reference={first.reference}").data, "html.parser"
    )
    assert found.select_one("[data-testid=not-found]") is not None


def test_a_worked_case_is_all_there_with_safety_records_marked(app, db, make, clock):
    """The route matrix's case: referral, agenda, minutes, action, exclusion, break-glass."""
    from emarac.cases.models import Case
    from tests.conftest import sign_in
    from tests.protocol.test_route_matrix import COORD, build_world

    world = build_world(db, make)
    case = db.session.get(Case, world.params["case_id"])
    client = app.test_client()
    sign_in(client, world.actors[COORD])
    data = _export_any(client, case.victim_id)
    (part,) = data["cases"]
    assert part["role"] == "victim"
    assert [a["fields"]["description"] for a in part["actions"]] == ["Synthetic lock change"]
    assert [r["fields"]["risks"] for r in part["referrals"]] == ["Synthetic"]
    assert [m["redact"] for m in part["minutes"]] == [False]
    assert part["minutes"][0]["fields"]["content"]
    assert [i["fields"]["discussion"] for i in part["agenda_discussion"]] == ["Synthetic"]
    assert part["must_not_receive"]
    assert all(x["redact"] for x in part["must_not_receive"])
    assert [e["redact"] for e in part["emergency_access"]] == [True]
    # Two perpetrator records on the case: third parties, marked.
    assert {(t["role"], t["redact"]) for t in part["third_parties"]} == {("perpetrator", True)}
    assert len(data["incidents"]) == 2


def _export_any(client, person_id) -> dict:
    response = client.get(f"/subject-access/{person_id}/export.zip")
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        return json.loads(archive.read("subject.json"))
