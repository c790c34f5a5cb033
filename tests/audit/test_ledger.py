"""The ledger detects every kind of tampering and names where it starts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

import audit
from tests.audit.conftest import in_threads

ROOT = Path(__file__).resolve().parents[2]


def test_untouched_ledger_verifies(ledger):
    ledger.append(30)
    ledger.checkpoint()
    ledger.append(5)
    result = ledger.verify()
    assert result.ok, result
    assert result.count == 35
    assert result.signatures_ok


def test_edited_row_is_named(ledger):
    ledger.append(10)
    ledger.checkpoint()
    ledger.tamper("UPDATE audit_event SET action = 'case.update' WHERE seq = 4")
    result = ledger.verify()
    assert not result.ok
    assert (result.first_bad_seq, result.problem) == (4, "altered")


def test_deleted_row_is_named(ledger):
    ledger.append(10)
    ledger.tamper("DELETE FROM audit_event WHERE seq = 6")
    result = ledger.verify()
    assert (result.first_bad_seq, result.problem) == (6, "removed")


def test_inserted_row_is_named(ledger):
    ledger.append(10)
    table = ledger.table
    with ledger.engine.connect() as conn:
        prev, when = conn.execute(
            select(table.c.hash, table.c.occurred_at).where(table.c.seq == 4)
        ).one()
    # Make room at seq 5 and slip in a row that links correctly to seq 4.
    values = (5, when, None, None, "case.delete", None, None, None, None, None, None, None)
    names = audit.encoding.HASHED_COLUMNS
    forged = dict(zip(names, values, strict=True))
    forged.update(prev_hash=prev, hash=audit.ledger.hash_row(prev, values))
    ledger.tamper(
        "UPDATE audit_event SET seq = seq + 1000 WHERE seq >= 5",
        "UPDATE audit_event SET seq = seq - 999 WHERE seq >= 1005",
    )
    with ledger.engine.begin() as conn:
        conn.execute(table.insert().values(**forged))
    result = ledger.verify()
    assert (result.first_bad_seq, result.problem) == (5, "inserted")


def test_swapped_rows_are_named(ledger):
    ledger.append(10)
    ledger.tamper(
        "UPDATE audit_event SET seq = 1000 WHERE seq = 3",
        "UPDATE audit_event SET seq = 3 WHERE seq = 7",
        "UPDATE audit_event SET seq = 7 WHERE seq = 1000",
    )
    result = ledger.verify()
    assert not result.ok
    assert (result.first_bad_seq, result.problem) == (3, "reordered")
    assert result.detail == "the event now at seq 3 is event 7"


def test_consistent_rewrite_is_caught_by_the_signed_checkpoint(ledger):
    ledger.append(10)
    ledger.checkpoint()
    ledger.append(10)
    ledger.checkpoint()
    # Rewrite events 12-20 and recompute every later hash: the chain is whole again.
    ledger.rewrite_from(12)
    result = ledger.verify()
    assert not result.ok
    # The second checkpoint's witness names the first event that differs.
    assert (result.first_bad_seq, result.problem) == (12, "altered")
    assert result.detail.startswith("re-hashed or replaced: the signed checkpoint at seq 20")


def test_checkpoint_signed_by_another_key_fails(ledger, tmp_path):
    ledger.append(3)
    ledger.checkpoint()
    audit.generate_keypair(tmp_path / "other.pem", tmp_path / "other.pub.pem")
    result = ledger.verify(tmp_path / "other.pub.pem")
    assert not result.ok
    assert not result.signatures_ok


def test_database_refuses_update_and_delete(ledger):
    ledger.append(2)
    for statement in (
        "UPDATE audit_event SET action = 'x.y' WHERE seq = 1",
        "DELETE FROM audit_event WHERE seq = 1",
    ):
        with pytest.raises(DBAPIError), ledger.engine.begin() as conn:
            conn.execute(text(statement))
    if ledger.engine.dialect.name == "postgresql":
        with pytest.raises(DBAPIError), ledger.engine.begin() as conn:
            conn.execute(text("TRUNCATE audit_event"))
    with ledger.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(ledger.table)).scalar_one() == 2


@pytest.mark.parametrize("bad", ["Jane Smith", "DOB=1990-01-01", "name value"])
def test_events_refuse_values_in_place_of_field_names(bad):
    with pytest.raises(ValueError, match="field names"):
        audit.AuditEvent(action="case.update", fields=(bad,))


def test_events_need_a_namespaced_action():
    with pytest.raises(ValueError, match="namespaced"):
        audit.AuditEvent(action="viewed the case of Jane")


def test_twenty_concurrent_writers_give_one_unbroken_chain(ledger):
    def writer() -> None:
        for _ in range(10):
            ledger.append(3)

    assert in_threads(writer, 20) == []
    ledger.checkpoint()
    result = ledger.verify()
    assert result.ok, result
    assert result.count == 20 * 10 * 3


def test_command_line_reports_ok_and_tampering(ledger):
    ledger.append(8)
    ledger.checkpoint()
    args = [
        sys.executable,
        "-m",
        "audit",
        "verify",
        "--database-url",
        ledger.url,
        "--public-key",
        str(ledger.public_key_path),
        "--checkpoints",
        str(ledger.store.directory),
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith("EMARAC_")}
    ok = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, env=env, check=False)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("OK: 8 events verified, 1 checkpoints")
    ledger.tamper("UPDATE audit_event SET purpose = 'edited' WHERE seq = 2")
    bad = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, env=env, check=False)
    assert bad.returncode == 1
    assert "FAILED at seq 2: altered" in bad.stdout
    missing = subprocess.run(
        args[:5],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=False,
    )
    assert missing.returncode == 2
