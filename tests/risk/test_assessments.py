"""Completing the risk checklist through the pages; versions are data."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select, update

from emarac.risk import services as risk
from emarac.risk.models import Answer, ChecklistVersion, RiskAssessment
from tests.factories import Cases


def answers_with(version, yes: int) -> dict[str, str]:
    data = {"completed_on": ["2", "11", "2026"], "victim_present": "yes"}
    core = [q for q in version.questions if q.section == "core"]
    for i, question in enumerate(core):
        data[f"q_{question.code}"] = "yes" if i < yes else "no"
    return data


def test_fourteen_yes_answers_make_the_case_high_risk(client, login_as, db, make, clock):
    user = login_as("practitioner")
    case = Cases(db, make).open(by=user)
    version = risk.current_checklist()
    assert len([q for q in version.questions if q.section == "core"]) == 27
    data = answers_with(version, 14)
    data["n_injury"] = "Synthetic note about bruising"
    response = client.post(f"/cases/{case.id}/risk/new", data=data)
    assert response.status_code == 302
    assessment = db.session.scalar(select(RiskAssessment))
    assert (assessment.yes_count, assessment.final_level) == (14, "high")
    assert assessment.version_id == version.id
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "High risk" in page
    assert "Risk checklist completed" in page
    notes = [a.note for a in assessment.answers if a.note]
    assert notes == ["Synthetic note about bruising"]


def test_thirteen_is_medium(client, login_as, db, make, clock):
    user = login_as("practitioner")
    case = Cases(db, make).open(by=user)
    client.post(f"/cases/{case.id}/risk/new", data=answers_with(risk.current_checklist(), 13))
    assert db.session.scalar(select(RiskAssessment.final_level)) == "medium"


def test_judgement_raises_nine_to_high_with_a_reason(client, login_as, db, make, clock):
    user = login_as("practitioner")
    case = Cases(db, make).open(by=user)
    data = answers_with(risk.current_checklist(), 9) | {"judged_level": "high"}
    page = client.post(f"/cases/{case.id}/risk/new", data=data).get_data(as_text=True)
    assert "Enter the reason for your professional judgement" in page
    data["judgement_reason"] = "Recent threats with a weapon"
    assert client.post(f"/cases/{case.id}/risk/new", data=data).status_code == 302
    assessment = db.session.scalar(select(RiskAssessment))
    assert (assessment.scored_level, assessment.final_level) == ("standard", "high")
    assert assessment.judgement_reason == "Recent threats with a weapon"


def test_judgement_cannot_lower_sixteen_and_answers_are_kept(client, login_as, db, make, clock):
    user = login_as("practitioner")
    case = Cases(db, make).open(by=user)
    data = answers_with(risk.current_checklist(), 16) | {
        "judged_level": "medium",
        "judgement_reason": "Feels lower",
        "n_weapons": "Kept note",
    }
    page = client.post(f"/cases/{case.id}/risk/new", data=data).get_data(as_text=True)
    assert "cannot lower the level below high" in page
    assert 'value="Kept note"' in page
    assert 'Yes answers so far: <span id="yes-count" data-testid="yes-count">16</span>' in page
    assert db.session.scalar(select(RiskAssessment)) is None


def test_a_new_version_leaves_old_assessments_alone(client, login_as, db, make, clock):
    user = login_as("practitioner")
    admin = make.user(roles=("system_admin",))
    case = Cases(db, make).open(by=user)
    old = risk.current_checklist()
    client.post(f"/cases/{case.id}/risk/new", data=answers_with(old, 5))
    new = risk.publish_version(
        "Area version 2",
        [("core", f"item_{i}", f"Synthetic question {i}?", None) for i in range(1, 21)],
        by=admin,
    )
    assert risk.current_checklist().id == new.id
    first = db.session.scalar(select(RiskAssessment))
    assert first.version_id == old.id
    assert len(first.answers) == len([q for q in old.questions if q.section == "core"])
    page = client.get(f"/cases/{case.id}/risk/new").get_data(as_text=True)
    assert "Synthetic question 20?" in page
    assert "Area version 2" in page


def test_unrelated_agency_cannot_assess(client, login_as, db, make, clock):
    owner = make.user()
    case = Cases(db, make).open(by=owner)
    login_as("practitioner", agency=make.agency(area="Elsewhere MARAC"))
    assert client.get(f"/cases/{case.id}/risk/new").status_code == 404


def test_without_a_published_checklist_the_page_says_so_and_writes_nothing(
    client, make, login_as, clock, db
):
    user = login_as("practitioner")
    case = Cases(db, make).open(by=user)
    db.session.execute(update(ChecklistVersion).values(is_current=False))
    db.session.commit()
    response = client.get(f"/cases/{case.id}/risk/new", follow_redirects=True)
    assert "The risk checklist has not been set up yet" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ChecklistVersion)) == 1


def _summary(page: str) -> list[tuple[str, str]]:
    summary = BeautifulSoup(page, "html.parser").select(".govuk-error-summary__list a")
    return [(a.get_text(strip=True), a["href"]) for a in summary]


def test_the_checklist_starts_with_nothing_chosen(client, login_as, db, make, clock):
    user = login_as("practitioner")
    case = Cases(db, make).open(by=user)
    soup = BeautifulSoup(
        client.get(f"/cases/{case.id}/risk/new").get_data(as_text=True), "html.parser"
    )
    questions = soup.select('input[type="radio"][name^="q_"]')
    assert len(questions) == 3 * len(risk.current_checklist().questions)
    assert [radio["value"] for radio in questions if radio.has_attr("checked")] == []
    assert soup.select_one('[data-testid="unanswered-count"]').get_text() == "27"
    assert soup.select_one('[data-testid="yes-count"]').get_text() == "0"
    # Each note's visible label holds its whole accessible name.
    assert soup.select_one('label[for="n_weapons"]').get_text(strip=True) == (
        "Note on question 13 (optional)"
    )


def test_unanswered_questions_are_refused_and_each_is_listed(client, login_as, db, make, clock):
    user = login_as("practitioner")
    case = Cases(db, make).open(by=user)
    version = risk.current_checklist()
    data = answers_with(version, 3)
    for code in ("weapons", "strangulation", "breach"):
        del data[f"q_{code}"]
    data["n_weapons"] = "Typed before answering"
    response = client.post(f"/cases/{case.id}/risk/new", data=data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert _summary(page) == [
        ("Select yes, no or not known for question 13", "#q_weapons"),
        ("Select yes, no or not known for question 15", "#q_strangulation"),
        ("Select yes, no or not known for question 23", "#q_breach"),
    ]
    soup = BeautifulSoup(page, "html.parser")
    assert soup.title.get_text().startswith("Error: ")
    # What was chosen and typed is still there, and the anchors exist.
    assert soup.select_one('input[name="q_injury"][value="yes"]').has_attr("checked")
    assert soup.select_one('input[name="q_isolated"][value="no"]').has_attr("checked")
    assert soup.select_one("#n_weapons")["value"] == "Typed before answering"
    assert soup.select_one("#q_weapons") is not None
    assert soup.select_one('[data-testid="unanswered-count"]').get_text() == "3"
    assert soup.select_one('[data-testid="yes-count"]').get_text() == "3"
    assert db.session.scalar(select(RiskAssessment)) is None


def test_not_known_is_a_deliberate_answer_and_optional_sections_may_be_left_out(
    client, login_as, db, make, clock
):
    user = login_as("practitioner")
    case = Cases(db, make).open(by=user)
    version = risk.current_checklist()
    data = answers_with(version, 2) | {"q_weapons": "not_known", "q_breach": "not_known"}
    assert client.post(f"/cases/{case.id}/risk/new", data=data).status_code == 302
    assessment = db.session.scalar(select(RiskAssessment))
    by_code = {a.question.code: a.answer for a in assessment.answers}
    assert by_code["weapons"] == by_code["breach"] == Answer.NOT_KNOWN
    assert assessment.yes_count == 2
    assert not any(code.startswith(("st_", "hb_")) for code in by_code)


def test_an_optional_section_begun_is_asked_in_full(client, login_as, db, make, clock):
    user = login_as("practitioner")
    case = Cases(db, make).open(by=user)
    version = risk.current_checklist()
    honour = [q for q in version.questions if q.section == "honour"]
    data = answers_with(version, 0) | {f"q_{honour[0].code}": "yes"}
    page = client.post(f"/cases/{case.id}/risk/new", data=data).get_data(as_text=True)
    assert _summary(page) == [
        (f"Select yes, no or not known for question {q.position}", f"#q_{q.code}")
        for q in honour[1:]
    ]
    assert db.session.scalar(select(RiskAssessment)) is None
    data |= {f"q_{q.code}": "no" for q in honour[1:]}
    assert client.post(f"/cases/{case.id}/risk/new", data=data).status_code == 302
    assessment = db.session.scalar(select(RiskAssessment))
    assert len(assessment.answers) == 27 + len(honour)


@pytest.mark.parametrize("left_out", ["injury", "hb_travel"])
def test_the_service_refuses_a_checklist_with_gaps(db, make, clock, left_out):
    user = make.user()
    case = Cases(db, make).open(by=user)
    version = risk.current_checklist()
    answers = {
        q.id: Answer.NO
        for q in version.questions
        if q.section in {"core", "honour"} and q.code != left_out
    }
    data = risk.AssessmentInput(completed_on=clock.now.date(), victim_present=True, answers=answers)
    with pytest.raises(risk.UnansweredQuestions) as refused:
        risk.record_assessment(case, by=user, version=version, data=data)
    position = next(q.position for q in version.questions if q.code == left_out)
    assert refused.value.positions == [position]
    assert db.session.scalar(select(RiskAssessment)) is None
