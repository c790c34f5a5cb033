"""People search: full results for visible people, and hints without an oracle.

A searcher who may not see a record learns, per case, only "known to MARAC",
its reference and whom to contact, and only from the name or the reference.
Nothing else they type is ever compared against that record.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from emarac.auditing import ledger_table
from emarac.cases import services as case_services
from emarac.cases.closure import add_exclusion
from emarac.cases.models import Relationship
from emarac.config import Settings
from emarac.people.services import PersonDetails, SearchQuery, create_person, search_people
from tests.conftest import sign_in

BORN = date(1990, 4, 12)
POSTCODE = "AB1 2CD"
PHONE = "07700 900123"


def search(client: Any, **data: Any) -> BeautifulSoup:
    response = client.post("/people/search", data=data)
    assert response.status_code == 200
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def text_of(element: Any) -> str:
    return " ".join(element.get_text().split())


def hint_lines(page: BeautifulSoup) -> list[str]:
    return [text_of(h) for h in page.select('[data-testid="hint"]')]


def hinted_references(page: BeautifulSoup) -> list[str]:
    return [h["data-case-reference"] for h in page.select('[data-testid="hint"]')]


def result_count(page: BeautifulSoup) -> str:
    count = page.select_one('[data-testid="result-count"]')
    assert count is not None
    return count.get_text(strip=True)


def dob(value: date) -> list[str]:
    return [str(value.day), str(value.month), str(value.year)]


@pytest.fixture
def area(make: Any) -> Any:
    """Testshire: a police agency that owns cases, and an active coordinator."""
    police = make.agency(name="Testshire Police (test)", area="Testshire MARAC")
    partnership = make.agency(name="Testshire Partnership (test)", kind="other")
    coordinator = make.user(
        agency=partnership, roles=("coordinator",), email="coordinator@example.test"
    )
    owner = make.user(agency=police)
    return police, owner, coordinator


@pytest.fixture
def case(cases: Any, area: Any, clock: Any) -> Any:
    """Imogen Featherstonehaugh's case, with a date of birth, phone and postcode."""
    _, owner, _ = area
    return cases.open(by=owner, born=BORN, postcode=POSTCODE, phone=PHONE)


def test_a_hint_is_the_same_whatever_else_is_typed(client, login_as, make, case):
    login_as("practitioner", agency=make.agency(area="Elsewhere MARAC"))
    right = search(client, name="Imogen Featherstonehaugh", postcode=POSTCODE)
    wrong = search(client, name="Imogen Featherstonehaugh", postcode="ZZ9 9ZZ")
    assert hinted_references(right) == [case.reference]
    assert hint_lines(right) == hint_lines(wrong)
    assert result_count(right) == result_count(wrong) == "0 results"
    assert hint_lines(search(client, name="Featherstonehaugh", date_of_birth=dob(BORN))) == (
        hint_lines(search(client, name="Featherstonehaugh", date_of_birth=dob(date(1971, 1, 1))))
    )


@pytest.mark.parametrize(
    "data",
    [
        {"postcode": POSTCODE},
        {"date_of_birth": dob(BORN)},
        {"phone": PHONE},
        {"postcode": POSTCODE, "date_of_birth": dob(BORN), "phone": PHONE},
    ],
    ids=["postcode", "date-of-birth", "phone", "all-three"],
)
def test_no_hint_without_a_name_or_reference(client, login_as, make, case, data, db):
    login_as("practitioner", agency=make.agency(area="Elsewhere MARAC"))
    page = search(client, **data)
    assert hint_lines(page) == []
    assert result_count(page) == "0 results"
    hinted = db.session.scalars(
        select(ledger_table.c.object_id).where(ledger_table.c.action == "person.known_hint")
    ).all()
    assert hinted == []


def test_the_case_reference_alone_gives_the_hint(client, login_as, make, case):
    login_as("practitioner", agency=make.agency(area="Elsewhere MARAC"))
    assert hinted_references(search(client, reference=case.reference)) == [case.reference]


def test_a_hint_names_the_reference_and_the_area_coordinators(client, login_as, make, case):
    login_as("practitioner", agency=make.agency(area="Elsewhere MARAC"))
    page = search(client, name="Featherstonehaugh")
    (line,) = page.select('[data-testid="hint"]')
    assert text_of(line).startswith(f"Known to MARAC: {case.reference}.")
    contacts = [text_of(c) for c in line.select('[data-testid="hint-contact"]')]
    assert len(contacts) == 1
    assert "Testshire Partnership (test)" in contacts[0]
    assert "coordinator@example.test" in contacts[0]
    assert "Imogen" not in page.get_text()


def test_without_an_active_coordinator_the_hint_names_the_area(
    client, login_as, make, area, case, db
):
    _, _, coordinator = area
    coordinator.suspended_at = coordinator.created_at
    db.session.commit()
    login_as("practitioner", agency=make.agency(area="Elsewhere MARAC"))
    (line,) = hint_lines(search(client, name="Featherstonehaugh"))
    assert "the MARAC coordinator for Testshire MARAC" in line
    assert "coordinator@example.test" not in line


@pytest.mark.parametrize("by", ["user", "agency"])
def test_no_hint_for_someone_who_must_not_receive_the_case(client, make, area, case, by):
    _, owner, _ = area
    housing = make.agency(name="Testshire Housing (test)", kind="housing")
    searcher = make.user(agency=housing)
    sign_in(client, searcher)
    assert hinted_references(search(client, name="Featherstonehaugh")) == [case.reference]
    target = searcher.id if by == "user" else housing.id
    add_exclusion(case, by=owner, choice=f"{by}:{target}", reason="Related to the perpetrator")
    assert hint_lines(search(client, name="Featherstonehaugh")) == []
    assert hint_lines(search(client, reference=case.reference)) == []


def test_one_hint_per_case_for_a_perpetrator_of_two_cases(client, login_as, make, area, cases):
    _, owner, _ = area
    first = cases.open(by=owner, family_name="Featherstonehaugh")
    second = cases.open(by=owner, family_name="Ashdown-Pryce", given_name="Clara")
    rufus = create_person(
        PersonDetails(given_name="Rufus", family_name="Grimshaw"), by=owner, role="perpetrator"
    )
    for each in (first, second):
        case_services.add_perpetrator(
            each, by=owner, person=rufus, relationship=Relationship.EX_PARTNER
        )
    login_as("practitioner", agency=make.agency(area="Elsewhere MARAC"))
    page = search(client, name="Rufus Grimshaw")
    assert hinted_references(page) == sorted([first.reference, second.reference])
    for line, reference in zip(hint_lines(page), hinted_references(page), strict=True):
        assert f"Known to MARAC: {reference}." in line


def test_each_hint_is_recorded_against_its_case(client, login_as, make, case, db):
    searcher = login_as("practitioner", agency=make.agency(area="Elsewhere MARAC"))
    search(client, name="Featherstonehaugh", postcode=POSTCODE)
    rows = db.session.execute(
        select(
            ledger_table.c.user_id,
            ledger_table.c.object_type,
            ledger_table.c.object_id,
            ledger_table.c.fields,
        ).where(ledger_table.c.action == "person.known_hint")
    ).all()
    assert [(u, t, i, json.loads(f)) for u, t, i, f in rows] == [
        (str(searcher.id), "marac_case", str(case.id), ["name", "postcode"])
    ]
    searches = db.session.scalars(
        select(ledger_table.c.fields).where(ledger_table.c.action == "person.search")
    ).all()
    assert len(searches) == 1
    ledger_text = json.dumps(
        [list(r) for r in db.session.execute(select(ledger_table)).all()], default=str
    )
    assert "Featherstonehaugh" not in ledger_text
    assert POSTCODE not in ledger_text


def test_visible_results_still_apply_every_criterion(client, area, case):
    _, owner, _ = area
    sign_in(client, owner)
    name = "Imogen Featherstonehaugh"
    assert result_count(search(client, name=name, postcode=POSTCODE)) == "1 result"
    assert result_count(search(client, name=name, postcode="ZZ9 9ZZ")) == "0 results"
    assert result_count(search(client, name=name, date_of_birth=dob(BORN))) == "1 result"
    assert result_count(search(client, name=name, date_of_birth=dob(date(1971, 1, 1)))) == (
        "0 results"
    )
    assert result_count(search(client, name=name, phone="07700 900999")) == "0 results"
    assert result_count(search(client, name="Grimshaw", postcode=POSTCODE)) == "0 results"
    found = search(client, phone=PHONE)
    assert case.reference in [a.get_text(strip=True) for a in found.select("a")]
    assert hint_lines(found) == []


def test_the_search_limit_is_thirty_a_minute_by_default(monkeypatch):
    assert Settings().search_rate_limit == "30 per minute"
    monkeypatch.setenv("EMARAC_SEARCH_RATE_LIMIT", "5 per minute")
    assert Settings.from_env().search_rate_limit == "5 per minute"


def test_the_31st_search_in_a_minute_is_refused(client, app, make, login_as, case, db):
    assert app.extensions["emarac.settings"].search_rate_limit == "30 per minute"
    login_as("practitioner", agency=make.agency(area="Elsewhere MARAC"))
    codes = [
        client.post("/people/search", data={"name": "Featherstonehaugh"}).status_code
        for _ in range(30)
    ]
    assert codes == [200] * 30
    refused = client.post("/people/search", data={"name": "Featherstonehaugh"})
    assert refused.status_code == 429
    page = BeautifulSoup(refused.get_data(as_text=True), "html.parser")
    assert page.select_one('[data-testid="throttled"]') is not None
    assert hint_lines(page) == []
    recorded = db.session.scalars(
        select(ledger_table.c.seq).where(ledger_table.c.action == "person.search")
    ).all()
    assert len(recorded) == 30
    assert client.get("/people/search").status_code == 200
    # Counted per user, not per address: a colleague at the same address still searches.
    colleague = app.test_client()
    sign_in(colleague, make.user(agency=make.agency(area="Elsewhere MARAC")))
    assert colleague.post("/people/search", data={"name": "Featherstonehaugh"}).status_code == 200


def test_people_the_searcher_may_see_are_results_never_hints(client, login_as, make, cases):
    owner = login_as("practitioner")
    case = cases.open(by=owner, family_name="Quillfeather")
    result = search_people(owner, SearchQuery(name="Quillfeather"))
    assert [p.id for p in result.people] == [case.victim_id]
    assert result.hints == []


def test_a_person_seen_through_one_case_gives_no_hint_of_their_hidden_cases(
    login_as, make, area, cases
):
    _, owner, _ = area
    hidden = cases.open(by=owner, family_name="Featherstonehaugh")
    searcher = login_as("practitioner", agency=make.agency(area="Elsewhere MARAC"))
    own = cases.open(by=searcher, family_name="Ashdown-Pryce", given_name="Clara")
    rufus = create_person(
        PersonDetails(given_name="Rufus", family_name="Grimshaw"), by=owner, role="perpetrator"
    )
    case_services.add_perpetrator(
        hidden, by=owner, person=rufus, relationship=Relationship.EX_PARTNER
    )
    case_services.add_perpetrator(
        own, by=searcher, person=rufus, relationship=Relationship.EX_PARTNER
    )
    result = search_people(searcher, SearchQuery(name="Rufus Grimshaw"))
    assert [p.id for p in result.people] == [rufus.id]
    assert result.hints == []


def test_a_first_name_alone_gives_no_hint_but_finds_visible_people(client, login_as, make, case):
    login_as("practitioner", agency=make.agency(area="Elsewhere MARAC"))
    assert hint_lines(search(client, name="Imogen")) == []
    assert hinted_references(search(client, name="Featherstonehaugh-Smythe")) == []
    assert hinted_references(search(client, name="I Featherstonehaugh")) == [case.reference]
