"""Ledger fixtures on a bare engine: the audit package is tested without Flask."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, MetaData, Table, create_engine, func, select, text

import audit


def in_threads(work: Callable[[], None], count: int) -> list[BaseException]:
    """Run ``work`` in ``count`` threads at once and wait for them; what any of them raised."""
    errors: list[BaseException] = []

    def guarded() -> None:
        try:
            work()
        except BaseException as exc:  # noqa: BLE001 - report any failure to the test
            errors.append(exc)

    threads = [threading.Thread(target=guarded) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


@dataclass
class Ledger:
    engine: Engine
    table: Table
    pending: Table
    signer: audit.CheckpointSigner
    store: audit.FileCheckpointStore
    public_key_path: Path
    url: str

    def append(
        self, count: int, *, action: str = "case.view", occurred_at: datetime | None = None
    ) -> None:
        with self.engine.begin() as conn:
            for i in range(count):
                event = audit.AuditEvent(
                    action=action,
                    object_type="marac_case",
                    object_id=f"case-{i}",
                    fields=("family_name", "date_of_birth"),
                    purpose="research for meeting",
                    occurred_at=occurred_at,
                )
                audit.record(conn, event, table=self.table)

    def enqueue(self, conn: Connection, count: int, *, action: str = "case.view") -> None:
        """Write ``count`` events to the pending table in the caller's transaction."""
        for i in range(count):
            event = audit.AuditEvent(
                action=action, object_type="marac_case", object_id=f"case-{i}", fields=("notes",)
            )
            audit.enqueue(conn, event, pending=self.pending)

    def sequence(self) -> int:
        return audit.sequence(self.engine, table=self.table, pending=self.pending)

    def waiting(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(self.pending)).scalar_one())

    def checkpoint(self) -> audit.Checkpoint | None:
        with self.engine.connect() as conn:
            return audit.checkpoint_now(conn, self.signer, self.store, table=self.table)

    def verify(self, public_key_path: Path | None = None) -> audit.VerifyResult:
        key = audit.load_public_key(public_key_path or self.public_key_path)
        with self.engine.connect() as conn:
            return audit.verify(
                conn,
                public_key=key,
                checkpoints=self.store.all(),
                table=self.table,
                pending=self.pending,
            )

    def rewrite_from(self, first: int, action: str = "case.view_rewritten") -> None:
        """Change the action of every event from ``first`` on and re-hash the chain after it,
        so the chain is whole again: only a signed checkpoint can tell."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(self.table).order_by(self.table.c.seq)).mappings().all()
        statements = []
        prev = rows[first - 2]["hash"] if first > 1 else audit.encoding.GENESIS_HASH
        for row in rows[first - 1 :]:
            values = tuple(row[c] for c in audit.encoding.HASHED_COLUMNS)
            values = (*values[:4], action, *values[5:])
            new_hash = audit.ledger.hash_row(prev, values)
            statements.append(
                f"UPDATE audit_event SET action = '{action}', prev_hash = '{prev}', "
                f"hash = '{new_hash}' WHERE seq = {row['seq']}"
            )
            prev = new_hash
        self.tamper(*statements)

    def tamper(self, *statements: str) -> None:
        """Raw SQL as an attacker with database rights: guards dropped first."""
        with self.engine.begin() as conn:
            for statement in audit.drop_guard_statements(self.engine.dialect.name):
                conn.execute(text(statement))
            for statement in statements:
                conn.execute(text(statement))


@pytest.fixture
def ledger(database_url: str, tmp_path: Path) -> Iterator[Ledger]:
    engine = create_engine(database_url)
    metadata = MetaData()
    table = audit.define_ledger_table(metadata)
    pending = audit.define_pending_table(metadata)
    metadata.create_all(engine)
    with engine.begin() as conn:
        for statement in audit.guard_statements(engine.dialect.name):
            conn.execute(text(statement))
        for statement in audit.pending_guard_statements(engine.dialect.name):
            conn.execute(text(statement))
    audit.generate_keypair(tmp_path / "signing.pem", tmp_path / "signing.pub.pem")
    yield Ledger(
        engine=engine,
        table=table,
        pending=pending,
        signer=audit.CheckpointSigner(tmp_path / "signing.pem"),
        store=audit.FileCheckpointStore(tmp_path / "checkpoints"),
        public_key_path=tmp_path / "signing.pub.pem",
        url=database_url,
    )
    engine.dispose()


POSTGRES_ONLY = (
    "test_twenty_concurrent_writers_give_one_unbroken_chain",
    "test_concurrent_writers_leave_nothing_behind_for_the_sequencer",
    "test_no_caller_is_kept_chaining_for_others",
    "test_writers_in_several_processes_give_one_chain_and_leave_nothing_behind",
    # SQLite's move writes the rows it read, so a vanished one leaves no gap there.
    "test_a_batch_that_loses_a_row_while_being_chained_moves_nothing",
    # What reaches the disk when is PostgreSQL's synchronous_commit.
    "test_the_sequencer_commits_without_waiting_for_the_disk_and_only_itself",
    "test_a_checkpoint_forces_the_chained_head_to_disk_before_signing",
    "test_nothing_to_sign_forces_nothing",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Concurrency and durability settings are PostgreSQL's (SQLite serialises writers and
    has no synchronous_commit): no SQLite variant of those tests at all."""
    keep, drop = [], []
    for item in items:
        name = getattr(item, "originalname", item.name)
        variant = getattr(item, "callspec", None)
        backend = variant.params.get("backend") if variant else None
        (drop if name in POSTGRES_ONLY and backend == "sqlite" else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
