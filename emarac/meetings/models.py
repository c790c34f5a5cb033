"""MARAC meetings (the conference itself is built on this in the meetings feature)."""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from emarac.agencies.models import Area
from emarac.models_base import Base, created_at, uuid_pk


class MeetingStatus(StrEnum):
    PLANNED = "planned"
    AGENDA_RELEASED = "agenda_released"
    IN_SESSION = "in_session"
    MINUTED = "minuted"
    CLOSED = "closed"


class Meeting(Base):
    __tablename__ = "meeting"

    id: Mapped[uuid_pk]
    area_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("area.id"), index=True)
    held_on: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[MeetingStatus] = mapped_column(String(20), default=MeetingStatus.PLANNED)
    created_at: Mapped[created_at]

    area: Mapped[Area] = relationship()

    @property
    def title(self) -> str:
        return f"{self.area.name}, {self.held_on:%-d %B %Y}"
