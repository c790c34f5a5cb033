"""The sequencer: events wait unchained in the pending table and are chained after commit.

The guarantees kept from the single-writer ledger: an event commits or rolls
back with its change, the chain has no forks or gaps, ``verify`` accounts for
every event, and a crash anywhere between a change's commit and its chaining
loses nothing.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, event, func, select, text
from sqlalchemy.exc import DBAPIError

import audit
from tests.audit.conftest import in_threads

ROOT = Path(__file__).resolve().parents[2]


def _change_table(ledger) -> Table:
    """A stand-in for the application's own rows: the change an event records."""
    table = Table("change", MetaData(), Column("id", Integer, primary_key=True))
    table.create(ledger.engine)
    return table


def _chained_actions(ledger) -> list[str]:
    with ledger.engine.connect() as conn:
        return list(conn.scalars(select(ledger.table.c.action).order_by(ledger.table.c.seq)))


def test_committed_events_are_chained_in_the_order_written(ledger):
    with ledger.engine.begin() as conn:
        ledger.enqueue(conn, 2, action="case.view")
        ledger.enqueue(conn, 1, action="case.update")
    ledger.append(1, action="case.close")  # a single writer chaining at once, in between
    with ledger.engine.begin() as conn:
        ledger.enqueue(conn, 1, action="case.open")

    before = ledger.verify()
    assert before.ok
    assert before.count == 1
    assert before.pending_events == 4

    assert ledger.sequence() == 4
    assert ledger.waiting() == 0
    assert _chained_actions(ledger) == [
        "case.close",
        "case.view",
        "case.view",
        "case.update",
        "case.open",
    ]
    ledger.checkpoint()
    after = ledger.verify()
    assert after.ok
    assert after.count == 5
    assert after.pending_events == 0
    assert ledger.sequence() == 0


def test_a_rolled_back_change_leaves_no_event_and_a_committed_one_always_has_its_event(ledger):
    change = _change_table(ledger)
    conn = ledger.engine.connect()
    with conn.begin() as transaction:
        conn.execute(change.insert().values(id=1))
        ledger.enqueue(conn, 1, action="case.update")
        transaction.rollback()  # the request failed after writing
    conn.close()
    with ledger.engine.begin() as conn:
        conn.execute(change.insert().values(id=2))
        ledger.enqueue(conn, 1, action="case.create")

    assert ledger.sequence() == 1
    assert _chained_actions(ledger) == ["case.create"]
    with ledger.engine.connect() as conn:
        assert list(conn.scalars(select(change.c.id))) == [2]


def test_every_value_of_an_event_reaches_its_own_column_in_the_ledger(ledger):
    """Each value is hashed as it is stored, so a value written into the wrong column
    would still verify: only reading the chained event back shows where each one went."""
    when = datetime(2026, 11, 23, 4, 31, 0, 123456, tzinfo=UTC)
    written = audit.AuditEvent(
        action="case.disclose",
        user_id="user-1",
        agency_id="agency-2",
        object_type="marac_case",
        object_id="case-3",
        fields=("family_name", "date_of_birth"),
        purpose="Safeguarding: 100% needed, l'école d'Émile",
        recipient="Children's services",
        request_id="request-4",
        client_addr="192.0.2.5",
        occurred_at=when,
    )
    with ledger.engine.begin() as conn:
        audit.enqueue(conn, written, pending=ledger.pending)
    assert ledger.sequence() == 1

    with ledger.engine.connect() as conn:
        row = conn.execute(select(ledger.table)).mappings().one()
    occurred = row["occurred_at"]
    assert (occurred if occurred.tzinfo else occurred.replace(tzinfo=UTC)) == when
    assert {name: row[name] for name in audit.encoding.HASHED_COLUMNS[2:]} == {
        "user_id": "user-1",
        "agency_id": "agency-2",
        "action": "case.disclose",
        "object_type": "marac_case",
        "object_id": "case-3",
        "fields": '["date_of_birth","family_name"]',
        "purpose": "Safeguarding: 100% needed, l'école d'Émile",
        "recipient": "Children's services",
        "request_id": "request-4",
        "client_addr": "192.0.2.5",
    }
    assert ledger.verify().count == 1


def test_an_event_waits_after_one_insert_that_reads_nothing_back(ledger):
    """A writer pays for one INSERT per event: no RETURNING of an id that nobody reads."""
    sent: list[str] = []

    def on_execute(conn, cursor, statement, parameters, context, executemany) -> None:
        sent.append(statement)

    with ledger.engine.begin() as conn:
        event.listen(conn, "before_cursor_execute", on_execute)
        ledger.enqueue(conn, 2)
        event.remove(conn, "before_cursor_execute", on_execute)
    assert len(sent) == 2
    assert all(s.startswith("INSERT INTO audit_event_pending") for s in sent)
    assert not any("RETURNING" in s for s in sent)
    assert ledger.waiting() == 2


def test_batches_keep_one_chain(ledger):
    with ledger.engine.begin() as conn:
        ledger.enqueue(conn, 25)
    assert audit.sequence(ledger.engine, table=ledger.table, pending=ledger.pending, batch=7) == 25
    result = ledger.verify()
    assert result.ok
    assert result.count == 25


def test_a_batch_that_loses_a_row_while_being_chained_moves_nothing(ledger):
    """The move copies each event from the row it deletes, so a row gone since it was read
    would leave a gap: the whole batch is refused and stays pending, to be chained again."""
    with ledger.engine.begin() as conn:
        ledger.enqueue(conn, 3)

    def vanish(conn, cursor, statement, parameters, context, executemany) -> None:
        if "INSERT INTO audit_event " in statement:  # the move, in the sequencer's transaction
            cursor.execute(
                "DELETE FROM audit_event_pending WHERE id = "
                "(SELECT id FROM audit_event_pending ORDER BY id OFFSET 1 LIMIT 1)"
            )

    event.listen(ledger.engine, "before_cursor_execute", vanish)
    with pytest.raises(RuntimeError, match="vanished"):
        ledger.sequence()
    event.remove(ledger.engine, "before_cursor_execute", vanish)
    assert ledger.waiting() == 3
    assert ledger.verify().count == 0

    assert ledger.sequence() == 3
    result = ledger.verify()
    assert result.ok
    assert result.count == 3


def test_a_pending_event_cannot_be_changed_while_it_waits(ledger):
    with ledger.engine.begin() as conn:
        ledger.enqueue(conn, 1)
    with pytest.raises(DBAPIError, match="cannot be changed"), ledger.engine.begin() as conn:
        conn.execute(ledger.pending.update().values(action="case.forged"))


def test_verify_counts_pending_events_in_the_unprotected_tail(ledger):
    ledger.append(3)
    ledger.checkpoint()
    with ledger.engine.begin() as conn:
        ledger.enqueue(conn, 2)
    result = ledger.verify()
    assert result.ok
    assert (result.tail_events, result.pending_events) == (0, 2)
    assert result.tail_problems(max_events=1) == [
        "2 events after the last checkpoint (2 of them not yet chained) (at most 1)"
    ]


def _prelude(ledger) -> str:
    return textwrap.dedent(
        f"""
        import os, signal
        from sqlalchemy import MetaData, create_engine
        import audit
        metadata = MetaData()
        ledger = audit.define_ledger_table(metadata)
        pending = audit.define_pending_table(metadata)
        engine = create_engine({ledger.url!r})
        event = audit.AuditEvent(action="case.update", object_type="marac_case", object_id="c-1")
        """
    )


def _run(ledger, script: str) -> subprocess.CompletedProcess[str]:
    """Run ``script`` in a new Python process with ``ledger``, ``pending`` and ``engine`` set up."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-c", _prelude(ledger) + textwrap.dedent(script)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=False,
        timeout=60,
    )


def _start(ledger, script: str) -> subprocess.Popen[str]:
    """Start ``script`` like :func:`_run`, without waiting for it."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(  # noqa: S603 - our own interpreter, our own script
        [sys.executable, "-c", _prelude(ledger) + textwrap.dedent(script)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=env,
    )


def test_a_crash_between_commit_and_chaining_loses_nothing(ledger):
    ledger.append(2)
    crashed = _run(
        ledger,
        """
        with engine.begin() as conn:
            audit.enqueue(conn, event, pending=pending)
        # Committed; the process dies before any sequencer runs.
        os.kill(os.getpid(), signal.SIGKILL)
        """,
    )
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr

    waiting = ledger.verify()
    assert waiting.ok
    assert waiting.count == 2
    assert waiting.pending_events == 1
    assert ledger.sequence() == 1  # the next commit, the checkpoint job or the command
    result = ledger.verify()
    assert result.ok
    assert result.count == 3
    assert result.pending_events == 0
    assert _chained_actions(ledger)[-1] == "case.update"


def test_a_crash_while_chaining_leaves_each_event_in_exactly_one_place(ledger):
    with ledger.engine.begin() as conn:
        ledger.enqueue(conn, 3)
    crashed = _run(
        ledger,
        """
        from sqlalchemy import event as events

        moved = []

        @events.listens_for(engine, "after_cursor_execute")
        def seen(conn, cursor, statement, *args):
            if "INSERT INTO audit_event " in statement:
                moved.append(statement)

        @events.listens_for(engine, "commit")
        def die(conn):
            if moved:
                # Into the ledger and out of the pending table, not yet committed.
                print("moved", flush=True)
                os.kill(os.getpid(), signal.SIGKILL)

        audit.sequence(engine, table=ledger, pending=pending)
        """,
    )
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr
    assert crashed.stdout == "moved\n"  # it died between the move and its commit
    assert ledger.waiting() == 3
    assert ledger.verify().count == 0

    assert ledger.sequence() == 3
    result = ledger.verify()
    assert result.ok
    assert result.count == 3
    assert result.pending_events == 0


def test_concurrent_writers_leave_nothing_behind_for_the_sequencer(ledger):
    """Each writer commits, then tries to sequence; one that finds another sequencer at work
    leaves its events to it. No final sweep here: none may be left pending."""

    def writer() -> None:
        for _ in range(15):
            with ledger.engine.begin() as conn:
                ledger.enqueue(conn, 2)
            ledger.sequence()

    assert in_threads(writer, 20) == []
    assert ledger.waiting() == 0
    ledger.checkpoint()
    result = ledger.verify()
    assert result.ok, result
    assert result.count == 20 * 15 * 2
    with ledger.engine.connect() as conn:
        seqs = conn.execute(
            select(func.min(ledger.table.c.seq), func.max(ledger.table.c.seq), func.count())
        ).one()
    assert tuple(seqs) == (1, 600, 600)


def test_a_caller_that_finds_the_sequencer_running_leaves_its_events_to_it(ledger, monkeypatch):
    """It returns at once, without a turn of its own, and the running one chains them."""
    inside, carry_on = threading.Event(), threading.Event()
    real_run = audit.ledger._chain_committed
    runs: list[int] = []

    def run(*args, **kwargs):
        runs.append(real_run(*args, **kwargs))
        if len(runs) == 1:  # the first run has read and chained what it found
            inside.set()
            assert carry_on.wait(10)
        return runs[-1]

    monkeypatch.setattr(audit.ledger, "_chain_committed", run)
    with ledger.engine.begin() as conn:
        ledger.enqueue(conn, 2, action="case.view")
    first: list[int] = []
    runner = threading.Thread(target=lambda: first.append(ledger.sequence()))
    runner.start()
    assert inside.wait(10)  # the first run has chained the first two and not yet let go
    with ledger.engine.begin() as conn:
        ledger.enqueue(conn, 3, action="case.update")
    assert ledger.sequence() == 0  # left to the running one
    carry_on.set()
    runner.join(10)

    assert first == [5]
    assert runs == [2, 3]  # the running caller ran once more, for the events left to it
    assert ledger.waiting() == 0
    assert _chained_actions(ledger) == ["case.view"] * 2 + ["case.update"] * 3


def test_no_caller_is_kept_chaining_for_others(ledger, monkeypatch):
    """Under steady load the running caller hands over after its own run and one more."""
    real_run = audit.ledger._chain_committed
    mine = threading.local()

    def run(*args, **kwargs):
        mine.runs += 1
        return real_run(*args, **kwargs)

    monkeypatch.setattr(audit.ledger, "_chain_committed", run)
    most: list[int] = []

    def writer() -> None:
        for _ in range(30):
            with ledger.engine.begin() as conn:
                ledger.enqueue(conn, 1)
            mine.runs = 0
            ledger.sequence()
            most.append(mine.runs)

    assert in_threads(writer, 10) == []
    assert max(most) <= 2
    assert ledger.waiting() == 0
    result = ledger.verify()
    assert result.ok, result
    assert result.count == 300


def test_writers_in_several_processes_give_one_chain_and_leave_nothing_behind(ledger):
    """Each process has its own sequencer; they take turns on the ledger's lock."""
    script = """
        import threading
        def writer():
            for _ in range(10):
                with engine.begin() as conn:
                    audit.enqueue(conn, event, pending=pending)
                    audit.enqueue(conn, event, pending=pending)
                audit.sequence(engine, table=ledger, pending=pending)
        threads = [threading.Thread(target=writer) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        """
    processes = [_start(ledger, script) for _ in range(3)]
    for process in processes:
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
    assert ledger.waiting() == 0  # no final sweep
    ledger.checkpoint()
    result = ledger.verify()
    assert result.ok, result
    assert result.count == 3 * 4 * 10 * 2


def test_command_line_chains_what_is_pending(ledger):
    with ledger.engine.begin() as conn:
        ledger.enqueue(conn, 4)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    args = [
        sys.executable,
        "-m",
        "audit",
        "sequence",
        "--database-url",
        ledger.url,
        "--checkpoints",
        str(ledger.store.directory),
    ]
    done = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, env=env, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "Chained 4 pending events"
    assert ledger.waiting() == 0
    with ledger.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM audit_event")).scalar_one() == 4
