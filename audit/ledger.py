"""Appending events to the ledger.

Two ways in, both inside the caller's transaction so an event commits or
rolls back with the change it records:

- :func:`enqueue` inserts the event into the pending table and takes no
  lock, so concurrent writers never queue behind each other; after commit,
  :func:`sequence` chains whatever is committed into the ledger, one
  sequencer at a time (one caller per process runs it for all the others).
  This is the path for a busy application.
- :func:`record` chains the event at once under the ledger lock, which every
  other writer then waits for until this transaction ends. It suits a single
  writer (a bulk load, a command).
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import threading
import weakref
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Delete,
    Engine,
    Insert,
    Select,
    Table,
    Update,
    bindparam,
    delete,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import TextClause

from audit.encoding import GENESIS_HASH, HASHED_COLUMNS, body, encode_fields

# One fixed key for pg_advisory_xact_lock: every append takes it, so appends
# are serialised and each one reads the true head. The lock is released at
# commit or rollback, so it never outlives the transaction that took it.
ADVISORY_LOCK_KEY = 0x656D61726163_01  # "emarac" + 1

# Quotes names in the statements written for PostgreSQL as text.
_POSTGRESQL_QUOTE = postgresql.dialect().identifier_preparer

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


_LOCK = text("SELECT pg_advisory_xact_lock(:key)")
# The sequencer's turn. Its own commit need not wait for the disk
# (synchronous_commit off for this transaction only): the events it moves
# were committed synchronously into the pending table by the writer's own
# transaction, and the move is one transaction, so a crash that loses an
# unflushed move leaves those events pending, to be chained again; and WAL is
# flushed in order, so what survives is always a prefix of the chain. Only a
# signed checkpoint relies on the head being on disk, and
# :func:`audit.checkpoints.checkpoint_now` flushes it before signing.
_SEQUENCER_TURN = text(
    "SELECT pg_advisory_xact_lock(:key), set_config('synchronous_commit', 'off', true)"
)


@dataclass(frozen=True)
class _LedgerStatements:
    """The ledger's statements, built once: a busy ledger runs them thousands of times a
    second, and SQLAlchemy finds a prebuilt statement's compiled form in its cache at once."""

    head: Select[tuple[int, str]]
    claim: Update
    append: Insert


@dataclass(frozen=True)
class _InboxStatements:
    """The pending table's statements, built once likewise."""

    enqueue: Insert
    # PostgreSQL: the same INSERT as driver SQL (the driver's %s placeholders),
    # values in the order of HASHED_COLUMNS after seq. Every writer pays for
    # it once per event, and handing it to the driver as it stands skips the
    # statement's cache key and parameter processing, about a third of the
    # insert's Python time. SQLite keeps ``enqueue``: its DateTime values need
    # SQLAlchemy's own conversion.
    enqueue_sql: str
    remove: Delete  # SQLite's half of a move (see _move)


@dataclass(frozen=True)
class _RunStatements:
    """The sequencer's statements for one ledger and its pending table, built once."""

    # The next batch of pending events, each row ending with the ledger's head
    # (seq, hash; NULL when the ledger is empty): one round trip, not two.
    waiting: Select[tuple[Any, ...]]
    # PostgreSQL: the batch out of the pending table and into the ledger in
    # one statement. Only the ids and the hashes travel, as one text each
    # (comma-separated: the driver would dump a list value by value, in
    # Python): the server already holds every other value, and copies it from
    # the rows it deletes, and the text is the same whatever the batch's size,
    # so the server prepares it once. Each row's seq and prev_hash follow from
    # its place in the batch.
    move: TextClause


@functools.cache
def _run_statements(table: Table, pending: Table) -> _RunStatements:
    newest = table.c.seq.desc()
    columns = [pending.c[name] for name in HASHED_COLUMNS[1:]]
    waiting = (
        select(
            pending.c.id,
            *columns,
            select(table.c.seq).order_by(newest).limit(1).scalar_subquery(),
            select(table.c.hash).order_by(newest).limit(1).scalar_subquery(),
        )
        .order_by(pending.c.id)
        .limit(bindparam("batch"))
    )
    quote = _POSTGRESQL_QUOTE
    content = ", ".join(quote.quote(name) for name in HASHED_COLUMNS[1:])
    names = ", ".join(map(quote.quote, (*HASHED_COLUMNS, "prev_hash", "hash")))
    move = text(
        # Names from the table definitions, quoted; every value is bound.
        "WITH batch AS (SELECT * FROM unnest(CAST(string_to_array(:ids, ',') AS BIGINT[]),"  # noqa: S608  # nosec B608 - names from the schema
        " string_to_array(:hashes, ',')) WITH ORDINALITY AS b(id, hash, n)),"
        f" moved AS (DELETE FROM {quote.format_table(pending)} AS p USING batch"
        f" WHERE p.{quote.quote('id')} = batch.id RETURNING batch.n, batch.hash, {content})"
        f" INSERT INTO {quote.format_table(table)} ({names})"
        f" SELECT CAST(:seq AS BIGINT) + n - 1, {content},"
        " coalesce(lag(hash) OVER (ORDER BY n), CAST(:prev_hash AS TEXT)), hash FROM moved"
    )
    return _RunStatements(waiting=waiting, move=move)


def _move(conn: Connection, table: Table, pending: Table, ids: list[int], rows: list[Any]) -> None:
    """Insert the chained ``rows`` into the ledger and delete ``ids`` from the pending table."""
    if conn.dialect.name == "postgresql":
        first = rows[0]
        moved = conn.execute(
            _run_statements(table, pending).move,
            {
                "ids": ",".join(map(str, ids)),
                "hashes": ",".join(row["hash"] for row in rows),
                "seq": first["seq"],
                "prev_hash": first["prev_hash"],
            },
        )
        # Only the sequencer deletes pending rows, under the ledger's lock, so
        # every row read is still there; if one were not, the rows after it
        # would take the wrong seq and prev_hash: refuse the whole batch.
        if moved.rowcount != len(ids):
            raise RuntimeError("pending events vanished while being chained; none were moved")
        return
    conn.execute(_ledger(table).append, rows)
    conn.execute(_inbox(pending).remove, {"ids": ids})


@functools.cache
def _ledger(table: Table) -> _LedgerStatements:
    return _LedgerStatements(
        head=select(table.c.seq, table.c.hash).order_by(table.c.seq.desc()).limit(1),
        claim=update(table).where(text("1 = 0")).values(seq=table.c.seq),
        append=insert(table),
    )


@functools.cache
def _inbox(pending: Table) -> _InboxStatements:
    quote = _POSTGRESQL_QUOTE
    columns = HASHED_COLUMNS[1:]
    return _InboxStatements(
        # inline(): no RETURNING of the new row's id, which nobody reads, on every event.
        enqueue=insert(pending).inline(),
        # Names from the table definition, quoted; every value is bound.
        enqueue_sql=f"INSERT INTO {quote.format_table(pending)}"  # noqa: S608  # nosec B608 - names from the schema
        f" ({', '.join(map(quote.quote, columns))}) VALUES ({', '.join(['%s'] * len(columns))})",
        remove=delete(pending).where(pending.c.id.in_(bindparam("ids", expanding=True))),
    )


def _serialise(conn: Connection, table: Table, *, sequencer: bool = False) -> None:
    """Take the ledger's turn until this transaction ends, waiting for it if need be.

    The ``sequencer``'s turn also lets its commit skip waiting for the disk
    on PostgreSQL (see ``_SEQUENCER_TURN``): never for a writer's own
    transaction, whose change must be durable when it commits.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(_SEQUENCER_TURN if sequencer else _LOCK, {"key": ADVISORY_LOCK_KEY})
    elif conn.dialect.name == "sqlite":
        # A write that changes nothing still takes SQLite's RESERVED lock, so no
        # other connection can append between our read of the head and our insert.
        # SQLite has one writer at a time anyway, so this always waits its turn.
        conn.execute(_ledger(table).claim)


def head(conn: Connection, table: Table) -> tuple[int, str]:
    """The last sequence number and hash, or (0, genesis) for an empty ledger."""
    row = conn.execute(_ledger(table).head).first()
    return (0, GENESIS_HASH) if row is None else (int(row[0]), str(row[1]))


def _content(event: AuditEvent) -> tuple[object, ...]:
    """The event's hashed values after ``seq``, in the order of HASHED_COLUMNS."""
    occurred = event.occurred_at or datetime.now(UTC)
    if occurred.tzinfo is None:
        occurred = occurred.replace(tzinfo=UTC)
    return (
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


def _chained_row(seq: int, prev_hash: str, content: tuple[object, ...]) -> dict[str, object]:
    values = (seq, *content)
    row: dict[str, object] = dict(zip(HASHED_COLUMNS, values, strict=True))
    row["prev_hash"] = prev_hash
    row["hash"] = hash_row(prev_hash, values)
    return row


def record(target: Connection | Session, event: AuditEvent, *, table: Table) -> int:
    """Chain ``event`` now, in the caller's transaction (never commits); returns its seq.

    Holds the ledger lock until the caller's transaction ends: for one writer.
    """
    conn = _connection(target)
    _serialise(conn, table)
    last_seq, prev_hash = head(conn, table)
    row = _chained_row(last_seq + 1, prev_hash, _content(event))
    conn.execute(_ledger(table).append, row)
    return last_seq + 1


def enqueue(target: Connection | Session, event: AuditEvent, *, pending: Table) -> None:
    """Write ``event`` to the pending table in the caller's transaction; takes no lock.

    It is chained by the next :func:`sequence` after the caller commits; if the
    caller rolls back, it never existed.
    """
    conn = _connection(target)
    content = _content(event)
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(_inbox(pending).enqueue_sql, content)
        return
    conn.execute(_inbox(pending).enqueue, dict(zip(HASHED_COLUMNS[1:], content, strict=True)))


@dataclass
class _Turns:
    """This process's sequencer for one ledger: who is running it, and what it owes.

    ``again``: a caller committed events after the current run began, so
    another run is owed. ``relief_wanted``: the runner has done a run of its
    own and would hand over to the next caller; ``relief_coming``: one has
    taken it up and waits for the current run to end.
    """

    changed: threading.Condition = field(default_factory=threading.Condition)
    running: bool = False
    again: bool = False
    relief_wanted: bool = False
    relief_coming: bool = False


_turns: weakref.WeakKeyDictionary[Engine, dict[str, _Turns]] = weakref.WeakKeyDictionary()
_turns_guard = threading.Lock()


def _forget_turns() -> None:
    # A forked child starts with no run of its own, whatever its parent was doing.
    global _turns_guard
    _turns_guard = threading.Lock()
    _turns.clear()


if hasattr(os, "register_at_fork"):  # POSIX; a web server forks its workers
    os.register_at_fork(after_in_child=_forget_turns)


def _turns_for(engine: Engine, table: Table) -> _Turns:
    with _turns_guard:
        by_table = _turns.setdefault(engine, {})
        turns = by_table.get(table.fullname)
        if turns is None:  # not setdefault: every call would build a _Turns to throw away
            turns = by_table[table.fullname] = _Turns()
        return turns


def sequence(engine: Engine, *, table: Table, pending: Table, batch: int = 5_000) -> int:
    """Chain every committed pending event into the ledger; returns how many it chained.

    Call it after commit, never inside a transaction that holds the ledger's
    turn (one that called :func:`record`): it waits for that turn.

    Within a process one caller at a time runs the sequencer. A call that
    finds it running returns at once (0) without touching the database: the
    runner sees that it owes another run and makes it, so the events are
    chained all the same. So that no caller is kept chaining for others while
    the load lasts, a runner that has done one run hands over to the next
    caller, which waits for the current run to end and carries on. Whatever
    was committed before the last call returned is chained once every call
    has returned.
    """
    turns = _turns_for(engine, table)
    with turns.changed:
        if turns.running:
            turns.again = True
            if not turns.relief_wanted or turns.relief_coming:
                return 0  # the runner will run again and chain these events too
            turns.relief_coming = True
            while turns.running:
                turns.changed.wait()
            turns.relief_coming = False
        turns.running = True
        turns.relief_wanted = False
    chained = 0
    try:
        while True:
            with turns.changed:
                turns.again = False
            chained += _chain_committed(engine, table=table, pending=pending, batch=batch)
            with turns.changed:
                if not turns.again or turns.relief_coming:
                    break  # nothing owed, or the relief makes the owed run
                turns.relief_wanted = True
    finally:
        # After a failure too: the events stay pending, and the next caller
        # (or the relief already waiting) runs again.
        with turns.changed:
            turns.running = False
            turns.relief_wanted = False
            turns.changed.notify_all()
    return chained


def _chain_committed(engine: Engine, *, table: Table, pending: Table, batch: int) -> int:
    """One run of the sequencer: take the ledger's turn and chain every committed event.

    The turn is the ledger's lock, so runs in several processes take turns:
    one that finds another at work waits for it, then chains all that is
    committed by then (usually nothing more, or what arrived meanwhile).
    Each batch moves in one transaction (inserted into the ledger, deleted
    from the pending table), so a crash leaves every event in exactly one of
    them.
    """
    waiting = _run_statements(table, pending).waiting
    chained = 0
    while True:
        with engine.begin() as conn:
            _serialise(conn, table, sequencer=True)
            rows = conn.execute(waiting, {"batch": batch}).all()
            if not rows:
                return chained
            last_seq, prev_hash = rows[0][-2:]
            if last_seq is None:
                last_seq, prev_hash = 0, GENESIS_HASH
            chained_rows = []
            for offset, row in enumerate(rows, start=1):
                entry = _chained_row(int(last_seq) + offset, str(prev_hash), tuple(row[1:-2]))
                prev_hash = str(entry["hash"])
                chained_rows.append(entry)
            _move(conn, table, pending, [row[0] for row in rows], chained_rows)
            chained += len(rows)
        if len(rows) < batch:
            return chained
        # A full batch: more may be waiting, so take the turn again for the next.
