"""A person's own alcohol, drug and mental-health problems: recorded apart, on the person."""

from __future__ import annotations

from bs4 import BeautifulSoup
from sqlalchemy import select

from emarac.cases.models import CasePerpetrator
from emarac.people.models import Person, YesNoUnknown

PERPETRATOR = {
    "given_name": "Rufus",
    "family_name": "Testperp-Synth",
    "gender": "male",
    "relationship": "ex_partner",
    "ethnic_group": "not_known",
}


def test_the_perpetrator_form_records_each_problem_apart(client, login_as, cases, clock, db):
    owner = login_as("practitioner")
    case = cases.open(by=owner)
    url = f"/cases/{case.id}/perpetrators/new"
    page = BeautifulSoup(client.get(url).get_data(as_text=True), "html.parser")
    legends = [legend.get_text(strip=True) for legend in page.select("legend")]
    assert "Does the perpetrator have a problem with drugs?" in legends
    data = {**PERPETRATOR, "alcohol": "no", "drugs": "yes", "mental_health": "not_known"}
    assert client.post(url, data=data).status_code == 302
    link = db.session.scalar(select(CasePerpetrator).where(CasePerpetrator.case_id == case.id))
    person = db.session.get(Person, link.person_id)
    assert (person.alcohol, person.drugs, person.mental_health) == (
        YesNoUnknown.NO,
        YesNoUnknown.YES,
        YesNoUnknown.NOT_KNOWN,
    )


def test_a_problem_not_in_the_list_is_refused_and_the_form_kept(client, login_as, cases, clock, db):
    owner = login_as("practitioner")
    case = cases.open(by=owner)
    url = f"/cases/{case.id}/perpetrators/new"
    response = client.post(url, data={**PERPETRATOR, "drugs": "sometimes"})
    assert response.status_code == 200
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    error = page.select_one(".govuk-error-message")
    assert error.find_parent(class_="govuk-form-group").find("input")["name"] == "drugs"
    assert page.find("input", attrs={"name": "family_name"})["value"] == "Testperp-Synth"
    assert db.session.scalars(select(CasePerpetrator)).all() == []
