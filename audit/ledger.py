"""Appending events to the ledger, inside the caller's transaction."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Connection, Table, insert, select, text, update
from sqlalchemy.orm import Session

from audit.encoding import GENESIS_HASH, HASHED_COLUMNS, body, encode_fields

# One fixed key for pg_advisory_xact_lock: every append takes it, so appends
# are serialised and each one reads the true head. The lock is released at
# commit or rollback, so it never outlives the transaction that took it.
ADVISORY_LOCK_KEY = 0x656D61726163_01  # "emarac" + 1

_ACTION = re.compile(r"^[a-z_]+(\.[a-z_]+)+$")
_FIELD = re.compile(r"^[a-z_][a-z0-9_.]*$")


@dataclass(frozen=True)
class AuditEvent:
    """One thing that happened. Field *names* only: values never enter the ledger."""

    action: str
    user_id: str | None = None
    agency_id: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    fields: tuple[str, ...] = field(default_factory=tuple)
    purpose: str | None = None
    recipient: str | None = None
    request_id: str | None = None
    client_addr: str | None = None
    occurred_at: datetime | None = None

    def __post_init__(self) -> None:
        if not _ACTION.match(self.action):
            raise ValueError("action must be a namespaced name like 'case.view'")
        for name in self.fields:
            # A guard against values slipping in where names belong.
            if not _FIELD.match(name):
                raise ValueError("fields must be field names (lower-case identifiers)")
        for name in ("object_type",):
            value = getattr(self, name)
            if value is not None and not _FIELD.match(value):
                raise ValueError(f"{name} must be a lower-case identifier")


def hash_row(prev_hash: str, values: tuple[object, ...]) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + body(values)).hexdigest()


def _connection(target: Connection | Session) -> Connection:
    return target.connection() if isinstance(target, Session) else target


def _serialise(conn: Connection, table: Table) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
    elif conn.dialect.name == "sqlite":
        # A write that changes nothing still takes SQLite's RESERVED lock, so no
        # other connection can append between our read of the head and our insert.
        conn.execute(update(table).where(text("1 = 0")).values(seq=table.c.seq))


def head(conn: Connection, table: Table) -> tuple[int, str]:
    """The last sequence number and hash, or (0, genesis) for an empty ledger."""
    row = conn.execute(
        select(table.c.seq, table.c.hash).order_by(table.c.seq.desc()).limit(1)
    ).first()
    return (0, GENESIS_HASH) if row is None else (int(row[0]), str(row[1]))


def record(target: Connection | Session, event: AuditEvent, *, table: Table) -> int:
    """Append ``event`` in the caller's transaction (never commits); returns its seq."""
    conn = _connection(target)
    _serialise(conn, table)
    last_seq, prev_hash = head(conn, table)
    seq = last_seq + 1
    occurred = event.occurred_at or datetime.now(UTC)
    if occurred.tzinfo is None:
        occurred = occurred.replace(tzinfo=UTC)
    values = (
        seq,
        occurred,
        event.user_id,
        event.agency_id,
        event.action,
        event.object_type,
        event.object_id,
        encode_fields(event.fields),
        event.purpose,
        event.recipient,
        event.request_id,
        event.client_addr,
    )
    row: dict[str, object] = dict(zip(HASHED_COLUMNS, values, strict=True))
    row["prev_hash"] = prev_hash
    row["hash"] = hash_row(prev_hash, values)
    conn.execute(insert(table).values(**row))
    return seq
