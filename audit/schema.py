"""The ledger table and the database guards that make it append-only."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

DEFAULT_TABLE = "audit_event"
PENDING_SUFFIX = "_pending"


def _event_columns() -> list[Column[Any]]:
    """What an event says, chained or not (the hashed columns after ``seq``)."""
    return [
        Column("occurred_at", DateTime(timezone=True), nullable=False),
        Column("user_id", String(36)),
        Column("agency_id", String(36)),
        Column("action", String(64), nullable=False),
        Column("object_type", String(64)),
        Column("object_id", String(64)),
        Column("fields", Text, comment="JSON list of field names, never values"),
        Column("purpose", Text),
        Column("recipient", Text),
        Column("request_id", String(64)),
        Column("client_addr", String(64)),
    ]


def define_ledger_table(metadata: MetaData, name: str = DEFAULT_TABLE) -> Table:
    """The ledger table in the caller's metadata, so the app's migrations see it.

    ``seq`` is assigned by :func:`audit.record` as head + 1, never by an
    autoincrement: two writers that raced would both claim the same number and
    the primary key refuses the second, so the chain cannot fork silently.
    """
    return Table(
        name,
        metadata,
        Column("seq", BigInteger, primary_key=True, autoincrement=False),
        *_event_columns(),
        Column("prev_hash", String(64), nullable=False),
        Column("hash", String(64), nullable=False),
        Index(f"ix_{name}_action", "action"),
        Index(f"ix_{name}_object", "object_type", "object_id"),
        Index(f"ix_{name}_user_id", "user_id"),
        Index(f"ix_{name}_occurred_at", "occurred_at"),
        comment="tamper-evident audit ledger; append-only",
    )


def define_pending_table(metadata: MetaData, ledger: str = DEFAULT_TABLE) -> Table:
    """Events committed with their change but not chained yet: the sequencer's inbox.

    A writer inserts here inside its own transaction, taking no lock, so
    concurrent writers never wait for one another; :func:`audit.sequence`
    moves the rows into the ledger in the order it finds them committed.
    ``id`` only orders the inbox: it is not part of an event's hash.
    """
    return Table(
        ledger + PENDING_SUFFIX,
        metadata,
        Column(
            "id",
            BigInteger().with_variant(Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        *_event_columns(),
        comment="audit events awaiting the sequencer; rows leave only into the ledger",
    )


def guard_statements(dialect_name: str, table: str = DEFAULT_TABLE) -> list[str]:
    """DDL that makes the database refuse UPDATE, DELETE (and TRUNCATE) on the ledger."""
    if dialect_name == "sqlite":
        return [
            f"CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table} "
            "BEGIN SELECT RAISE(ABORT, 'audit ledger is append-only'); END",
            f"CREATE TRIGGER IF NOT EXISTS {table}_no_delete BEFORE DELETE ON {table} "
            "BEGIN SELECT RAISE(ABORT, 'audit ledger is append-only'); END",
        ]
    if dialect_name == "postgresql":
        return [
            f"CREATE OR REPLACE FUNCTION {table}_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION 'audit ledger is append-only'; END $$",
            f"CREATE OR REPLACE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {table}_refuse()",
            f"CREATE OR REPLACE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {table}_refuse()",
        ]
    raise ValueError(f"no audit guards for dialect {dialect_name!r}")


def pending_guard_statements(dialect_name: str, ledger: str = DEFAULT_TABLE) -> list[str]:
    """DDL that makes the database refuse UPDATE on the inbox: an event waits unchanged.

    DELETE stays allowed: the sequencer deletes each row in the transaction
    that writes it into the ledger.
    """
    table = ledger + PENDING_SUFFIX
    if dialect_name == "sqlite":
        return [
            f"CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table} "
            "BEGIN SELECT RAISE(ABORT, 'pending audit events cannot be changed'); END",
        ]
    if dialect_name == "postgresql":
        return [
            f"CREATE OR REPLACE FUNCTION {table}_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION 'pending audit events cannot be changed'; END $$",
            f"CREATE OR REPLACE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {table}_refuse()",
        ]
    raise ValueError(f"no audit guards for dialect {dialect_name!r}")


def drop_guard_statements(dialect_name: str, table: str = DEFAULT_TABLE) -> list[str]:
    if dialect_name == "sqlite":
        return [
            f"DROP TRIGGER IF EXISTS {table}_no_update",
            f"DROP TRIGGER IF EXISTS {table}_no_delete",
        ]
    if dialect_name == "postgresql":
        return [
            f"DROP TRIGGER IF EXISTS {table}_no_change ON {table}",
            f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}",
            f"DROP FUNCTION IF EXISTS {table}_refuse()",
        ]
    raise ValueError(f"no audit guards for dialect {dialect_name!r}")
