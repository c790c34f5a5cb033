"""What reaches the disk when: the sequencer's commits may wait in memory, a checkpoint may not.

On PostgreSQL the sequencer commits with ``synchronous_commit`` off for its
own transaction only: its events were already durable in the pending table.
A signed checkpoint is the one thing that needs the chained head on disk, so
``checkpoint_now`` forces the WAL to disk before it signs.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, event, text

import audit


@contextmanager
def statements_of(engine: Engine) -> Iterator[list[str]]:
    """Every statement the engine sends, and ``COMMIT`` where a transaction commits, in order."""
    seen: list[str] = []

    def on_execute(conn, cursor, statement, parameters, context, executemany) -> None:
        seen.append(" ".join(statement.split()))

    def on_commit(conn) -> None:
        seen.append("COMMIT")

    event.listen(engine, "before_cursor_execute", on_execute)
    event.listen(engine, "commit", on_commit)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
        event.remove(engine, "commit", on_commit)


def _index(seen: list[str], fragment: str, start: int = 0) -> int:
    return next(i for i in range(start, len(seen)) if fragment in seen[i])


def test_the_sequencer_commits_without_waiting_for_the_disk_and_only_itself(ledger):
    with ledger.engine.begin() as conn:
        ledger.enqueue(conn, 3)
    with statements_of(ledger.engine) as seen:
        assert ledger.sequence() == 3
    turn = _index(seen, "set_config('synchronous_commit', 'off', true)")
    assert _index(seen, "INSERT INTO audit_event", turn) < _index(seen, "COMMIT", turn)

    # The setting was for that transaction alone: the same pooled connection
    # commits the next writer's change synchronously again.
    with ledger.engine.connect() as conn:
        assert conn.execute(text("SHOW synchronous_commit")).scalar() == "on"
    with statements_of(ledger.engine) as seen:
        ledger.append(1)  # a writer chaining in its own transaction
    assert not any("synchronous_commit" in statement for statement in seen)


def test_a_checkpoint_forces_the_chained_head_to_disk_before_signing(ledger):
    with ledger.engine.begin() as conn:
        ledger.enqueue(conn, 5)
    ledger.sequence()  # committed without waiting for the disk
    with ledger.engine.connect() as conn:
        # At or past the sequencer's commit record: the point that must be on disk.
        after_head = conn.execute(text("SELECT pg_current_wal_insert_lsn()")).scalar()

    signed: list[str] = []
    real_append = ledger.store.append

    def append(checkpoint: audit.Checkpoint) -> None:
        signed.append(f"SIGNED {checkpoint.seq}")
        real_append(checkpoint)

    ledger.store.append = append  # type: ignore[method-assign]
    with statements_of(ledger.engine) as seen:
        made = ledger.checkpoint()
        seen.extend(signed)
    assert made is not None
    assert made.seq == 5

    # The head is read, then a transaction that writes WAL commits
    # synchronously, then the checkpoint is written: in that order.
    read_head = _index(seen, "ORDER BY audit_event.seq DESC")
    sync_on = _index(seen, "set_config('synchronous_commit', 'on', true)", read_head)
    wal_record = _index(seen, "pg_logical_emit_message", sync_on)
    committed = _index(seen, "COMMIT", wal_record)
    assert committed < seen.index("SIGNED 5")

    with ledger.engine.connect() as conn:
        flushed = conn.execute(
            text("SELECT pg_current_wal_flush_lsn() >= CAST(:lsn AS pg_lsn)"),
            {"lsn": str(after_head)},
        ).scalar()
    assert flushed


def test_nothing_to_sign_forces_nothing(ledger):
    ledger.append(2)
    ledger.checkpoint()
    with statements_of(ledger.engine) as seen:
        assert ledger.checkpoint() is None
    assert not any("pg_logical_emit_message" in statement for statement in seen)
