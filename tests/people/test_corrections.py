"""Rectification: a corrected name or date of birth keeps its previous value, encrypted,
with who changed it; the person's page shows it; erasure clears it."""

from __future__ import annotations

from datetime import date

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from emarac.auditing import ledger_table
from emarac.cases import closure
from emarac.people.corrections import Correction, correct_person
from emarac.people.models import PersonCorrection
from emarac.protocol.policy import NotAllowed
from emarac.retention import services as retention
from tests.conftest import sign_in
from tests.retention.conftest import closed_world  # noqa: F401 - fixture


def _soup(response):
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def test_a_correction_keeps_the_previous_values_encrypted(db, make, cases, clock):
    owner = make.user()
    case = cases.open(by=owner, family_name="Misspeld", born=date(1990, 4, 12))
    victim = case.victim
    changed = correct_person(
        victim,
        Correction(given_name="Imogen", family_name="Misspelled", date_of_birth=date(1990, 4, 21)),
        by=owner,
    )
    assert changed == ["date_of_birth", "family_name"]
    assert victim.family_name == "Misspelled"
    assert victim.birth_year == 1990
    row = db.session.scalar(select(PersonCorrection))
    assert row.fields == ["date_of_birth", "family_name"]
    assert row.previous == {"family_name": "Misspeld", "date_of_birth": "1990-04-12"}
    assert b"Misspeld" not in row.previous_ct  # stored encrypted
    assert row.corrected_by_id == owner.id
    event = db.session.execute(
        select(ledger_table).where(ledger_table.c.action == "person.correct")
    ).one()
    assert "Misspeld" not in str(event)
    # The same values again change nothing and keep no version.
    assert (
        correct_person(
            victim,
            Correction(
                given_name="Imogen", family_name="Misspelled", date_of_birth=date(1990, 4, 21)
            ),
            by=owner,
        )
        == []
    )
    assert db.session.query(PersonCorrection).count() == 1


def test_only_case_workers_who_may_read_the_person_correct(db, make, cases, clock):
    owner = make.user()
    case = cases.open(by=owner)
    stranger = make.user(agency=make.agency(area="Elsewhere MARAC"))
    with pytest.raises(NotAllowed):
        correct_person(
            case.victim,
            Correction(given_name="X", family_name="Y", date_of_birth=None),
            by=stranger,
        )


def test_the_person_page_shows_who_corrected_what(client, app, db, make, cases, clock):
    owner = make.user()
    case = cases.open(by=owner, family_name="Misspeld")
    sign_in(client, owner)
    url = f"/people/{case.victim_id}/correct"
    form = _soup(client.get(url))
    assert form.find("input", {"name": "family_name"})["value"] == "Misspeld"
    response = client.post(
        url,
        data={"given_name": "Imogen", "family_name": "", "date_of_birth": ["12", "4", "1990"]},
    )
    assert "Enter the last name" in _soup(response).select_one(".govuk-error-summary").get_text()
    response = client.post(
        url,
        data={
            "given_name": "Imogen",
            "family_name": "Misspelled",
            "date_of_birth": ["12", "4", "1990"],
        },
    )
    assert response.status_code == 302
    page = _soup(client.get(f"/people/{case.victim_id}"))
    shown = page.select_one("[data-testid=correction]").get_text(" ", strip=True)
    assert shown.startswith(f"Corrected on 2 November 2026 by {owner.full_name}")
    assert "Last name: Misspeld" in shown


def test_erasure_clears_the_previous_versions(db, closed_world):  # noqa: F811
    w = closed_world
    victim = w["a"].victim
    # Corrected while the case was open; the case is closed now, so correct as the coordinator.
    correct_person(
        victim,
        Correction(given_name="Eraseme", family_name="Eraseme-Fixed", date_of_birth=None),
        by=w["coordinator"],
    )
    row = db.session.scalar(select(PersonCorrection))
    assert row.previous is not None
    w["a"].review_on = closure.review_date(date(2020, 1, 1), 6)
    db.session.commit()
    retention.erase(w["a"], by=w["coordinator"], reason="Review date reached")
    db.session.expire_all()
    row = db.session.scalar(select(PersonCorrection))
    assert row.previous_ct is None
    assert row.fields == ["date_of_birth", "family_name", "given_name"]
