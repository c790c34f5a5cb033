"""Data keys (DEKs), stored only wrapped by the key-encryption key."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from emarac.models_base import Base, created_at


class KeyState(StrEnum):
    ACTIVE = "active"  # the newest: new values are encrypted under it
    DECRYPT_ONLY = "decrypt_only"  # older; values still use it until rotation ends
    RETIRED = "retired"  # no value uses it any more


class DataKey(Base):
    __tablename__ = "data_key"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary, comment="DEK wrapped by the KEK")
    kek_id: Mapped[str] = mapped_column(String(64))
    state: Mapped[KeyState] = mapped_column(String(16))
    created_at: Mapped[created_at]
    retired_at: Mapped[datetime | None]
