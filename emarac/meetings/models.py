"""MARAC meetings (the conference itself is built on this in the meetings feature)."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from enum import StrEnum

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from emarac.agencies.models import Agency, Area, User
from emarac.cases.models import Case
from emarac.crypto.fields import EncryptedJSON, EncryptedText, encrypted_column
from emarac.meetings.questions import ShownAnswer, shown_answers
from emarac.models_base import Base, created_at, uuid_pk


class MeetingStatus(StrEnum):
    PLANNED = "planned"
    AGENDA_RELEASED = "agenda_released"
    IN_SESSION = "in_session"
    MINUTES_DRAFTED = "minutes_drafted"
    MINUTES_APPROVED = "minutes_approved"
    MINUTED = "minuted"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return {
            "planned": "Planned",
            "agenda_released": "Agenda released",
            "in_session": "In session",
            "minutes_drafted": "Minutes drafted",
            "minutes_approved": "Minutes approved",
            "minuted": "Minuted",
            "closed": "Closed",
        }[self.value]


class Meeting(Base):
    __tablename__ = "meeting"

    id: Mapped[uuid_pk]
    area_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("area.id"), index=True)
    held_on: Mapped[date] = mapped_column(Date, index=True)
    starts_at: Mapped[time | None] = mapped_column(Time)
    place: Mapped[str | None] = mapped_column(String(200), comment="a venue, not an address")
    online_link: Mapped[str | None] = mapped_column(String(500))
    chair_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    coordinator_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    status: Mapped[MeetingStatus] = mapped_column(String(20), default=MeetingStatus.PLANNED)
    created_at: Mapped[created_at]

    area: Mapped[Area] = relationship()
    chair: Mapped[User | None] = relationship(foreign_keys=[chair_id])
    coordinator: Mapped[User | None] = relationship(foreign_keys=[coordinator_id])
    invites: Mapped[list[MeetingInvite]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )
    items: Mapped[list[AgendaItem]] = relationship(
        cascade="all, delete-orphan", order_by="AgendaItem.position", lazy="selectin"
    )

    @property
    def is_released(self) -> bool:
        return self.status != MeetingStatus.PLANNED

    @property
    def status_label(self) -> str:
        return MeetingStatus(self.status).label

    @property
    def title(self) -> str:
        return meeting_title(self.area.name, self.held_on)


def meeting_title(area_name: str, held_on: date) -> str:
    """A meeting's title, from the area's name and the day: no meeting need be loaded."""
    return f"{area_name}, {held_on:%-d %B %Y}"


class AgendaOutcome(StrEnum):
    """How an agenda item ends at the meeting: only a heard case counts as heard."""

    HEARD = "heard"
    DEFERRED = "deferred"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return {
            "heard": "Heard",
            "deferred": "Deferred to the next meeting",
            "withdrawn": "Withdrawn",
        }[self.value]


# Outcomes that leave the case unheard at this meeting (indicators leave them out).
NOT_HEARD_OUTCOMES = (AgendaOutcome.DEFERRED.value, AgendaOutcome.WITHDRAWN.value)


class MeetingInvite(Base):
    """An agency invited to a meeting; after agenda release it may research its cases."""

    __tablename__ = "meeting_invite"
    __table_args__ = (
        UniqueConstraint("meeting_id", "agency_id", name="uq_meeting_invite_meeting_agency"),
    )

    id: Mapped[uuid_pk]
    meeting_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("meeting.id", ondelete="CASCADE"), index=True
    )
    agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agency.id"), index=True)

    # Loaded with the invitation: the meeting page names every invited agency.
    agency: Mapped[Agency] = relationship(lazy="joined")


class AgendaItem(Base):
    """A case on a meeting's agenda, in the order the coordinator set."""

    __tablename__ = "agenda_item"
    __table_args__ = (
        UniqueConstraint("meeting_id", "case_id", name="uq_agenda_item_meeting_case"),
    )

    id: Mapped[uuid_pk]
    meeting_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("meeting.id", ondelete="CASCADE"), index=True
    )
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("marac_case.id"), index=True)
    referral_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("referral.id"))
    position: Mapped[int] = mapped_column(Integer)
    is_repeat: Mapped[bool] = mapped_column(Boolean, default=False)
    from_area: Mapped[str | None] = mapped_column(
        String(120), comment="set when the case was transferred in"
    )
    discussion_ct: Mapped[bytes | None] = encrypted_column()
    discussion = EncryptedText("discussion_ct")
    agreed_risk: Mapped[str | None] = mapped_column(String(16))
    heard_at: Mapped[datetime | None]
    heard_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    # What the chair has typed and not yet saved as the meeting's decision: kept
    # as they type, so adding an action, moving to another case or being signed
    # out loses nothing. Cleared when the decision is recorded.
    draft_discussion_ct: Mapped[bytes | None] = encrypted_column()
    draft_discussion = EncryptedText("draft_discussion_ct")
    draft_risk: Mapped[str | None] = mapped_column(String(16))
    draft_saved_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(
        String(16), comment="heard, deferred or withdrawn; null until the meeting decides"
    )
    # Why the case was deferred or withdrawn: it may name people or what happened.
    outcome_reason_ct: Mapped[bytes | None] = encrypted_column()
    outcome_reason = EncryptedText("outcome_reason_ct")
    deferred_from_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("agenda_item.id", ondelete="SET NULL"),
        comment="the item at an earlier meeting that deferred the case to this one",
    )

    case: Mapped[Case] = relationship(lazy="selectin")

    @property
    def is_decided(self) -> bool:
        return self.outcome is not None or self.heard_at is not None

    def decision_so_far(self) -> tuple[str | None, str | None]:
        """The discussion and risk level to show: the unsaved draft when there is one."""
        if self.draft_saved_at is not None:
            return self.draft_discussion, self.draft_risk
        return self.discussion, self.agreed_risk


class Research(Base):
    """What one invited agency holds on a case before the meeting, in its own section."""

    __tablename__ = "research"
    __table_args__ = (
        UniqueConstraint(
            "meeting_id", "case_id", "agency_id", name="uq_research_meeting_case_agency"
        ),
    )

    id: Mapped[uuid_pk]
    meeting_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("meeting.id"), index=True)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("marac_case.id"), index=True)
    agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agency.id"), index=True)
    author_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    no_information: Mapped[bool] = mapped_column(Boolean, default=False)
    about_victim_ct: Mapped[bytes | None] = encrypted_column()
    about_victim = EncryptedText("about_victim_ct")
    about_perpetrator_ct: Mapped[bytes | None] = encrypted_column()
    about_perpetrator = EncryptedText("about_perpetrator_ct")
    about_children_ct: Mapped[bytes | None] = encrypted_column()
    about_children = EncryptedText("about_children_ct")
    # The answers to the questions of the agency's kind (meetings/research.py),
    # keyed by question code: {"police_weapons": "yes", "police_incidents": "..."}.
    answers_ct: Mapped[bytes | None] = encrypted_column()
    answers = EncryptedJSON("answers_ct")
    updated_at: Mapped[created_at]

    agency: Mapped[Agency] = relationship()

    @property
    def shown_answers(self) -> list[ShownAnswer]:
        """The answers with their question labels, in the questions' order (decrypts them)."""
        return shown_answers(self.answers)


class ResearchChase(Base):
    """The coordinator reminded an agency of a meeting's outstanding research, on one day.

    One row per agency per meeting per day: a second press on the same day finds
    it and sends nothing.
    """

    __tablename__ = "research_chase"
    __table_args__ = (
        UniqueConstraint(
            "meeting_id", "agency_id", "chased_on", name="uq_research_chase_meeting_agency_day"
        ),
    )

    id: Mapped[uuid_pk]
    meeting_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("meeting.id", ondelete="CASCADE"), index=True
    )
    agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agency.id"), index=True)
    chased_on: Mapped[date] = mapped_column(Date, comment="the UTC day of the reminder")
    chased_at: Mapped[datetime]
    chased_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    cases_outstanding: Mapped[int] = mapped_column(
        Integer, comment="how many agenda cases the agency had not researched then"
    )


class Attendance(Base):
    """Who attended for which agency; case content is shown only after the statement is accepted."""

    __tablename__ = "attendance"
    __table_args__ = (UniqueConstraint("meeting_id", "user_id", name="uq_attendance_meeting_user"),)

    id: Mapped[uuid_pk]
    meeting_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("meeting.id"), index=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agency.id"))
    confidentiality_accepted_at: Mapped[datetime]

    agency: Mapped[Agency] = relationship()


class Apology(Base):
    """Apologies sent for an invited agency: who sent them, and an optional note.

    The name is a member of staff's, kept encrypted like any other person's name.
    """

    __tablename__ = "meeting_apology"

    id: Mapped[uuid_pk]
    meeting_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("meeting.id", ondelete="CASCADE"), index=True
    )
    agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agency.id"))
    name_ct: Mapped[bytes | None] = encrypted_column()
    name = EncryptedText("name_ct")
    note_ct: Mapped[bytes | None] = encrypted_column()
    note = EncryptedText("note_ct")
    recorded_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime]

    agency: Mapped[Agency] = relationship()


class Minutes(Base):
    """The minutes of one case at one meeting: a draft, then approved, sent and corrected.

    The row holds the latest version; each earlier one is kept, whole, as a
    :class:`MinutesVersion` when a correction replaces it.
    """

    __tablename__ = "minutes"
    __table_args__ = (UniqueConstraint("meeting_id", "case_id", name="uq_minutes_meeting_case"),)

    id: Mapped[uuid_pk]
    meeting_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("meeting.id"), index=True)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("marac_case.id"), index=True)
    content_ct: Mapped[bytes | None] = encrypted_column()
    content = EncryptedJSON("content_ct")
    produced_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    produced_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(
        Integer, default=1, server_default="1", comment="the number of the version held here"
    )
    approved_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    approved_at: Mapped[datetime | None] = mapped_column(comment="none while a draft")
    distributed_at: Mapped[datetime | None] = mapped_column(
        comment="when the version held here was sent; none before"
    )
    # The chair's comment when returning the draft to the coordinator (kept on
    # each case's row so that erasing a case clears it with the rest).
    return_comment_ct: Mapped[bytes | None] = encrypted_column()
    return_comment = EncryptedText("return_comment_ct")
    returned_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    returned_at: Mapped[datetime | None]
    corrected_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    corrected_at: Mapped[datetime | None] = mapped_column(comment="set from version 2 on")
    correction_reason_ct: Mapped[bytes | None] = encrypted_column()
    correction_reason = EncryptedText("correction_reason_ct")

    meeting: Mapped[Meeting] = relationship()
    case: Mapped[Case] = relationship()
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])
    corrected_by: Mapped[User | None] = relationship(foreign_keys=[corrected_by_id])
    distributions: Mapped[list[MinutesDistribution]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )
    earlier: Mapped[list[MinutesVersion]] = relationship(
        cascade="all, delete-orphan", order_by="MinutesVersion.number"
    )

    @property
    def is_draft(self) -> bool:
        return self.approved_at is None


class MinutesDistribution(Base):
    """One recipient of a case's minutes: an attendee of an attending agency."""

    __tablename__ = "minutes_distribution"
    __table_args__ = (
        UniqueConstraint("minutes_id", "user_id", name="uq_minutes_distribution_minutes_user"),
    )

    id: Mapped[uuid_pk]
    minutes_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("minutes.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"), index=True)
    agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agency.id"))
    distributed_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(
        Integer, default=1, server_default="1", comment="the latest version sent to them"
    )

    agency: Mapped[Agency] = relationship()


class MinutesVersion(Base):
    """An earlier version of a case's minutes, kept whole when a correction replaced it."""

    __tablename__ = "minutes_version"
    __table_args__ = (
        UniqueConstraint("minutes_id", "number", name="uq_minutes_version_minutes_number"),
    )

    id: Mapped[uuid_pk]
    minutes_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("minutes.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    content_ct: Mapped[bytes | None] = encrypted_column()
    content = EncryptedJSON("content_ct")
    made_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    made_at: Mapped[datetime]
    reason_ct: Mapped[bytes | None] = encrypted_column()
    reason = EncryptedText("reason_ct")
    distributed_at: Mapped[datetime | None]

    made_by: Mapped[User] = relationship()
