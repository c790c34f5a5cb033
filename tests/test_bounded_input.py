"""The bad input that once gave a server error: now a message next to the field, or a sane page.

Each test sends one thing found by hand (issue 13) through the real pages, on
every backend: NUL bytes, page numbers past any offset, dates at the ends of
the calendar, and characters that hide or reorder a name.
"""

from __future__ import annotations

from typing import Any

import pytest
from bs4 import BeautifulSoup

from emarac.bounds import MAX_PAGE

HUGE = "99999999999999999999"
NUL = "\x00"
RLO = "\u202e"  # right-to-left override
ZWSP = "\u200b"  # zero-width space


def field_error(response: Any, field: str) -> str:
    """The message shown next to a field (GOV.UK: ``<field>-error``), or ''."""
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    found = soup.find(id=f"{field}-error")
    return found.get_text(" ", strip=True) if found else ""


def field_value(response: Any, field: str) -> str | None:
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    found = soup.find(id=field)
    if found is None:
        return None
    return found.get_text() if found.name == "textarea" else found.get("value")


VICTIM = {
    "given_name": "Petronella",
    "family_name": "Ashcombe-Vane",
    "date_of_birth": ["3", "4", "1991"],
    "gender": "female",
    "ethnic_group": "white",
    "disability": "no",
    "lgbt": "not_known",
}


def test_nul_in_the_search_reference_is_refused_next_to_the_field(client, login_as, clock):
    login_as("practitioner")
    response = client.post("/people/search", data={"reference": f"MARAC{NUL}-2026"})
    assert response.status_code == 200
    assert field_error(response, "reference") == (
        "Error: Case or agency reference must not contain hidden control characters"
    )
    assert field_value(response, "reference") == f"MARAC{NUL}-2026"


def test_nul_in_an_agency_name_is_refused_and_nothing_is_stored(client, login_as, db, clock):
    from emarac.agencies.models import Agency

    login_as("system_admin")
    before = db.session.query(Agency).count()
    response = client.post(
        "/admin/agencies", data={"name": f"Police{NUL}", "kind": "police", "area": "Testshire"}
    )
    assert response.status_code in (200, 400)
    assert "Agency name must not contain hidden control characters" in field_error(response, "name")
    assert db.session.query(Agency).count() == before


@pytest.mark.parametrize("path", ["/cases/", "/audit/", "timeline"])
@pytest.mark.parametrize("page", [HUGE, "-3", "abc", "1e9", "\u0661", str(MAX_PAGE + 1)])
def test_a_page_past_any_offset_gives_a_page(client, login_as, cases, clock, path, page):
    user = login_as("coordinator")
    if path == "timeline":
        path = f"/cases/{cases.open(by=user).id}/timeline"
    response = client.get(path, query_string={"page": page})
    assert response.status_code == 200, response.get_data(as_text=True)[:300]


def test_an_indicator_range_across_the_calendar_is_refused_next_to_the_dates(
    client, login_as, clock
):
    login_as("manager")
    response = client.get(
        "/indicators/",
        query_string={
            "period": "custom",
            "start": ["1", "1", "0001"],
            "end": ["31", "12", "9999"],
        },
    )
    assert response.status_code == 400
    assert "The first day of the range must be the same as or after 1 January 2000" in (
        field_error(response, "start")
    )
    assert "The last day of the range must be the same as or before 2 November 2027" in (
        field_error(response, "end")
    )


@pytest.mark.parametrize(
    "code", ["0001-01-01/9999-12-31", "0001-01", "0001-Q1", "FY0001", "9999-Q4", "FY9999"]
)
def test_an_indicator_period_code_off_the_calendar_is_refused(client, login_as, clock, code):
    login_as("manager")
    page = client.get("/indicators/", query_string={"period": code})
    assert page.status_code == 400
    printed = client.get("/indicators/return/print", query_string={"period": code})
    assert printed.status_code == 400


def test_a_date_of_birth_in_year_one_is_refused_and_input_kept(client, login_as, clock):
    login_as("practitioner")
    response = client.post("/cases/new", data={**VICTIM, "date_of_birth": ["1", "1", "0001"]})
    assert field_error(response, "date_of_birth") == (
        "Error: Date of birth must be the same as or after 1 January 1900"
    )
    assert field_value(response, "given_name") == "Petronella"


def test_an_incident_in_year_one_is_refused_and_input_kept(client, login_as, cases, clock):
    user = login_as("practitioner")
    case = cases.open(by=user)
    response = client.post(
        f"/cases/{case.id}/incidents/new",
        data={"occurred_on": ["1", "1", "0001"], "types": ["physical"], "location": "Park"},
    )
    assert response.status_code == 200
    assert field_error(response, "occurred_on") == (
        "Error: Date of the incident must be the same as or after 1 January 1950"
    )
    assert field_value(response, "location") == "Park"


def test_an_incident_tomorrow_is_refused(client, login_as, cases, clock):
    user = login_as("practitioner")
    case = cases.open(by=user)
    response = client.post(
        f"/cases/{case.id}/incidents/new",
        data={"occurred_on": ["3", "11", "2026"], "types": ["physical"]},
    )
    assert field_error(response, "occurred_on") == (
        "Error: Date of the incident must be today or in the past"
    )


@pytest.mark.parametrize("hidden", [RLO, "\u2066", NUL, "\x1b", "\t"])
def test_a_name_with_hidden_characters_is_refused_and_kept(client, login_as, clock, hidden):
    login_as("practitioner")
    response = client.post("/cases/new", data={**VICTIM, "family_name": f"Ashcombe{hidden}Vane"})
    assert response.status_code == 200
    assert field_error(response, "family_name") == (
        "Error: Last name must not contain hidden control characters"
    )
    assert field_value(response, "given_name") == "Petronella"
    assert "Check your answers" not in response.get_data(as_text=True)


def test_zero_width_characters_are_taken_out_of_a_name(client, login_as, db, clock):
    from emarac.cases.models import Case

    login_as("practitioner")
    name = f"{ZWSP}Ashcombe\u200d-\ufeffVane\u2060"
    response = client.post("/cases/new", data={**VICTIM, "family_name": name, "stage": "confirm"})
    assert response.status_code == 302
    assert db.session.query(Case).one().victim.family_name == "Ashcombe-Vane"


def test_lines_and_tabs_are_kept_in_a_text_area(client, login_as, db, clock):
    from emarac.cases.models import Case

    login_as("practitioner")
    address = "9 Example Close\r\nTestville\tTS1"
    response = client.post(
        "/cases/new", data={**VICTIM, "current_address": address, "stage": "confirm"}
    )
    assert response.status_code == 302
    assert "Testville\tTS1" in db.session.query(Case).one().victim.current_address
