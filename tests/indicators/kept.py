"""The hearing facts as the indicators find them, and as worked out from scratch."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Connection, select

from emarac.indicators import facts
from emarac.indicators.models import hearing_fact

Facts = dict[uuid.UUID, tuple[Any, ...]]


def kept(db: Any) -> Facts:
    """The facts after a refresh, committed, as a dashboard request leaves them."""
    with db.engine.begin() as conn:
        facts.refresh(conn)
        return _read(conn)


def from_scratch(db: Any) -> Facts:
    """Every fact worked out again, in a transaction that is then rolled back."""
    with db.engine.connect() as conn:
        facts.mark_everyone(conn)
        facts.refresh(conn)
        worked_out = _read(conn)
        conn.rollback()
    return worked_out


def _read(conn: Connection) -> Facts:
    return {row[0]: tuple(row[1:]) for row in conn.execute(select(hearing_fact))}
