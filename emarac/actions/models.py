"""Actions agreed at the conference, each owned by one agency with a due date."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from emarac.agencies.models import Agency, User
from emarac.cases.models import Case
from emarac.crypto.fields import EncryptedText, encrypted_column
from emarac.models_base import Base, created_at, uuid_pk


class ActionStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    CANNOT = "cannot"

    @property
    def label(self) -> str:
        return {"open": "Open", "done": "Done", "cannot": "Cannot be done"}[self.value]


class Action(Base):
    __tablename__ = "action"

    id: Mapped[uuid_pk]
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("marac_case.id"), index=True)
    meeting_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("meeting.id"), index=True)
    owner_agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agency.id"), index=True)
    created_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    description_ct: Mapped[bytes | None] = encrypted_column()
    description = EncryptedText("description_ct")
    due_on: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[ActionStatus] = mapped_column(String(8), default=ActionStatus.OPEN, index=True)
    completion_note_ct: Mapped[bytes | None] = encrypted_column()
    completion_note = EncryptedText("completion_note_ct")
    completed_on: Mapped[date | None] = mapped_column(Date)
    last_chased_at: Mapped[datetime | None]
    created_at: Mapped[created_at]

    case: Mapped[Case] = relationship()
    owner_agency: Mapped[Agency] = relationship()
    created_by: Mapped[User] = relationship()
    updates: Mapped[list[ActionUpdate]] = relationship(
        back_populates="action", order_by="ActionUpdate.number.desc()"
    )

    @property
    def status_label(self) -> str:
        return ActionStatus(self.status).label

    def is_overdue(self, today: date) -> bool:
        """Overdue from the day after the due date while still open."""
        return self.status == ActionStatus.OPEN and today > self.due_on


class ActionUpdate(Base):
    """One update of an action by its owning agency, kept as it was made: the history.

    ``update_action`` writes one in the transaction that changes the action, so
    the action's own columns always equal its newest update.
    """

    __tablename__ = "action_update"
    __table_args__ = (
        UniqueConstraint("action_id", "number", name="uq_action_update_action_id_number"),
    )

    id: Mapped[uuid_pk]
    action_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("action.id"), index=True)
    number: Mapped[int] = mapped_column(
        Integer, comment="1 for the action's first update, then 2, ...: the history's order"
    )
    by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    agency_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("agency.id"), comment="the agency the updater worked for at the time"
    )
    status: Mapped[ActionStatus] = mapped_column(String(8))
    note_ct: Mapped[bytes | None] = encrypted_column()
    note = EncryptedText("note_ct")
    made_at: Mapped[created_at]

    action: Mapped[Action] = relationship(back_populates="updates")
    by: Mapped[User] = relationship()
    agency: Mapped[Agency] = relationship()

    @property
    def status_label(self) -> str:
        return ActionStatus(self.status).label
