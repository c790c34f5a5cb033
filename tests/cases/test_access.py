"""Every route with a record id obeys the access policy, and denials are audited."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from emarac.auditing import ledger_table

ROUTES = [
    "/cases/{id}",
    "/cases/{id}/timeline",
    "/cases/{id}/perpetrators/new",
    "/cases/{id}/children/new",
    "/cases/{id}/incidents/new",
]


@pytest.fixture
def owner_case(make, cases, clock):
    agency = make.agency(name="Owning Police (test)", area="Testshire MARAC")
    owner = make.user(agency=agency)
    case = cases.open(
        by=owner,
        safe_phone="07700 900555",
        safe_times="Weekday mornings",
        restricted_address=True,
        current_address="Refuge Lane 1",
    )
    return case, owner


@pytest.mark.parametrize("route", ROUTES)
def test_owner_sees_every_route(client, owner_case, route):
    from tests.conftest import sign_in

    case, owner = owner_case
    sign_in(client, owner)
    assert client.get(route.format(id=case.id)).status_code == 200


@pytest.mark.parametrize("route", ROUTES)
def test_unrelated_agency_gets_404_and_the_denial_is_audited(
    client, login_as, make, owner_case, route, db
):
    case, _ = owner_case
    stranger = login_as("practitioner", agency=make.agency(area="Elsewhere MARAC"))
    assert client.get(route.format(id=case.id)).status_code == 404
    denied = db.session.execute(
        select(ledger_table.c.user_id, ledger_table.c.object_id).where(
            ledger_table.c.action == "access.denied"
        )
    ).all()
    assert (str(stranger.id), str(case.id)) in denied


def test_unrelated_agency_search_shows_only_the_hint(client, login_as, make, owner_case, db):
    case, _ = owner_case
    login_as("practitioner", agency=make.agency(area="Elsewhere MARAC"))
    page = client.post("/people/search", data={"name": "Featherstonehaugh"}).get_data(as_text=True)
    soup = BeautifulSoup(page, "html.parser")
    assert [h["data-case-reference"] for h in soup.select('[data-testid="hint"]')] == [
        case.reference
    ]
    assert "Imogen" not in page
    assert soup.select_one('[data-testid="result-count"]').get_text(strip=True) == "0 results"
    hints = db.session.scalars(
        select(ledger_table.c.object_id).where(ledger_table.c.action == "person.known_hint")
    ).all()
    assert hints == [str(case.id)]


def test_owner_search_finds_the_case_by_a_misspelt_surname(client, owner_case):
    from tests.conftest import sign_in

    case, owner = owner_case
    sign_in(client, owner)
    page = client.post("/people/search", data={"name": "Featherstonhaugh"}).get_data(as_text=True)
    assert case.reference in page
    by_ref = client.post("/people/search", data={"reference": case.reference}).get_data(
        as_text=True
    )
    assert "Imogen Featherstonehaugh" in by_ref


@pytest.mark.parametrize("route", ROUTES)
def test_manager_sees_no_case_content(client, login_as, owner_case, route):
    case, owner = owner_case
    login_as("manager", agency=owner.agency)
    assert client.get(route.format(id=case.id)).status_code == 404
    assert client.get("/cases/").status_code == 404
    assert client.post("/people/search", data={"name": "x"}).status_code == 404


def test_coordinator_of_the_area_sees_restricted_fields(client, login_as, make, owner_case):
    case, _ = owner_case
    login_as("coordinator", agency=make.agency(area="Testshire MARAC"))
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "07700 900555" in page
    assert "Refuge Lane 1" in page


def test_restricted_fields_absent_for_a_permitted_but_unrestricted_viewer(
    client, make, owner_case, db
):
    """A referring agency sees the case but not the refuge address or safe phone."""
    from tests.conftest import sign_in

    case, _ = owner_case
    referrer_agency = make.agency(kind="health", area="Testshire MARAC")
    case.referring_agency_id = referrer_agency.id
    db.session.commit()
    viewer = make.user(agency=referrer_agency)
    sign_in(client, viewer)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Imogen Featherstonehaugh" in page
    assert "07700 900555" not in page
    assert "Weekday mornings" not in page
    assert "Refuge Lane 1" not in page
    assert "Restricted: ask the owning agency" in page


def test_case_views_are_audited_with_field_names_only(client, owner_case, db):
    from tests.conftest import sign_in

    case, owner = owner_case
    sign_in(client, owner)
    client.get(f"/cases/{case.id}")
    row = (
        db.session.execute(select(ledger_table).where(ledger_table.c.action == "case.view"))
        .mappings()
        .first()
    )
    assert row["object_id"] == str(case.id)
    assert "Featherstonehaugh" not in str(dict(row))
    assert "restricted_fields" in row["fields"]


def test_owner_sees_who_has_accessed_the_case_others_do_not(client, app, make, owner_case, db):
    from tests.conftest import sign_in

    case, owner = owner_case
    referrer_agency = make.agency(
        kind="health", area="Testshire MARAC", name="Viewing Health (test)"
    )
    case.referring_agency_id = referrer_agency.id
    db.session.commit()
    viewer = make.user(agency=referrer_agency)
    other = app.test_client()
    sign_in(other, viewer)
    assert "Who has accessed this record" not in other.get(f"/cases/{case.id}").get_data(
        as_text=True
    )
    sign_in(client, owner)
    panel = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Who has accessed this record" in panel
    assert viewer.full_name in panel
    assert "Viewing Health (test)" in panel
