"""Completed checklists read back from the case: answers by topic, score over time."""

from __future__ import annotations

from datetime import date

from bs4 import BeautifulSoup
from sqlalchemy import select

from emarac.auditing import ledger_table
from emarac.risk import rules
from emarac.risk import services as risk
from emarac.risk.models import Answer
from tests.conftest import sign_in
from tests.factories import Cases


def _assess(case, user, *, yes, on, judged=None, reason=None):
    version = risk.current_checklist()
    core = [q for q in version.questions if q.section == "core"]
    answers = {q.id: (Answer.YES if i < yes else Answer.NO) for i, q in enumerate(core)}
    return risk.record_assessment(
        case,
        by=user,
        version=version,
        data=risk.AssessmentInput(
            completed_on=on,
            victim_present=True,
            answers=answers,
            notes={core[0].id: "Synthetic note on the first answer"},
            judged_level=judged,
            judgement_reason=reason,
        ),
    )


def _text(soup, testid):
    return soup.find(attrs={"data-testid": testid}).get_text(" ", strip=True)


def test_a_checklist_reads_back_with_its_answers_score_and_judgement(client, db, make, clock):
    user = make.user()
    case = Cases(db, make).open(by=user)
    assessment = _assess(
        case,
        user,
        yes=9,
        on=date(2026, 11, 1),
        judged=rules.RiskLevel.HIGH,
        reason="Synthetic: threats to kill",
    )
    sign_in(client, user)
    response = client.get(f"/cases/{case.id}/risk/{assessment.id}")
    assert response.status_code == 200
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert _text(soup, "yes-count") == "9"
    assert _text(soup, "scored-level") == "Standard"
    assert _text(soup, "final-level") == "High"
    assert _text(soup, "judgement-reason") == "Synthetic: threats to kill"
    assert _text(soup, "completed-with") == "The victim"
    assert user.full_name in _text(soup, "completed-by")
    first = risk.current_checklist().questions[0]
    answer = _text(soup, f"answer-{first.code}")
    assert answer.startswith("Yes")
    assert "Synthetic note on the first answer" in answer
    assert first.text in soup.get_text()
    assert soup.find("h2", string="Risk checklist") is not None  # grouped by topic
    event = (
        db.session.execute(select(ledger_table).where(ledger_table.c.action == "risk.view"))
        .mappings()
        .one()
    )
    assert event["object_id"] == str(assessment.id)
    assert "Synthetic" not in str(dict(event))


def test_the_score_over_time_lists_every_checklist_oldest_first(client, db, make, clock):
    user = make.user()
    case = Cases(db, make).open(by=user)
    _assess(case, user, yes=8, on=date(2026, 10, 1))
    _assess(case, user, yes=15, on=date(2026, 11, 1))
    sign_in(client, user)
    soup = BeautifulSoup(client.get(f"/cases/{case.id}/risk").get_data(as_text=True), "html.parser")
    rows = soup.select("[data-testid=score-over-time] tbody tr")
    cells = [[td.get_text(" ", strip=True) for td in row.find_all("td")] for row in rows]
    assert [c[:4] for c in cells] == [
        ["1 October 2026", "8", "Standard", "Standard"],
        ["1 November 2026", "15", "High", "High"],
    ]
    case_page = BeautifulSoup(client.get(f"/cases/{case.id}").get_data(as_text=True), "html.parser")
    assert case_page.find(attrs={"data-testid": "risk-checklists"})["href"].endswith(
        f"/cases/{case.id}/risk"
    )
    linked = [a["href"] for a in case_page.select("[data-testid=recent-events] a")]
    assert any("/risk/" in href for href in linked)


def test_an_agency_the_policy_refuses_cannot_read_a_checklist(client, db, make, clock):
    owner = make.user()
    case = Cases(db, make).open(by=owner)
    assessment = _assess(case, owner, yes=3, on=date(2026, 11, 1))
    sign_in(client, make.user(agency=make.agency(kind="health", area="Elsewhere MARAC")))
    assert client.get(f"/cases/{case.id}/risk/{assessment.id}").status_code == 404
    assert client.get(f"/cases/{case.id}/risk").status_code == 404
    other_case = Cases(db, make).open(by=owner, family_name="Otherperson")
    sign_in(client, owner)
    # An assessment asked for under another case of the same reader is not found either.
    assert client.get(f"/cases/{other_case.id}/risk/{assessment.id}").status_code == 404
