"""Referrals to MARAC and their triage."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from emarac.agencies.models import Agency, User
from emarac.cases.models import Case
from emarac.crypto.fields import EncryptedText, encrypted_column
from emarac.meetings.models import Meeting
from emarac.models_base import Base, created_at, uuid_pk


class Consent(StrEnum):
    GIVEN = "given"
    NOT_REQUIRED = "not_required"
    OVERRIDDEN = "overridden"
    NOT_SOUGHT = "not_sought"

    @property
    def label(self) -> str:
        return {
            "given": "Given",
            "not_required": "Not required",
            "overridden": "Refused but overridden",
            "not_sought": "Not sought: asking would raise the risk",
        }[self.value]


class ReferralStatus(StrEnum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    RETURNED = "returned"
    DUPLICATE = "duplicate"

    @property
    def label(self) -> str:
        return {
            "submitted": "Waiting for triage",
            "accepted": "Accepted onto a meeting",
            "returned": "Returned to the referrer",
            "duplicate": "Merged as a duplicate",
        }[self.value]


class Referral(Base):
    __tablename__ = "referral"

    id: Mapped[uuid_pk]
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("marac_case.id"), index=True)
    area_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("area.id"), index=True)
    referring_agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agency.id"), index=True)
    referred_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    status: Mapped[ReferralStatus] = mapped_column(
        String(16), index=True, default=ReferralStatus.SUBMITTED
    )
    submitted_on: Mapped[date] = mapped_column(Date, index=True)
    criteria: Mapped[list[str]] = mapped_column(JSON, comment="referral criteria met")
    yes_count: Mapped[int | None] = mapped_column(Integer)
    is_repeat: Mapped[bool] = mapped_column(Boolean, default=False)
    consent: Mapped[Consent] = mapped_column(String(16))
    consent_reason_ct: Mapped[bytes | None] = encrypted_column()
    consent_reason = EncryptedText("consent_reason_ct")
    consent_decided_by_ct: Mapped[bytes | None] = encrypted_column()
    consent_decided_by = EncryptedText("consent_decided_by_ct")
    risks_ct: Mapped[bytes | None] = encrypted_column()
    risks = EncryptedText("risks_ct")
    safety_measures_ct: Mapped[bytes | None] = encrypted_column()
    safety_measures = EncryptedText("safety_measures_ct")
    judgement_reason_ct: Mapped[bytes | None] = encrypted_column()
    judgement_reason = EncryptedText("judgement_reason_ct")
    has_idva: Mapped[bool] = mapped_column(Boolean, default=False)
    refer_to_idva: Mapped[bool] = mapped_column(Boolean, default=False)
    returned_reason_ct: Mapped[bytes | None] = encrypted_column()
    returned_reason = EncryptedText("returned_reason_ct")
    meeting_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("meeting.id"), index=True)
    duplicate_of_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("referral.id"))
    triaged_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    triaged_at: Mapped[datetime | None]
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[created_at]

    case: Mapped[Case] = relationship()
    referring_agency: Mapped[Agency] = relationship()
    referred_by: Mapped[User] = relationship(foreign_keys=[referred_by_id])
    meeting: Mapped[Meeting | None] = relationship()
