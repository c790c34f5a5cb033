"""In-app notifications. Their text carries the case reference and nothing personal."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from emarac.models_base import Base, created_at, uuid_pk


class Notification(Base):
    __tablename__ = "notification"

    id: Mapped[uuid_pk]
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"), index=True)
    case_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("marac_case.id"))
    kind: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(String(200), comment="case reference only, never names")
    created_at: Mapped[created_at]
    read_at: Mapped[datetime | None]
