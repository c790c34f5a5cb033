"""Recompute the chain and check it against the signed checkpoints."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Connection, Table, select

from audit.checkpoints import Checkpoint
from audit.encoding import GENESIS_HASH, HASHED_COLUMNS, body

BATCH = 10_000


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    count: int
    first_bad_seq: int | None
    problem: str
    signatures_ok: bool
    seconds: float

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds > 0 else float("inf")


def verify(
    conn: Connection,
    *,
    public_key: Ed25519PublicKey | None,
    checkpoints: list[Checkpoint],
    table: Table,
) -> VerifyResult:
    """Walk the ledger once; report the first event altered, missing, inserted or reordered.

    How a break is named:
      - a gap in ``seq``: the first absent seq is "missing";
      - a row whose ``prev_hash`` equals the previous row's ``prev_hash``: two
        rows claim the same predecessor, so the previous row was "inserted";
      - a row that does not link to its predecessor but whose own hash matches
        its content: genuine content in the wrong place, "reordered";
      - a row whose content no longer gives its stored hash: "altered";
      - a checkpoint past the head: "truncated" from head + 1;
      - a checkpoint whose hash differs from the recomputed chain at its seq:
        the ledger was rewritten consistently after the last good checkpoint.
    """
    started = time.perf_counter()
    signatures_ok = public_key is not None and all(c.verify(public_key) for c in checkpoints)
    wanted = {c.seq: c for c in checkpoints if public_key is None or c.verify(public_key)}
    columns = [table.c[name] for name in HASHED_COLUMNS] + [table.c.prev_hash, table.c.hash]
    query = (
        select(*columns)
        .order_by(table.c.seq)
        .execution_options(stream_results=True, yield_per=BATCH)
    )
    sha256 = hashlib.sha256
    expected_seq = 1
    prev_hash = GENESIS_HASH
    prev_claimed = None
    last_good_checkpoint = 0
    count = 0

    def done(ok: bool, bad: int | None, problem: str) -> VerifyResult:
        return VerifyResult(ok, count, bad, problem, signatures_ok, time.perf_counter() - started)

    rows = conn.execute(query)
    try:
        for row in rows:
            values = row[:12]
            claimed_prev, stored_hash = row[12], row[13]
            seq = values[0]
            if seq != expected_seq:
                return done(False, expected_seq, "missing")
            computed = sha256(prev_hash.encode("ascii") + body(values)).hexdigest()
            if computed != stored_hash:
                if claimed_prev != prev_hash:
                    if claimed_prev == prev_claimed:
                        return done(False, seq - 1, "inserted")
                    own = sha256(claimed_prev.encode("ascii") + body(values)).hexdigest()
                    return done(False, seq, "reordered" if own == stored_hash else "altered")
                return done(False, seq, "altered")
            if claimed_prev != prev_hash:
                return done(False, seq, "altered")
            checkpoint = wanted.get(seq)
            if checkpoint is not None:
                if checkpoint.head_hash != computed:
                    return done(
                        False,
                        last_good_checkpoint + 1,
                        f"checkpoint mismatch at seq {seq} (ledger rewritten)",
                    )
                last_good_checkpoint = seq
            prev_claimed = claimed_prev
            prev_hash = computed
            expected_seq += 1
            count += 1
    finally:
        rows.close()

    beyond = [c.seq for c in wanted.values() if c.seq > count]
    if beyond:
        return done(False, count + 1, "truncated")
    if not signatures_ok:
        problem = "no public key" if public_key is None else "checkpoint signature invalid"
        return done(False, None, problem)
    return done(True, None, "")
