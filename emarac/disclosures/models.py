"""One row per disclosure: what went, to whom, when, why and on what lawful basis.

The register sits with the accounts layer so that every feature that discloses
(the audit trail's CSV export as much as minutes and case transfers) can write
to it. It therefore knows cases only by id and reference, never by import.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import DateTime, ForeignKey, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from emarac.agencies.models import User
from emarac.clock import utcnow
from emarac.models_base import Base, uuid_pk

# Lawful bases, in words a data-protection officer expects to read.
PARTNER_SHARING = (
    "Crime and Disorder Act 1998 s.115 and UK GDPR Art. 6(1)(e) and 9(2)(g) "
    "(sharing with MARAC partners under the information-sharing protocol)"
)
VITAL_INTERESTS = (
    "UK GDPR Art. 6(1)(d) and 9(2)(c), vital interests (emergency access to protect someone)"
)
ACCOUNTABILITY = "UK GDPR Art. 5(2) and 30, accountability (records of processing for oversight)"
SUBJECT_ACCESS = "UK GDPR Art. 15 and Data Protection Act 2018 s.45 (right of access by the person)"


class DisclosureKind(StrEnum):
    MINUTES_SENT = "minutes_sent"
    AGENDA_RELEASED = "agenda_released"
    AGENDA_PRINTED = "agenda_printed"
    MINUTES_PRINTED = "minutes_printed"
    RESEARCH_SHARED = "research_shared"
    CASE_TRANSFER = "case_transfer"
    CLOSURE_NOTICE = "closure_notice"
    EMERGENCY_ACCESS = "emergency_access"
    ACTION_EXPORT = "action_export"
    AUDIT_EXPORT = "audit_export"
    REGISTER_EXPORT = "register_export"
    SUBJECT_ACCESS = "subject_access"

    @property
    def label(self) -> str:
        return KIND_LABELS[self]

    @property
    def lawful_basis(self) -> str:
        return LAWFUL_BASIS[self]


KIND_LABELS: dict[DisclosureKind, str] = {
    DisclosureKind.MINUTES_SENT: "Minutes sent",
    DisclosureKind.AGENDA_RELEASED: "Agenda released",
    DisclosureKind.AGENDA_PRINTED: "Agenda printed",
    DisclosureKind.MINUTES_PRINTED: "Minutes printed",
    DisclosureKind.RESEARCH_SHARED: "Research shared with the meeting",
    DisclosureKind.CASE_TRANSFER: "Case transferred to another area",
    DisclosureKind.CLOSURE_NOTICE: "Closure notice",
    DisclosureKind.EMERGENCY_ACCESS: "Emergency (break-glass) access",
    DisclosureKind.ACTION_EXPORT: "Actions exported as CSV",
    DisclosureKind.AUDIT_EXPORT: "Audit trail exported as CSV",
    DisclosureKind.REGISTER_EXPORT: "Disclosure register exported as CSV",
    DisclosureKind.SUBJECT_ACCESS: "Subject access export",
}

LAWFUL_BASIS: dict[DisclosureKind, str] = {
    DisclosureKind.MINUTES_SENT: PARTNER_SHARING,
    DisclosureKind.AGENDA_RELEASED: PARTNER_SHARING,
    DisclosureKind.AGENDA_PRINTED: PARTNER_SHARING,
    DisclosureKind.MINUTES_PRINTED: PARTNER_SHARING,
    DisclosureKind.RESEARCH_SHARED: PARTNER_SHARING,
    DisclosureKind.CASE_TRANSFER: PARTNER_SHARING,
    DisclosureKind.CLOSURE_NOTICE: PARTNER_SHARING,
    DisclosureKind.EMERGENCY_ACCESS: VITAL_INTERESTS,
    DisclosureKind.ACTION_EXPORT: PARTNER_SHARING,
    DisclosureKind.AUDIT_EXPORT: ACCOUNTABILITY,
    DisclosureKind.REGISTER_EXPORT: ACCOUNTABILITY,
    DisclosureKind.SUBJECT_ACCESS: SUBJECT_ACCESS,
}


class Disclosure(Base):
    """A disclosure of case information, kept for the data-protection officer."""

    __tablename__ = "disclosure"

    id: Mapped[uuid_pk]
    kind: Mapped[DisclosureKind] = mapped_column(String(32), index=True)
    object_type: Mapped[str] = mapped_column(String(40), comment="what was disclosed")
    object_id: Mapped[str | None] = mapped_column(String(64))
    area_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("area.id"), index=True, comment="the area whose register holds the row"
    )
    case_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, index=True, comment="the case disclosed, if one (no key: the register outlives it)"
    )
    case_reference: Mapped[str | None] = mapped_column(String(32), index=True)
    recipient_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    recipient_agency_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("agency.id"))
    recipient: Mapped[str] = mapped_column(String(300), comment="the recipient in words")
    disclosed_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    disclosed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )
    purpose: Mapped[str] = mapped_column(String(300))
    lawful_basis: Mapped[str] = mapped_column(String(300))

    disclosed_by: Mapped[User | None] = relationship(foreign_keys=[disclosed_by_id])

    @property
    def kind_label(self) -> str:
        return DisclosureKind(self.kind).label
