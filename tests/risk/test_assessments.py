"""Completing the risk checklist through the pages; versions are data."""

from __future__ import annotations

from sqlalchemy import func, select, update

from emarac.risk import services as risk
from emarac.risk.models import ChecklistVersion, RiskAssessment
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
    assert len(first.answers) == len(old.questions)
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
