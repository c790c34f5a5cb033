"""A case: one victim's MARAC case and the people linked to it."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from emarac.agencies.models import Agency, Area, User
from emarac.clock import utcnow
from emarac.crypto.fields import EncryptedText, encrypted_column
from emarac.models_base import Base, created_at, uuid_pk
from emarac.people.models import Person


class CaseStatus(StrEnum):
    OPEN = "open"
    REFERRED = "referred"
    HEARD = "heard"
    ACTIONS_OPEN = "actions_open"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return {
            "open": "Open",
            "referred": "Referred to MARAC",
            "heard": "Heard at MARAC",
            "actions_open": "Actions open",
            "closed": "Closed",
        }[self.value]


class Relationship(StrEnum):
    PARTNER = "partner"
    EX_PARTNER = "ex_partner"
    FAMILY_MEMBER = "family_member"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            "partner": "Partner",
            "ex_partner": "Ex-partner",
            "family_member": "Family member",
            "other": "Other",
        }[self.value]


class CaseSequence(Base):
    """The last reference number issued per year, so references never repeat."""

    __tablename__ = "case_sequence"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class Case(Base):
    __tablename__ = "marac_case"

    id: Mapped[uuid_pk]
    reference: Mapped[str] = mapped_column(
        String(32), unique=True, comment="human reference, e.g. MARAC-2026-000123"
    )
    area_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("area.id"), index=True)
    owning_agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agency.id"), index=True)
    referring_agency_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("agency.id"), index=True
    )
    idva_agency_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("agency.id"), index=True, comment="the IDVA service the case is referred to"
    )
    lead_practitioner_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    victim_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), index=True)
    status: Mapped[CaseStatus] = mapped_column(String(16), default=CaseStatus.OPEN, index=True)
    risk_level: Mapped[str | None] = mapped_column(String(16))
    is_repeat: Mapped[bool] = mapped_column(Boolean, default=False)
    opened_on: Mapped[date] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    review_on: Mapped[date | None] = mapped_column(Date, comment="retention review date")
    erased_on: Mapped[date | None] = mapped_column(
        Date, comment="personal values erased at retention review; ids, dates, categories kept"
    )
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[created_at]
    last_activity_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True),
        default=utcnow,
        index=True,
        comment="when anything on the case last changed (cases/activity.py)",
    )

    area: Mapped[Area] = relationship()
    owning_agency: Mapped[Agency] = relationship(foreign_keys=[owning_agency_id])
    referring_agency: Mapped[Agency | None] = relationship(foreign_keys=[referring_agency_id])
    idva_agency: Mapped[Agency | None] = relationship(foreign_keys=[idva_agency_id])
    lead_practitioner: Mapped[User | None] = relationship()
    victim: Mapped[Person] = relationship()
    perpetrators: Mapped[list[CasePerpetrator]] = relationship(
        back_populates="case", cascade="all, delete-orphan"
    )
    children: Mapped[list[CaseChild]] = relationship(
        back_populates="case", cascade="all, delete-orphan"
    )

    @property
    def status_label(self) -> str:
        return CaseStatus(self.status).label

    @property
    def is_open(self) -> bool:
        return self.status != CaseStatus.CLOSED


class CasePerpetrator(Base):
    __tablename__ = "case_perpetrator"
    __table_args__ = (
        UniqueConstraint("case_id", "person_id", name="uq_case_perpetrator_case_person"),
    )

    id: Mapped[uuid_pk]
    case_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("marac_case.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), index=True)
    relationship_to_victim: Mapped[Relationship] = mapped_column(String(16))
    created_at: Mapped[created_at]

    case: Mapped[Case] = relationship(back_populates="perpetrators")
    person: Mapped[Person] = relationship()


class CaseChild(Base):
    """A child or other dependant in the victim's household."""

    __tablename__ = "case_child"
    __table_args__ = (UniqueConstraint("case_id", "person_id", name="uq_case_child_case_person"),)

    id: Mapped[uuid_pk]
    case_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("marac_case.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), index=True)
    school_ct: Mapped[bytes | None] = encrypted_column()
    school = EncryptedText("school_ct")
    lives_in_household: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[created_at]

    case: Mapped[Case] = relationship(back_populates="children")
    person: Mapped[Person] = relationship()


class CaseTransfer(Base):
    """A case moved to another area's MARAC; its history goes with it."""

    __tablename__ = "case_transfer"

    id: Mapped[uuid_pk]
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("marac_case.id"), index=True)
    from_area_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("area.id"))
    to_area_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("area.id"))
    transferred_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    reason_ct: Mapped[bytes | None] = encrypted_column()
    reason = EncryptedText("reason_ct")
    transferred_at: Mapped[created_at]

    from_area: Mapped[Area] = relationship(foreign_keys=[from_area_id])
    to_area: Mapped[Area] = relationship(foreign_keys=[to_area_id])


class CaseExclusion(Base):
    """Someone who must never receive this case's minutes or research.

    Either one user (say, a professional related to the perpetrator) or a whole
    agency; checked whenever a distribution list is built or research is shown.
    """

    __tablename__ = "case_exclusion"
    __table_args__ = (
        CheckConstraint("(user_id IS NULL) <> (agency_id IS NULL)", name="one_of_user_or_agency"),
    )

    id: Mapped[uuid_pk]
    case_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("marac_case.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    agency_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("agency.id"))
    reason_ct: Mapped[bytes | None] = encrypted_column()
    reason = EncryptedText("reason_ct")
    added_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    added_at: Mapped[datetime]

    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    agency: Mapped[Agency | None] = relationship()


class EmergencyAccess(Base):
    """Break-glass: time-limited, read-only access to a case beyond the usual rules.

    Asked for with a written reason by a practitioner who got a "known to MARAC"
    hint for the case; it ends at ``expires_at`` (at most 24 hours) or earlier
    when ended, and a coordinator reviews each use as justified or not.
    """

    __tablename__ = "emergency_access"

    id: Mapped[uuid_pk]
    case_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("marac_case.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"), index=True)
    agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agency.id"))
    reason_ct: Mapped[bytes | None] = encrypted_column()
    reason = EncryptedText("reason_ct")
    granted_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(comment="access ends here, at most 24 hours on")
    ended_at: Mapped[datetime | None] = mapped_column(comment="ended early by the user")
    review_outcome: Mapped[str | None] = mapped_column(
        String(16), comment="justified or not_justified, set by a coordinator"
    )
    review_note_ct: Mapped[bytes | None] = encrypted_column()
    review_note = EncryptedText("review_note_ct")
    reviewed_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    reviewed_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    agency: Mapped[Agency] = relationship()
    case: Mapped[Case] = relationship()
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])
