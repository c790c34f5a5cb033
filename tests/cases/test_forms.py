"""Validation: a clear message next to the field, and everything typed is kept."""

from __future__ import annotations

from datetime import date

VALID = {
    "given_name": "Petronella",
    "family_name": "Ashcombe-Vane",
    "date_of_birth": ["3", "4", "1991"],
    "gender": "female",
    "ethnic_group": "white",
    "disability": "no",
    "lgbt": "not_known",
    "phone": "07700 900321",
    "current_address": "9 Example Close",
    "postcode": "ZZ1 1ZZ",
}


def post(client, **changes):
    data = {**VALID, **changes}
    return client.post("/cases/new", data=data).get_data(as_text=True)


def test_future_date_of_birth_is_refused_and_input_kept(client, login_as, clock):
    login_as("practitioner")
    page = post(client, date_of_birth=["1", "1", "2030"])
    assert "Date of birth must be today or in the past" in page
    assert 'value="Petronella"' in page
    assert 'value="07700 900321"' in page
    assert "9 Example Close" in page
    assert 'value="2030"' in page


def test_under_16_victim_is_refused(client, login_as, clock):
    login_as("practitioner")
    born = date(2026 - 15, 1, 1)
    page = post(client, date_of_birth=[str(born.day), str(born.month), str(born.year)])
    assert "The victim must be 16 or over" in page
    assert 'value="Ashcombe-Vane"' in page


def test_16_year_old_victim_is_accepted(client, login_as, clock):
    login_as("practitioner")
    page = post(client, date_of_birth=["1", "11", "2010"])
    assert "Check your answers" in page


def test_under_16_by_estimated_age_is_refused(client, login_as, clock):
    login_as("practitioner")
    page = post(client, date_of_birth=["", "", ""], estimated_age="14")
    assert "The victim must be 16 or over" in page


def test_missing_required_field(client, login_as, clock):
    login_as("practitioner")
    page = post(client, family_name="")
    assert "Enter the last name" in page
    assert 'href="#family_name"' in page  # the error summary links to the field
    assert 'value="Petronella"' in page


def test_check_answers_then_create(client, login_as, clock, db):
    from emarac.cases.models import Case

    login_as("practitioner")
    page = post(client)
    assert "Check your answers" in page
    assert "Petronella Ashcombe-Vane" in page
    response = client.post("/cases/new", data={**VALID, "stage": "confirm"})
    assert response.status_code == 302
    case = db.session.query(Case).one()
    assert case.victim.family_name == "Ashcombe-Vane"
    assert case.reference.startswith("MARAC-2026-")


def test_change_answers_keeps_everything(client, login_as, clock):
    login_as("practitioner")
    page = client.post("/cases/new", data={**VALID, "stage": "change"}).get_data(as_text=True)
    assert "About the victim" in page
    assert 'value="Petronella"' in page
    assert 'value="1991"' in page
