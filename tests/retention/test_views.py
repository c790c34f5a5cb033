"""The retention pages: the coordinators' queue, keeping a case, erasing one."""

from __future__ import annotations

from datetime import date

from bs4 import BeautifulSoup

from emarac.retention.models import RetentionDecision
from tests.conftest import sign_in


def _soup(response):
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def _due(db, case, on=date(2026, 11, 1)):
    case.review_on = on
    db.session.commit()


def test_the_queue_lists_due_cases_in_words_for_the_areas_coordinators(
    client, app, db, make, closed_world
):
    w = closed_world
    _due(db, w["a"])
    sign_in(client, w["coordinator"])
    page = _soup(client.get("/retention/"))
    assert page.select_one('.govuk-service-navigation a[href="/retention/"]')  # navigation
    rows = page.select("[data-testid=retention-due]")
    assert len(rows) == 1
    cells = [c.get_text(" ", strip=True) for c in rows[0].find_all("td")]
    assert cells[:4] == [
        w["a"].reference,
        w["owner"].agency.name,
        "2 November 2026",
        "1 November 2026",
    ]

    other = app.test_client()
    sign_in(other, w["owner"])
    assert other.get("/retention/").status_code == 404
    assert other.get(f"/retention/cases/{w['a'].id}").status_code == 404
    assert not _soup(other.get("/")).select_one('a[href="/retention/"]')

    elsewhere = app.test_client()
    sign_in(elsewhere, make.user(agency=w["outsider"].agency, roles=("coordinator",)))
    page = _soup(elsewhere.get("/retention/"))
    assert page.select_one("[data-testid=retention-queue-empty]")  # another area's queue
    assert elsewhere.get(f"/retention/cases/{w['a'].id}").status_code == 404


def test_a_case_not_due_is_not_listed(client, db, closed_world):
    w = closed_world
    sign_in(client, w["coordinator"])  # review date six years on
    assert _soup(client.get("/retention/")).select_one("[data-testid=retention-queue-empty]")


def test_keeping_a_case_keeps_what_was_typed_on_error_then_saves(client, db, closed_world):
    w = closed_world
    _due(db, w["a"])
    sign_in(client, w["coordinator"])
    url = f"/retention/cases/{w['a'].id}"
    response = client.post(
        url,
        data={
            "reason": "Civil proceedings ongoing",
            "next_review_on": ["1", "1", "2026"],
        },
    )
    page = _soup(response)
    assert "must be in the future" in page.select_one(".govuk-error-summary").get_text()
    assert page.find("textarea", {"name": "reason"}).get_text() == "Civil proceedings ongoing"
    response = client.post(
        url,
        data={
            "reason": "Civil proceedings ongoing",
            "next_review_on": ["1", "1", "2028"],
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert w["a"].review_on == date(2028, 1, 1)
    assert _soup(client.get("/retention/")).select_one("[data-testid=retention-queue-empty]")


def test_erasing_from_the_queue_needs_a_reason_and_shows_the_case_erased(client, db, closed_world):
    w = closed_world
    _due(db, w["a"])
    sign_in(client, w["coordinator"])
    url = f"/retention/cases/{w['a'].id}/erase"
    page = _soup(client.get(url))
    assert page.select("[data-testid=confirm-points] li")
    assert "Enter why" in _soup(client.post(url, data={"reason": ""})).get_text()
    response = client.post(url, data={"reason": "Six years since closure"})
    assert response.status_code == 302
    page = _soup(client.get(response.headers["Location"]))
    assert page.select_one("[data-testid=case-erased]").get_text(strip=True) == (
        "Erased on 2 November 2026"
    )
    assert "Eraseme" not in page.get_text()
    assert db.session.query(RetentionDecision).count() == 1
    # Erased cases leave the queue, and cannot be reviewed again.
    assert client.get(f"/retention/cases/{w['a'].id}").status_code == 404


def test_erasing_needs_a_recent_sign_in(client, db, closed_world, clock):
    w = closed_world
    _due(db, w["a"])
    sign_in(client, w["coordinator"])
    clock.advance(minutes=6)
    response = client.post(f"/retention/cases/{w['a'].id}/erase", data={"reason": "Due"})
    assert response.status_code == 302
    assert "/reauthenticate" in response.headers["Location"]
    db.session.expire_all()
    assert w["a"].erased_on is None
