"""The tail of the ledger: after the last checkpoint nothing is signed, so keep it short and say so.

Tampering is done as an attacker with database rights would: the append-only
guards are dropped first (``ledger.tamper``).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import audit
from audit.__main__ import main

ROOT = Path(__file__).resolve().parents[2]


def cli_verify(ledger, capsys, *extra: str) -> tuple[int, str]:
    code = main(
        [
            "verify",
            "--database-url",
            ledger.url,
            "--public-key",
            str(ledger.public_key_path),
            "--checkpoints",
            str(ledger.store.directory),
            *extra,
        ]
    )
    return code, capsys.readouterr().out


def sign_without_witness(ledger) -> None:
    """A checkpoint as signed before witnesses existed: (seq, head hash) only."""
    with ledger.engine.connect() as conn:
        seq, head_hash = audit.head(conn, ledger.table)
    ledger.store.append(ledger.signer.sign(seq, head_hash))


# (a) cut the tail


def test_cutting_the_tail_names_the_first_removed_event(ledger, capsys):
    ledger.append(20)
    ledger.checkpoint()
    ledger.tamper("DELETE FROM audit_event WHERE seq > 16")
    result = ledger.verify()
    assert (result.ok, result.first_bad_seq, result.problem) == (False, 17, "removed")
    code, out = cli_verify(ledger, capsys)
    assert code == 1
    assert out.startswith(
        "FAILED at seq 17: removed (cut from the tail: the signed checkpoint at seq 20 "
        "covers it) (signatures valid)"
    )


def test_cutting_the_tail_is_named_by_checkpoints_without_a_witness(ledger):
    ledger.append(12)
    sign_without_witness(ledger)
    ledger.tamper("DELETE FROM audit_event WHERE seq > 9")
    result = ledger.verify()
    assert (result.first_bad_seq, result.problem) == (10, "removed")


def test_cutting_the_tail_and_writing_on_is_named_at_the_first_replaced_event(ledger):
    ledger.append(12)
    ledger.checkpoint()
    ledger.tamper("DELETE FROM audit_event WHERE seq > 9")
    ledger.append(5, action="case.update")  # the app carries on from seq 10
    result = ledger.verify()
    assert (result.first_bad_seq, result.problem) == (10, "altered")


# (b) rewrite the tail


def test_rewriting_and_rehashing_the_tail_names_the_first_altered_event(ledger, capsys):
    ledger.append(20)
    ledger.checkpoint()
    ledger.rewrite_from(18)
    result = ledger.verify()
    assert (result.ok, result.first_bad_seq, result.problem) == (False, 18, "altered")
    code, out = cli_verify(ledger, capsys)
    assert code == 1
    assert out.startswith(
        "FAILED at seq 18: altered (re-hashed or replaced: the signed checkpoint at seq 20 "
        "holds another hash) (signatures valid)"
    )


def test_a_rewrite_under_a_checkpoint_without_a_witness_is_bounded(ledger):
    ledger.append(10)
    sign_without_witness(ledger)
    ledger.append(10)
    sign_without_witness(ledger)
    ledger.rewrite_from(18)
    result = ledger.verify()
    assert (result.first_bad_seq, result.problem) == (11, "altered")
    assert result.detail.startswith("somewhere in seq 11-20")


def test_old_checkpoints_without_a_witness_still_verify(ledger):
    ledger.append(5)
    sign_without_witness(ledger)
    ledger.append(5)
    ledger.checkpoint()
    result = ledger.verify()
    assert result.ok, result
    assert [c.span_from for c in ledger.store.all()] == [None, 6]


# (c) reorder


@pytest.mark.parametrize(
    ("moves", "first", "genuine"),
    [
        ({3: 7, 7: 3}, 3, 7),  # two events swapped
        ({4: 5, 5: 4}, 4, 5),  # neighbours swapped
        ({3: 4, 4: 5, 5: 3}, 3, 5),  # three rotated
    ],
)
def test_reordered_events_are_named_reordered(ledger, capsys, moves, first, genuine):
    ledger.append(10)
    ledger.checkpoint()
    ledger.tamper(
        *(
            f"UPDATE audit_event SET seq = {1000 + new} WHERE seq = {old}"
            for old, new in moves.items()
        ),
        "UPDATE audit_event SET seq = seq - 1000 WHERE seq > 1000",
    )
    result = ledger.verify()
    assert (result.first_bad_seq, result.problem) == (first, "reordered")
    assert result.detail == f"the event now at seq {first} is event {genuine}"
    code, out = cli_verify(ledger, capsys)
    assert code == 1
    assert out.startswith(f"FAILED at seq {first}: reordered")


def test_removing_an_event_and_closing_the_gap_is_removed_not_reordered(ledger):
    ledger.append(10)
    ledger.tamper(
        "DELETE FROM audit_event WHERE seq = 6",
        "UPDATE audit_event SET seq = seq + 1000 WHERE seq > 6",
        "UPDATE audit_event SET seq = seq - 1001 WHERE seq > 1000",
    )
    result = ledger.verify()
    assert (result.first_bad_seq, result.problem) == (6, "removed")


def test_a_moved_event_that_was_also_edited_is_altered(ledger):
    ledger.append(10)
    ledger.tamper(
        "UPDATE audit_event SET seq = 1000, purpose = 'edited' WHERE seq = 3",
        "UPDATE audit_event SET seq = 3 WHERE seq = 7",
        "UPDATE audit_event SET seq = 7 WHERE seq = 1000",
    )
    result = ledger.verify()
    assert (result.first_bad_seq, result.problem) == (3, "reordered")  # event 7, moved intact
    ledger.tamper("UPDATE audit_event SET purpose = 'edited too' WHERE seq = 3")
    assert (ledger.verify().first_bad_seq, ledger.verify().problem) == (3, "altered")


# (d) the tail is reported, and can be limited


def test_the_tail_is_counted_with_the_age_of_its_oldest_event(ledger, capsys):
    now = datetime.now(UTC)
    ledger.append(30, occurred_at=now - timedelta(hours=2))
    ledger.checkpoint()
    ledger.append(5, occurred_at=now - timedelta(seconds=600))
    ledger.append(2)
    with ledger.engine.connect() as conn:
        result = audit.verify(
            conn,
            public_key=audit.load_public_key(ledger.public_key_path),
            checkpoints=ledger.store.all(),
            table=ledger.table,
            now=now,
        )
    assert result.ok, result
    assert (result.checkpoint_seq, result.tail_events) == (30, 7)
    assert result.tail_oldest_at == now - timedelta(seconds=600)
    assert result.tail_age_seconds == pytest.approx(600, abs=1)

    code, out = cli_verify(ledger, capsys)
    assert code == 0
    assert out.splitlines()[1].startswith(
        "Tail: 7 events after the last checkpoint (seq 30), unprotected; the oldest is 60"
    )
    assert cli_verify(ledger, capsys, "--max-tail-events", "7")[0] == 0
    code, out = cli_verify(ledger, capsys, "--max-tail-events", "6")
    assert code == 3
    assert "TAIL TOO LONG: 7 events after the last checkpoint (at most 6)" in out
    assert cli_verify(ledger, capsys, "--max-tail-age", "3600")[0] == 0
    code, out = cli_verify(ledger, capsys, "--max-tail-age", "300", "--max-tail-events", "100")
    assert code == 3
    assert "TAIL TOO LONG: the oldest unprotected event is 60" in out

    ledger.checkpoint()
    code, out = cli_verify(ledger, capsys, "--max-tail-events", "0", "--max-tail-age", "0")
    assert code == 0
    assert "Tail: none (the last checkpoint covers every event)" in out


def test_without_any_checkpoint_the_whole_ledger_is_tail(ledger, capsys):
    ledger.append(4)
    result = ledger.verify()
    assert (result.ok, result.checkpoint_seq, result.tail_events) == (True, 0, 4)
    code, out = cli_verify(ledger, capsys, "--max-tail-events", "3")
    assert code == 3
    assert "Tail: 4 events after the last checkpoint (none yet)" in out


def test_tampering_wins_over_the_tail_limits(ledger, capsys):
    ledger.append(4)
    ledger.tamper("UPDATE audit_event SET purpose = 'edited' WHERE seq = 2")
    code, out = cli_verify(ledger, capsys, "--max-tail-events", "0")
    assert code == 1
    assert out.startswith("FAILED at seq 2: altered")


# (e) the checkpoint job


def run_job(ledger, runs: int, every: float = 0.0) -> tuple[int, list[str]]:
    said: list[str] = []
    signed = audit.run_checkpoints(
        ledger.engine.connect,
        ledger.signer,
        ledger.store,
        table=ledger.table,
        every=every,
        max_runs=runs,
        report=said.append,
    )
    return signed, said


def test_the_job_signs_when_the_head_moved_and_not_when_it_did_not(ledger):
    assert run_job(ledger, 1) == (0, [])  # empty ledger
    ledger.append(3)
    assert run_job(ledger, 1) == (1, ["Checkpoint at seq 3"])
    assert run_job(ledger, 3) == (0, [])  # three runs, head still at 3
    ledger.append(1)
    assert run_job(ledger, 2) == (1, ["Checkpoint at seq 4"])
    assert [c.seq for c in ledger.store.all()] == [3, 4]
    assert ledger.verify().ok


def test_the_job_refuses_to_sign_a_rewritten_or_cut_ledger(ledger):
    ledger.append(10)
    ledger.checkpoint()
    ledger.append(2)
    ledger.rewrite_from(9)  # re-hashed: the chain is whole, but seq 10 was signed otherwise
    signed, said = run_job(ledger, 1)
    assert signed == 0
    assert said == [
        "REFUSED to sign: the event at seq 10 no longer has the hash its checkpoint signed; "
        "run `python -m audit verify`"
    ]
    ledger.tamper("DELETE FROM audit_event WHERE seq > 5")
    signed, said = run_job(ledger, 1)
    assert signed == 0
    assert said[0].startswith("REFUSED to sign: the head (seq 5) is behind the last checkpoint")
    assert [c.seq for c in ledger.store.all()] == [10]


def test_the_job_refuses_a_tail_that_does_not_chain(ledger):
    ledger.append(5)
    ledger.checkpoint()
    ledger.append(3)
    ledger.tamper("UPDATE audit_event SET purpose = 'edited' WHERE seq = 7")
    with ledger.engine.connect() as conn, pytest.raises(audit.LedgerDiverged):
        audit.checkpoint_now(conn, ledger.signer, ledger.store, table=ledger.table)


def test_the_job_stops_when_told(ledger):
    stop = threading.Event()
    stop.set()
    assert (
        audit.run_checkpoints(
            ledger.engine.connect,
            ledger.signer,
            ledger.store,
            table=ledger.table,
            every=3600,
            stop=stop,
        )
        == 0
    )


def test_the_job_on_the_command_line_stops_cleanly_on_sigterm(ledger):
    ledger.append(2)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("EMARAC_") and k != "PYTHONUNBUFFERED"
    }
    args = [
        sys.executable,
        "-m",
        "audit",
        "checkpoint",
        "--database-url",
        ledger.url,
        "--checkpoints",
        str(ledger.store.directory),
        "--private-key",
        str(ledger.public_key_path.with_name("signing.pem")),
        "--every",
        "3600",
    ]
    with subprocess.Popen(  # noqa: S603 - our own module, fixed arguments
        args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as job:
        try:
            assert job.stdout is not None
            assert job.stdout.readline().strip() == "Checkpoint at seq 2"
            job.send_signal(signal.SIGTERM)
            out, err = job.communicate(timeout=10)
        finally:
            if job.poll() is None:
                job.kill()
                job.communicate()
    assert job.returncode == 0, err
    assert [c.seq for c in ledger.store.all()] == [2]


def test_the_store_reads_its_last_checkpoint_from_the_end_of_a_large_file(ledger):
    big = ledger.signer.sign(9000, "a" * 64, span_from=1, span="0123456789abcdef" * 9000)
    ledger.store.append(big)
    assert ledger.store.last() == big  # one line of 144 KB, read back in 64 KB steps
    small = ledger.signer.sign(9001, "b" * 64, span_from=9001, span="fedcba9876543210")
    ledger.store.append(small)
    assert ledger.store.last() == small
    assert ledger.store.all() == [big, small]
    assert all(c.verify(ledger.signer.public_key) for c in ledger.store.all())
    forged = audit.Checkpoint(**{**big.__dict__, "span": "f" + big.span[1:]})
    assert not forged.verify(ledger.signer.public_key)  # the witness is signed too
