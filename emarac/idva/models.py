"""The IDVA service's own record of a case: referral, allocation, consent and engagement,
the victim's voice, the safety plan and the contact log.

Every row belongs to one case (``case_id``), so ``cases/activity.py`` moves the
case up the case list when any of them is written, and erasure at retention
review finds them by the case. Whatever describes the victim or what they said
is encrypted; statuses, dates, methods and outcomes stay plain for counting.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from emarac.agencies.models import Agency, User
from emarac.cases.models import Case
from emarac.crypto.fields import EncryptedJSON, EncryptedText, encrypted_column
from emarac.models_base import Base, created_at, uuid_pk


class ConsentStatus(StrEnum):
    NOT_ASKED = "not_asked"
    GIVEN = "given"
    NOT_GIVEN = "not_given"

    @property
    def label(self) -> str:
        return {"not_asked": "Not yet asked", "given": "Given", "not_given": "Not given"}[
            self.value
        ]


class Engagement(StrEnum):
    NOT_YET = "not_yet"
    ENGAGED = "engaged"
    NOT_ENGAGED = "not_engaged"
    UNABLE_TO_CONTACT = "unable_to_contact"
    DECLINED = "declined"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return {
            "not_yet": "Not yet contacted",
            "engaged": "Engaged",
            "not_engaged": "Not engaged",
            "unable_to_contact": "Unable to contact",
            "declined": "Declined the service",
            "closed": "Closed",
        }[self.value]


class ContactMethod(StrEnum):
    SAFE_PHONE = "safe_phone"
    SAFE_TEXT = "safe_text"
    USUAL_PHONE = "usual_phone"
    EMAIL = "email"
    LETTER = "letter"
    IN_PERSON = "in_person"
    THROUGH_AGENCY = "through_agency"

    @property
    def label(self) -> str:
        return {
            "safe_phone": "Call to the safe number",
            "safe_text": "Text to the safe number",
            "usual_phone": "Call to the usual number",
            "email": "Email",
            "letter": "Letter",
            "in_person": "In person",
            "through_agency": "Through another agency",
        }[self.value]


class ContactOutcome(StrEnum):
    REACHED = "reached"
    NO_ANSWER = "no_answer"
    UNSAFE_TO_SPEAK = "unsafe_to_speak"
    MESSAGE_LEFT = "message_left"
    WRONG_NUMBER = "wrong_number"

    @property
    def label(self) -> str:
        return {
            "reached": "Reached the victim",
            "no_answer": "No answer",
            "unsafe_to_speak": "Unsafe to speak",
            "message_left": "Message left",
            "wrong_number": "Number not in use or wrong",
        }[self.value]


class PlanItemStatus(StrEnum):
    PLANNED = "planned"
    IN_PLACE = "in_place"
    DONE = "done"
    NOT_POSSIBLE = "not_possible"

    @property
    def label(self) -> str:
        return {
            "planned": "Planned",
            "in_place": "In place",
            "done": "Done",
            "not_possible": "Not possible",
        }[self.value]


class IdvaCase(Base):
    """A case referred to an IDVA service: the row its queue and caseload are built from."""

    __tablename__ = "idva_case"
    __table_args__ = (
        UniqueConstraint("case_id", "idva_agency_id", name="uq_idva_case_case_id_idva_agency"),
    )

    id: Mapped[uuid_pk]
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("marac_case.id"), index=True)
    idva_agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agency.id"), index=True)
    referring_agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agency.id"))
    referred_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    referred_on: Mapped[date] = mapped_column(Date)
    allocated_to_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id"), index=True, comment="the IDVA who holds the case"
    )
    allocated_at: Mapped[datetime | None]
    consent: Mapped[ConsentStatus] = mapped_column(
        String(16), default=ConsentStatus.NOT_ASKED, comment="newest of idva_status_change"
    )
    consent_on: Mapped[date | None] = mapped_column(Date)
    engagement: Mapped[Engagement] = mapped_column(
        String(24), default=Engagement.NOT_YET, comment="newest of idva_status_change"
    )
    created_at: Mapped[created_at]

    case: Mapped[Case] = relationship()
    idva_agency: Mapped[Agency] = relationship(foreign_keys=[idva_agency_id])
    referring_agency: Mapped[Agency] = relationship(foreign_keys=[referring_agency_id])
    allocated_to: Mapped[User | None] = relationship(foreign_keys=[allocated_to_id])

    @property
    def consent_label(self) -> str:
        return ConsentStatus(self.consent).label

    @property
    def engagement_label(self) -> str:
        return Engagement(self.engagement).label


class IdvaStatusChange(Base):
    """One recording of consent and engagement, kept as made: the status history."""

    __tablename__ = "idva_status_change"

    id: Mapped[uuid_pk]
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("marac_case.id"), index=True)
    idva_case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("idva_case.id"), index=True)
    consent: Mapped[ConsentStatus] = mapped_column(String(16))
    consent_on: Mapped[date | None] = mapped_column(Date)
    engagement: Mapped[Engagement] = mapped_column(String(24))
    note_ct: Mapped[bytes | None] = encrypted_column()
    note = EncryptedText("note_ct")
    recorded_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[created_at]

    recorded_by: Mapped[User] = relationship()

    @property
    def consent_label(self) -> str:
        return ConsentStatus(self.consent).label

    @property
    def engagement_label(self) -> str:
        return Engagement(self.engagement).label


class VictimsVoice(Base):
    """What the victim wishes, fears and wants from MARAC, in one version.

    Each save adds a version; earlier ones are kept and stay readable.
    """

    __tablename__ = "idva_victims_voice"
    __table_args__ = (
        UniqueConstraint("case_id", "version", name="uq_idva_victims_voice_case_id_version"),
    )

    id: Mapped[uuid_pk]
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("marac_case.id"), index=True)
    version: Mapped[int] = mapped_column(Integer, comment="1, 2, ... in the order saved")
    wishes_ct: Mapped[bytes | None] = encrypted_column()
    wishes = EncryptedText("wishes_ct")
    fears_ct: Mapped[bytes | None] = encrypted_column()
    fears = EncryptedText("fears_ct")
    wants_from_marac_ct: Mapped[bytes | None] = encrypted_column()
    wants_from_marac = EncryptedText("wants_from_marac_ct")
    recorded_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[created_at]

    recorded_by: Mapped[User] = relationship()


class SafetyPlan(Base):
    """One version of the victim's safety plan: its items (measure, who, status).

    Each save adds a version with who saved it and when; earlier ones are kept.
    """

    __tablename__ = "idva_safety_plan"
    __table_args__ = (
        UniqueConstraint("case_id", "version", name="uq_idva_safety_plan_case_id_version"),
    )

    id: Mapped[uuid_pk]
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("marac_case.id"), index=True)
    version: Mapped[int] = mapped_column(Integer, comment="1, 2, ... in the order saved")
    items_ct: Mapped[bytes | None] = encrypted_column()
    items = EncryptedJSON("items_ct")
    recorded_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[created_at]

    recorded_by: Mapped[User] = relationship()

    @property
    def item_rows(self) -> list[dict[str, str]]:
        rows = self.items or []
        return [
            {**row, "status_label": PlanItemStatus(row.get("status", "planned")).label}
            for row in rows
        ]


class ContactAttempt(Base):
    """An attempt to contact the victim, and what came of it."""

    __tablename__ = "idva_contact"

    id: Mapped[uuid_pk]
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("marac_case.id"), index=True)
    contacted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    method: Mapped[ContactMethod] = mapped_column(String(16))
    outcome: Mapped[ContactOutcome] = mapped_column(String(16))
    notes_ct: Mapped[bytes | None] = encrypted_column()
    notes = EncryptedText("notes_ct")
    safety_confirmed: Mapped[bool] = mapped_column(
        default=False, comment="the IDVA confirmed a method the safe-contact rules warn about"
    )
    recorded_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[created_at]

    recorded_by: Mapped[User] = relationship()

    @property
    def method_label(self) -> str:
        return ContactMethod(self.method).label

    @property
    def outcome_label(self) -> str:
        return ContactOutcome(self.outcome).label
