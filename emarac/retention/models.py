"""Retention review decisions: a closed case kept for longer, or erased."""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from emarac.agencies.models import User
from emarac.crypto.fields import EncryptedText, encrypted_column
from emarac.models_base import Base, created_at, uuid_pk


class Outcome(StrEnum):
    RETAIN = "retain"
    ERASE = "erase"

    @property
    def label(self) -> str:
        return {"retain": "Retained", "erase": "Erased"}[self.value]


class RetentionDecision(Base):
    """One review of a closed case: who decided, when, what, why, and the next review."""

    __tablename__ = "retention_decision"

    id: Mapped[uuid_pk]
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("marac_case.id"), index=True)
    outcome: Mapped[Outcome] = mapped_column(String(8))
    reason_ct: Mapped[bytes | None] = encrypted_column()
    reason = EncryptedText("reason_ct")
    review_was: Mapped[date | None] = mapped_column(
        Date, comment="the review date this decision answered"
    )
    next_review_on: Mapped[date | None] = mapped_column(Date, comment="set when retained")
    decided_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id"), comment="empty when the bulk command erased it"
    )
    decided_at: Mapped[created_at]

    decided_by: Mapped[User | None] = relationship()

    @property
    def outcome_label(self) -> str:
        return Outcome(self.outcome).label
