"""The declarative base and the column shapes every feature reuses."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from sqlalchemy import DateTime, MetaData, String, Uuid
from sqlalchemy.orm import DeclarativeBase, mapped_column, registry

from emarac.clock import utcnow

# Named constraints keep Alembic migrations stable and readable on both dialects.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

uuid_pk = Annotated[uuid.UUID, mapped_column(Uuid, primary_key=True, default=uuid.uuid4)]
created_at = Annotated[datetime, mapped_column(DateTime(timezone=True), default=utcnow)]
str64 = Annotated[str, mapped_column(String(64))]
str255 = Annotated[str, mapped_column(String(255))]


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={uuid.UUID: Uuid, datetime: DateTime(timezone=True)},
    )

    def __init__(self, **kwargs: Any) -> None:
        # Keys are made by the application at construction, not at flush, so a
        # ciphertext can be bound to its row id before the row is inserted.
        cls = type(self)
        for key, value in kwargs.items():
            if not hasattr(cls, key):
                raise TypeError(f"{key!r} is an invalid keyword argument for {cls.__name__}")
            setattr(self, key, value)
        mapper = getattr(cls, "__mapper__", None)
        if mapper is not None and "id" in mapper.columns and getattr(self, "id", None) is None:
            id_column = mapper.columns["id"]
            if isinstance(id_column.type, Uuid):
                self.id = uuid.uuid4()
