"""Referrals to MARAC and their triage."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from emarac.agencies.models import Agency, User
from emarac.cases.models import Case
from emarac.crypto.fields import EncryptedText, encrypted_column
from emarac.incidents.models import Incident
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


class VictimAware(StrEnum):
    YES = "yes"
    NO = "no"
    NOT_KNOWN = "not_known"

    @property
    def label(self) -> str:
        return {
            "yes": "Yes, the victim knows",
            "no": "No, the victim does not know",
            "not_known": "Not known",
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
    submitted_on: Mapped[date] = mapped_column(
        Date, index=True, comment="first submitted: kept when a returned referral is sent again"
    )
    resubmitted_on: Mapped[date | None] = mapped_column(
        Date, comment="last sent again after being returned"
    )
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
    # the referrer, as partners expect to reach them (the agency is referring_agency_id)
    referrer_name_ct: Mapped[bytes | None] = encrypted_column()
    referrer_name = EncryptedText("referrer_name_ct")
    referrer_phone_ct: Mapped[bytes | None] = encrypted_column()
    referrer_phone = EncryptedText("referrer_phone_ct")
    referrer_email_ct: Mapped[bytes | None] = encrypted_column()
    referrer_email = EncryptedText("referrer_email_ct")
    victim_aware: Mapped[VictimAware | None] = mapped_column(
        String(12), comment="whether the victim knows of the referral"
    )
    other_agencies: Mapped[list[str] | None] = mapped_column(
        JSON, comment="kinds of the other agencies involved with the victim"
    )
    language_ct: Mapped[bytes | None] = encrypted_column()
    language = EncryptedText("language_ct")
    interpreter_needed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    children_notes_ct: Mapped[bytes | None] = encrypted_column()
    children_notes = EncryptedText("children_notes_ct")
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

    @property
    def status_label(self) -> str:
        return ReferralStatus(self.status).label

    @property
    def consent_label(self) -> str:
        return Consent(self.consent).label

    @property
    def victim_aware_label(self) -> str:
        return VictimAware(self.victim_aware).label if self.victim_aware else "Not recorded"


class RepeatStatus(StrEnum):
    TO_CONFIRM = "to_confirm"
    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"

    @property
    def label(self) -> str:
        return {
            "to_confirm": "Repeat to confirm",
            "confirmed": "Confirmed onto a meeting",
            "dismissed": "Dismissed",
        }[self.value]


class RepeatReview(Base):
    """A repeat the rule found on a case, in the triage queue until a coordinator decides.

    Confirming it makes an accepted referral onto a meeting (``referral_id``);
    dismissing it needs a reason. One item per case waits at a time: further
    repeats on the same case while it waits are told about but add no item.
    """

    __tablename__ = "repeat_review"
    __table_args__ = (
        UniqueConstraint("case_id", "incident_id", name="uq_repeat_review_case_incident"),
    )

    id: Mapped[uuid_pk]
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("marac_case.id"), index=True)
    area_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("area.id"), index=True, comment="the case's area: whose coordinators decide"
    )
    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incident.id"))
    incident_on: Mapped[date] = mapped_column(
        Date, comment="the incident's date in UTC, as the repeat rule read it"
    )
    status: Mapped[RepeatStatus] = mapped_column(
        String(16), index=True, default=RepeatStatus.TO_CONFIRM
    )
    referral_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("referral.id"), comment="the referral made when it was confirmed"
    )
    dismissed_reason_ct: Mapped[bytes | None] = encrypted_column()
    dismissed_reason = EncryptedText("dismissed_reason_ct")
    decided_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None]
    created_at: Mapped[created_at]

    case: Mapped[Case] = relationship()
    incident: Mapped[Incident] = relationship()
    referral: Mapped[Referral | None] = relationship()

    @property
    def status_label(self) -> str:
        return RepeatStatus(self.status).label


class ReportedStatus(StrEnum):
    TO_REVIEW = "to_review"
    SEEN = "seen"

    @property
    def label(self) -> str:
        return {"to_review": "To review", "seen": "Seen"}[self.value]


class ReportedIncident(Base):
    """A further incident reported from a "known to MARAC" hint by an agency without the case.

    The incident itself is an ordinary ``incident`` row (victim, date, type,
    encrypted account, the reporting agency). This row keeps where it came
    from and, when the repeat rule did not make it a repeat to confirm, puts it
    before the area's coordinators until one marks it seen.
    """

    __tablename__ = "reported_incident"

    id: Mapped[uuid_pk]
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("marac_case.id"), index=True)
    area_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("area.id"), index=True, comment="the case's area: whose coordinators review"
    )
    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incident.id"), unique=True)
    agency_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("agency.id"), comment="the reporting agency"
    )
    reported_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    is_repeat: Mapped[bool] = mapped_column(
        Boolean, comment="the repeat rule queued it as a repeat to confirm instead"
    )
    status: Mapped[ReportedStatus] = mapped_column(
        String(16), index=True, default=ReportedStatus.TO_REVIEW
    )
    seen_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    seen_at: Mapped[datetime | None]
    created_at: Mapped[created_at]

    case: Mapped[Case] = relationship()
    incident: Mapped[Incident] = relationship()
    agency: Mapped[Agency] = relationship()
