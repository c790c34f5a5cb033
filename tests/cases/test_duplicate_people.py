"""Duplicate warnings when a perpetrator or a child is added, as for a victim."""

from __future__ import annotations

from datetime import date
from typing import Any

from bs4 import BeautifulSoup
from sqlalchemy import func, select

from emarac.cases import services as case_services
from emarac.cases.models import CaseChild, CasePerpetrator, Relationship
from emarac.people.models import Person
from emarac.people.services import PersonDetails, create_person

RUFUS = {
    "given_name": "Rufus",
    "family_name": "Grimshaw",
    "phone": "07700 900456",
    "gender": "male",
    "relationship": "ex_partner",
    "ethnic_group": "not_known",
}
CHILD = {
    "given_name": "Tilly",
    "family_name": "Grimshaw",
    "date_of_birth": ["5", "6", "2019"],
    "gender": "female",
}


def page_of(response: Any) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def offered(page: BeautifulSoup) -> list[str]:
    return [i["value"] for i in page.select('input[name="use_person"]') if i["value"]]


def known_perpetrator(owner: Any, cases: Any) -> Person:
    """Rufus Grimshaw, already recorded as the perpetrator of another of the agency's cases."""
    other = cases.open(by=owner, family_name="Ashdown-Pryce", given_name="Clara")
    rufus = create_person(
        PersonDetails(given_name="Rufus", family_name="Grimshaw", phone="07700 900456"),
        by=owner,
        role="perpetrator",
    )
    case_services.add_perpetrator(
        other, by=owner, person=rufus, relationship=Relationship.EX_PARTNER
    )
    return rufus


def test_a_known_perpetrator_is_offered_and_can_be_chosen(client, login_as, cases, clock, db):
    owner = login_as("practitioner")
    rufus = known_perpetrator(owner, cases)
    case = cases.open(by=owner)
    url = f"/cases/{case.id}/perpetrators/new"
    page = page_of(client.post(url, data=RUFUS))
    assert page.select_one('[data-testid="duplicate-warning"]') is not None
    assert offered(page) == [str(rufus.id)]
    assert db.session.scalar(select(func.count()).select_from(CasePerpetrator)) == 1
    done = client.post(url, data={**RUFUS, "stage": "confirm", "use_person": str(rufus.id)})
    assert done.status_code == 302
    links = db.session.scalars(select(CasePerpetrator.person_id)).all()
    assert sorted(map(str, links)) == sorted([str(rufus.id)] * 2)
    assert db.session.scalar(select(func.count()).select_from(Person)) == 3  # no new record


def test_a_different_perpetrator_is_a_new_record(client, login_as, cases, clock, db):
    owner = login_as("practitioner")
    rufus = known_perpetrator(owner, cases)
    case = cases.open(by=owner)
    url = f"/cases/{case.id}/perpetrators/new"
    assert client.post(url, data={**RUFUS, "stage": "confirm"}).status_code == 302
    link = db.session.scalar(select(CasePerpetrator).where(CasePerpetrator.case_id == case.id))
    assert link is not None
    assert link.person_id != rufus.id


def test_no_warning_without_a_similar_person(client, login_as, cases, clock, db):
    owner = login_as("practitioner")
    case = cases.open(by=owner)
    response = client.post(f"/cases/{case.id}/perpetrators/new", data=RUFUS)
    assert response.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(CasePerpetrator)) == 1


def test_a_known_child_is_offered_but_never_someone_already_on_the_case(
    client, login_as, cases, clock, db
):
    owner = login_as("practitioner")
    first = cases.open(by=owner, family_name="Grimshaw", given_name="Clara")
    tilly = create_person(
        PersonDetails(given_name="Tilly", family_name="Grimshaw", date_of_birth=date(2019, 6, 5)),
        by=owner,
        role="child",
    )
    case_services.add_child(first, by=owner, person=tilly, school=None, lives_in_household=True)
    second = cases.open(by=owner, family_name="Grimshaw", given_name="Dora")
    page = page_of(client.post(f"/cases/{second.id}/children/new", data=CHILD))
    assert offered(page) == [str(tilly.id)]
    # On the case she is already on, she is not offered again.
    again = client.post(f"/cases/{first.id}/children/new", data=CHILD)
    assert again.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(CaseChild)) == 2


def test_someone_in_a_case_the_user_cannot_see_is_only_counted(
    client, login_as, make, cases, clock, db
):
    elsewhere = make.user(agency=make.agency(area="Elsewhere MARAC"))
    known_perpetrator(elsewhere, cases)
    owner = login_as("practitioner")
    case = cases.open(by=owner)
    page = page_of(client.post(f"/cases/{case.id}/perpetrators/new", data=RUFUS))
    assert page.select_one('[data-testid="duplicate-warning"]') is not None
    assert offered(page) == []
    assert page.select_one(".app-known-hint") is not None
    assert "Ashdown-Pryce" not in page.get_text()
