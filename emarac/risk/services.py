"""Checklist versions and risk assessments."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Select, String, cast, literal, select
from sqlalchemy.orm import noload, selectinload

from emarac.agencies.models import User
from emarac.auditing import record_event
from emarac.cases.models import Case
from emarac.cases.services import TimelineSource
from emarac.clock import utcnow
from emarac.extensions import db
from emarac.protocol import policy
from emarac.protocol.policy import NotAllowed
from emarac.risk import area_settings, rules
from emarac.risk.checklist_seed import SECTIONS
from emarac.risk.models import (
    Answer,
    ChecklistQuestion,
    ChecklistVersion,
    RiskAnswer,
    RiskAssessment,
    yes_factors_text,
)

DEFAULT_LABEL = "eMARAC checklist 2026"


def current_checklist() -> ChecklistVersion | None:
    """The version new assessments use; None until one is published (see below)."""
    return db.session.scalar(select(ChecklistVersion).where(ChecklistVersion.is_current))


def publish_default_checklist() -> ChecklistVersion | None:
    """Publish the built-in checklist if no version is current yet; commits.

    Run once when a database is set up (``flask emarac setup``), never from a
    page: opening a page must not change what is stored. None if a version
    was already current.
    """
    if current_checklist() is not None:
        return None
    version = ChecklistVersion(label=DEFAULT_LABEL, published_at=utcnow(), is_current=True)
    db.session.add(version)
    position = 0
    for section, (_, questions) in SECTIONS.items():
        for question in questions:
            position += 1
            db.session.add(
                ChecklistQuestion(
                    version=version,
                    section=section,
                    code=question.code,
                    text=question.text,
                    position=position,
                    factor=question.factor,
                )
            )
    db.session.flush()
    record_event("checklist.publish", object_type="checklist_version", object_id=version.id)
    db.session.commit()
    return version


def publish_version(
    label: str, questions: list[tuple[str, str, str, str | None]], *, by: User | None
) -> ChecklistVersion:
    """Publish a new version (section, code, text, factor); old assessments keep theirs.

    ``by`` is a system administrator, or None for the operator command on the server.
    """
    if by is not None and not policy.may_manage_agencies(by):
        raise NotAllowed
    if not questions or len({code for _, code, _, _ in questions}) != len(questions):
        raise ValueError("a checklist needs questions with distinct codes")
    if any(section not in {"core", "stalking", "honour"} for section, _, _, _ in questions):
        raise ValueError("sections are core, stalking or honour")
    for old in db.session.scalars(select(ChecklistVersion).where(ChecklistVersion.is_current)):
        old.is_current = False
    version = ChecklistVersion(label=label, published_at=utcnow(), is_current=True)
    db.session.add(version)
    for position, (section, code, text, factor) in enumerate(questions, start=1):
        db.session.add(
            ChecklistQuestion(
                version=version,
                section=section,
                code=code,
                text=text,
                position=position,
                factor=factor,
            )
        )
    db.session.flush()
    record_event("checklist.publish", object_type="checklist_version", object_id=version.id)
    db.session.commit()
    return version


@dataclass
class AssessmentInput:
    completed_on: date
    victim_present: bool
    answers: dict[uuid.UUID, Answer]
    notes: dict[uuid.UUID, str] = field(default_factory=dict)
    judged_level: rules.RiskLevel | None = None
    judgement_reason: str | None = None


def yes_count(version: ChecklistVersion, answers: dict[uuid.UUID, Answer]) -> int:
    """Yes answers in the core section: the optional sections do not change the score."""
    core = {q.id for q in version.questions if q.section == "core"}
    return sum(1 for qid, a in answers.items() if qid in core and a is Answer.YES)


class UnansweredQuestions(ValueError):
    """A checklist with questions left unanswered; ``positions`` are their numbers."""

    def __init__(self, positions: list[int]) -> None:
        super().__init__(f"{len(positions)} checklist questions have no answer")
        self.positions = positions


def record_assessment(
    case: Case, *, by: User, version: ChecklistVersion, data: AssessmentInput
) -> RiskAssessment:
    """Store a completed checklist with its score, band and judgement; commits.

    Every core question needs an answer ("not known" is an answer); an
    optional section is either left out whole or answered in full. Only the
    answers given are stored, so an unused optional section has no rows.
    """
    if not policy.may_edit_case(by, case):
        raise NotAllowed
    missing = rules.unanswered([(q.section, q.id in data.answers) for q in version.questions])
    if missing:
        raise UnansweredQuestions([version.questions[i].position for i in missing])
    count = yes_count(version, data.answers)
    settings = area_settings.in_force(case.area_id, data.completed_on)
    scored = rules.risk_band(count, settings)
    final = rules.final_level(count, data.judged_level, settings)  # JudgementError if lowering
    if data.judged_level is not None and not (data.judgement_reason or "").strip():
        raise ValueError("a professional judgement needs a written reason")
    assessment = RiskAssessment(
        case_id=case.id,
        version_id=version.id,
        completed_by_id=by.id,
        agency_id=by.agency_id,
        completed_on=data.completed_on,
        victim_present=data.victim_present,
        yes_count=count,
        scored_level=scored,
        judged_level=data.judged_level,
        final_level=final,
        is_demo=by.is_demo,
    )
    assessment.judgement_reason = data.judgement_reason or None
    for question in version.questions:
        answer = data.answers.get(question.id)
        if answer is None:
            continue
        row = RiskAnswer(assessment_id=assessment.id, question_id=question.id, answer=answer)
        row.note = data.notes.get(question.id) or None
        assessment.answers.append(row)
    assessment.yes_factors = yes_factors_text(
        q.factor for q in version.questions if data.answers.get(q.id) == Answer.YES
    )
    case.risk_level = final
    db.session.add(assessment)
    db.session.flush()
    record_event(
        "risk.assess",
        object_type="risk_assessment",
        object_id=assessment.id,
        fields=("answers", "notes", "judged_level", "judgement_reason", "final_level"),
        purpose=f"case {case.id}",
    )
    db.session.commit()
    return assessment


def latest_assessment(case: Case) -> RiskAssessment | None:
    return db.session.scalar(
        select(RiskAssessment)
        .where(RiskAssessment.case_id == case.id)
        .order_by(RiskAssessment.completed_on.desc(), RiskAssessment.created_at.desc())
        .limit(1)
    )


# --- reading assessments back ---


@dataclass(frozen=True)
class Topic:
    """One section of a completed checklist: its title and the answers given in it."""

    title: str
    answers: list[RiskAnswer]


def get_assessment(actor: User, case: Case, assessment_id: uuid.UUID) -> RiskAssessment:
    """An assessment of this case, which ``actor`` may see (else NotAllowed, a 404)."""
    assessment = db.session.scalar(
        select(RiskAssessment).where(
            RiskAssessment.id == assessment_id, RiskAssessment.case_id == case.id
        )
    )
    if assessment is None or not policy.may_view_case(actor, case):
        raise NotAllowed("risk_assessment", assessment_id)
    return assessment


def record_view(assessment: RiskAssessment) -> None:
    """Record that the signed-in user read the assessment's answers; commits."""
    record_event(
        "risk.view",
        object_type="risk_assessment",
        object_id=assessment.id,
        fields=("answers", "notes", "judged_level", "judgement_reason", "final_level"),
        purpose=f"case {assessment.case_id}",
    )
    db.session.commit()


def topics_of(assessment: RiskAssessment) -> list[Topic]:
    """The answers grouped by section, in the checklist's order (sections left out are
    not shown)."""
    by_section: dict[str, list[RiskAnswer]] = {}
    for answer in sorted(assessment.answers, key=lambda a: a.question.position):
        by_section.setdefault(answer.question.section, []).append(answer)
    return [
        Topic(SECTIONS[section][0] if section in SECTIONS else section, answers)
        for section, answers in by_section.items()
    ]


def assessments_of(case: Case) -> list[RiskAssessment]:
    """Every assessment of the case, oldest first: the score over time."""
    return list(
        db.session.scalars(
            select(RiskAssessment)
            .where(RiskAssessment.case_id == case.id)
            .options(selectinload(RiskAssessment.completed_by), noload(RiskAssessment.answers))
            .order_by(RiskAssessment.completed_on, RiskAssessment.created_at)
        )
    )


def _timeline_rows(case: Case) -> Select[Any]:
    return select(
        RiskAssessment.created_at.label("at"),
        literal("risk_assessment").label("kind"),
        cast(RiskAssessment.id, String).label("oid"),
    ).where(RiskAssessment.case_id == case.id)


TIMELINE = TimelineSource(
    kind="risk_assessment", title="Risk checklist completed", rows=_timeline_rows
)
"""Risk assessments on the case timeline (plugged in by create_app)."""
