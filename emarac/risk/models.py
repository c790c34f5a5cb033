"""Risk checklists as versioned data, and the assessments made with them."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from emarac.agencies.models import Agency, User
from emarac.crypto.fields import EncryptedText, encrypted_column
from emarac.models_base import Base, created_at, uuid_pk


class Answer(StrEnum):
    YES = "yes"
    NO = "no"
    NOT_KNOWN = "not_known"


class ChecklistVersion(Base):
    """One published version; old assessments keep pointing at theirs."""

    __tablename__ = "checklist_version"

    id: Mapped[uuid_pk]
    label: Mapped[str] = mapped_column(String(80), unique=True)
    published_at: Mapped[datetime | None]
    is_current: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[created_at]

    questions: Mapped[list[ChecklistQuestion]] = relationship(
        order_by="ChecklistQuestion.position", lazy="selectin", back_populates="version"
    )


class ChecklistQuestion(Base):
    __tablename__ = "checklist_question"
    __table_args__ = (
        UniqueConstraint("version_id", "code", name="uq_checklist_question_version_code"),
    )

    id: Mapped[uuid_pk]
    version_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("checklist_version.id"), index=True)
    section: Mapped[str] = mapped_column(String(16), comment="core, stalking or honour")
    code: Mapped[str] = mapped_column(String(40), comment="stable id across versions")
    text: Mapped[str] = mapped_column(String(400))
    position: Mapped[int] = mapped_column(Integer)
    factor: Mapped[str | None] = mapped_column(
        String(40), comment="causal or vulnerability factor it feeds, for indicators"
    )

    version: Mapped[ChecklistVersion] = relationship(back_populates="questions")


class RiskAssessment(Base):
    __tablename__ = "risk_assessment"
    __table_args__ = (
        # Assessments with a "yes" to some factor question, by case and day, with the
        # codes alongside: the factor indicators read this index alone (indicators.queries).
        Index(
            "ix_risk_assessment_yes_factors",
            "case_id",
            "completed_on",
            postgresql_include=["yes_factors"],
            postgresql_where=text("yes_factors <> ''"),
            sqlite_where=text("yes_factors <> ''"),
        ),
    )

    id: Mapped[uuid_pk]
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("marac_case.id"), index=True)
    version_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("checklist_version.id"))
    completed_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agency.id"), index=True)
    completed_on: Mapped[date] = mapped_column(Date)
    victim_present: Mapped[bool] = mapped_column(Boolean)
    yes_count: Mapped[int] = mapped_column(Integer, comment="core section only")
    scored_level: Mapped[str] = mapped_column(String(16))
    judged_level: Mapped[str | None] = mapped_column(String(16))
    final_level: Mapped[str] = mapped_column(String(16), index=True)
    yes_factors: Mapped[str] = mapped_column(
        String(240),
        default="",
        server_default="",
        comment="factor codes of the questions answered yes, as ',code,code,' (for indicators)",
    )
    judgement_reason_ct: Mapped[bytes | None] = encrypted_column()
    judgement_reason = EncryptedText("judgement_reason_ct")
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[created_at]

    version: Mapped[ChecklistVersion] = relationship()
    completed_by: Mapped[User] = relationship(foreign_keys=[completed_by_id])
    agency: Mapped[Agency] = relationship(foreign_keys=[agency_id])
    answers: Mapped[list[RiskAnswer]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", back_populates="assessment"
    )


class RiskAnswer(Base):
    __tablename__ = "risk_answer"
    __table_args__ = (
        UniqueConstraint("assessment_id", "question_id", name="uq_risk_answer_assessment_question"),
    )

    id: Mapped[uuid_pk]
    assessment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("risk_assessment.id", ondelete="CASCADE"), index=True
    )
    question_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("checklist_question.id"))
    answer: Mapped[Answer] = mapped_column(String(12))
    note_ct: Mapped[bytes | None] = encrypted_column()
    note = EncryptedText("note_ct")

    assessment: Mapped[RiskAssessment] = relationship(back_populates="answers")
    question: Mapped[ChecklistQuestion] = relationship(lazy="joined")


def yes_factors_text(codes: Iterable[str | None]) -> str:
    """The ``yes_factors`` value for these factor codes: sorted, each wrapped in commas.

    Wrapping makes ``LIKE '%,code,%'`` match a whole code and never part of another.
    """
    present = sorted({code for code in codes if code})
    return "," + ",".join(present) + "," if present else ""


class AreaRiskSettings(Base):
    """An area's referral thresholds from a date on; each change is a new row.

    A rule asked about a day reads the newest row whose ``applies_from`` is on
    or before it, so a change never rewrites what earlier decisions were based
    on. An area with no row uses the national defaults of ``risk.rules``.
    """

    __tablename__ = "area_risk_settings"

    id: Mapped[uuid_pk]
    area_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("area.id"), index=True)
    applies_from: Mapped[date] = mapped_column(Date, comment="the day the change was made")
    medium_from: Mapped[int] = mapped_column(Integer, comment="yes answers for medium risk")
    high_from: Mapped[int] = mapped_column(Integer, comment="yes answers for visible high risk")
    escalation_incidents: Mapped[int] = mapped_column(
        Integer, comment="incidents in 12 months for potential escalation"
    )
    escalation_police_only: Mapped[bool] = mapped_column(
        Boolean, comment="escalation counts only incidents the police attended"
    )
    repeat_months: Mapped[int] = mapped_column(
        Integer, comment="months after the last accepted referral in which abuse is a repeat"
    )
    join_days_before: Mapped[int] = mapped_column(
        Integer,
        server_default="0",
        comment="days before a meeting its invitees may join it (0: on the day only)",
    )
    set_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[created_at]


class AreaReferralSource(Base):
    """Which category of the data return an area counts one kind of agency's referrals under.

    One row per area and agency kind that differs from, or was set over,
    ``risk.return_sources.DEFAULT_SOURCE``; a kind without a row uses the default.
    The mapping holds for every period, as a return worked out again would.
    """

    __tablename__ = "area_referral_source"
    __table_args__ = (
        UniqueConstraint("agency_kind", "area_id", name="uq_area_referral_source_kind_area"),
    )

    id: Mapped[uuid_pk]
    area_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("area.id"), index=True)
    agency_kind: Mapped[str] = mapped_column(String(32), comment="an AgencyKind value")
    source: Mapped[str] = mapped_column(
        String(32), comment="the data return's referral-source category"
    )
    set_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[created_at]
