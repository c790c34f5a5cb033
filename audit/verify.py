"""Recompute the chain and check it against the signed checkpoints."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Connection, Table, func, select

from audit.checkpoints import WITNESS_DIGITS, Checkpoint
from audit.encoding import GENESIS_HASH, HASHED_COLUMNS, body

BATCH = 10_000

# The names of a break, as ``VerifyResult.problem``.
ALTERED = "altered"
REMOVED = "removed"
INSERTED = "inserted"
REORDERED = "reordered"


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    count: int
    first_bad_seq: int | None
    problem: str
    signatures_ok: bool
    seconds: float
    detail: str = ""
    # The tail: events after the last checkpoint that holds, which no signature protects.
    checkpoint_seq: int = 0
    tail_events: int = 0
    tail_oldest_at: datetime | None = None
    checked_at: datetime | None = None
    # Events committed but not chained yet (the sequencer's inbox): unprotected too.
    pending_events: int = 0
    pending_oldest_at: datetime | None = None

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds > 0 else float("inf")

    @property
    def tail_age_seconds(self) -> float | None:
        """How long ago the oldest unprotected event happened (None: no tail)."""
        oldest = [t for t in (self.tail_oldest_at, self.pending_oldest_at) if t is not None]
        if not oldest or self.checked_at is None:
            return None
        return max(0.0, (self.checked_at - min(oldest)).total_seconds())

    def tail_problems(
        self, *, max_events: int | None = None, max_age: float | None = None
    ) -> list[str]:
        """Why the unprotected tail is longer than allowed (empty if it is not)."""
        problems = []
        unprotected = self.tail_events + self.pending_events
        if max_events is not None and unprotected > max_events:
            where = "after the last checkpoint"
            if self.pending_events:
                where += f" ({self.pending_events} of them not yet chained)"
            problems.append(f"{unprotected} events {where} (at most {max_events})")
        age = self.tail_age_seconds
        if max_age is not None and age is not None and age > max_age:
            problems.append(
                f"the oldest unprotected event is {age:.0f} s old (at most {max_age:.0f} s)"
            )
        return problems


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def verify(
    conn: Connection,
    *,
    public_key: Ed25519PublicKey | None,
    checkpoints: list[Checkpoint],
    table: Table,
    pending: Table | None = None,
    now: datetime | None = None,
) -> VerifyResult:
    """Walk the ledger once; report the first event altered, removed, inserted or reordered.

    How a break is named (``problem``, at ``first_bad_seq``):
      - a gap in ``seq``: the first absent seq is "removed";
      - a row whose ``prev_hash`` equals the previous row's ``prev_hash``: two
        rows claim the same predecessor, so the previous row was "inserted";
      - a row that does not link to its predecessor but is a genuine event of
        another seq (its hash matches its content with that seq): "reordered",
        or "removed" if that event's own predecessor is gone from the table;
      - a row whose content no longer gives its stored hash: "altered";
      - a checkpoint past the head: "removed" from the first missing event;
      - a chain that was re-hashed to hide a change no longer matches a signed
        checkpoint: the checkpoint's witness names the first event that
        differs ("altered", or "removed" if it is gone); without a witness, the
        first event after the last checkpoint that still holds.
    On success, ``tail_events`` events lie after the last checkpoint
    (``checkpoint_seq``), the oldest of them from ``tail_oldest_at``; given the
    ``pending`` table, ``pending_events`` more wait for the sequencer, the
    oldest from ``pending_oldest_at``. Pending events carry no hash yet: they
    are counted, not checked.
    """
    started = time.perf_counter()
    checked_at = now or datetime.now(UTC)
    pending_events, pending_oldest_at = 0, None
    if pending is not None:
        waiting = conn.execute(select(func.count(), func.min(pending.c.occurred_at))).one()
        pending_events = int(waiting[0])
        pending_oldest_at = _aware(waiting[1]) if waiting[1] is not None else None
    signatures_ok = public_key is not None and all(c.verify(public_key) for c in checkpoints)
    valid = [c for c in checkpoints if public_key is None or c.verify(public_key)]
    wanted = {c.seq: c for c in valid}
    tail_start = max(wanted, default=0) + 1
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
    tail_oldest_at: datetime | None = None
    count = 0

    def done(ok: bool, bad: int | None, problem: str, detail: str = "") -> VerifyResult:
        return VerifyResult(
            ok,
            count,
            bad,
            problem,
            signatures_ok,
            time.perf_counter() - started,
            detail,
            checkpoint_seq=last_good_checkpoint,
            tail_events=count - last_good_checkpoint if ok else 0,
            tail_oldest_at=tail_oldest_at if ok else None,
            checked_at=checked_at,
            pending_events=pending_events,
            pending_oldest_at=pending_oldest_at,
        )

    rows = conn.execute(query)
    try:
        for row in rows:
            values = row[:12]
            claimed_prev, stored_hash = row[12], row[13]
            seq = values[0]
            if seq != expected_seq:
                return done(False, expected_seq, REMOVED, "a gap in the sequence")
            computed = sha256(prev_hash.encode("ascii") + body(values)).hexdigest()
            if computed != stored_hash:
                if claimed_prev != prev_hash:
                    if claimed_prev == prev_claimed:
                        return done(False, seq - 1, INSERTED, "two events claim one predecessor")
                    return done(
                        False,
                        *_misplaced(conn, table, values, claimed_prev, stored_hash, wanted),
                    )
                return done(False, seq, ALTERED, "its content no longer gives its hash")
            if claimed_prev != prev_hash:
                return done(False, seq, ALTERED, "its link to the previous event was changed")
            if seq == tail_start:
                tail_oldest_at = _aware(values[1])
            checkpoint = wanted.get(seq)
            if checkpoint is not None:
                if checkpoint.head_hash != computed:
                    return done(
                        False,
                        *_rewritten(conn, table, valid, last_good_checkpoint, seq, seq),
                    )
                last_good_checkpoint = seq
            prev_claimed = claimed_prev
            prev_hash = computed
            expected_seq += 1
            count += 1
    finally:
        rows.close()

    beyond = max((c.seq for c in wanted.values() if c.seq > count), default=None)
    if beyond is not None:
        return done(False, *_rewritten(conn, table, valid, last_good_checkpoint, beyond, count))
    if not signatures_ok:
        problem = "no public key" if public_key is None else "checkpoint signature invalid"
        return done(False, None, problem)
    return done(True, None, "")


def _misplaced(
    conn: Connection,
    table: Table,
    values: Sequence[Any],
    claimed_prev: str,
    stored_hash: str,
    checkpoints: dict[int, Checkpoint],
) -> tuple[int, str, str]:
    """Name a row that does not link to its predecessor: moved, or edited?

    A genuine event keeps its prev_hash and hash; only its place changed. Find
    the seq at which its content gives its own hash (a search over every seq,
    run once, on failure only). Then it is "reordered" if its true predecessor
    is still in the table, and "removed" (events before it are gone) if not.
    """
    seq = int(values[0])
    own_seq = _genuine_seq(conn, table, values, claimed_prev, stored_hash, checkpoints)
    if own_seq is None:
        return seq, ALTERED, "its content no longer gives its hash"
    if own_seq == seq:
        # Genuine here, but the row before it is not its true predecessor.
        return seq - 1, ALTERED, "replaced by an event that links to the one before it"
    predecessor = conn.execute(
        select(table.c.seq).where(table.c.hash == claimed_prev).limit(1)
    ).scalar()
    if predecessor is None and claimed_prev != GENESIS_HASH:
        return (
            seq,
            REMOVED,
            f"the event now at seq {seq} is event {own_seq}; those before it are gone",
        )
    return seq, REORDERED, f"the event now at seq {seq} is event {own_seq}"


def _genuine_seq(
    conn: Connection,
    table: Table,
    values: Sequence[Any],
    claimed_prev: str,
    stored_hash: str,
    checkpoints: dict[int, Checkpoint],
) -> int | None:
    """The seq at which this row's content gives its stored hash, if any."""
    seq = values[0]
    rest = body(values)[len(f"{len(str(seq))}:{seq};") :]
    highest = conn.execute(select(func.max(table.c.seq))).scalar() or 0
    limit = max(int(highest), max(checkpoints, default=0)) + BATCH
    target = bytes.fromhex(stored_hash)
    start = hashlib.sha256(claimed_prev.encode("ascii"))
    for candidate in range(1, limit + 1):
        trial = start.copy()
        trial.update(f"{len(str(candidate))}:{candidate};".encode() + rest)
        if trial.digest() == target:
            return candidate
    return None


def _rewritten(
    conn: Connection,
    table: Table,
    checkpoints: list[Checkpoint],
    good: int,
    failed: int,
    count: int,
) -> tuple[int, str, str]:
    """Name the first event after seq ``good`` that differs from what was signed up to ``failed``.

    The chain is whole (re-hashed, or cut at the tail: the walk has checked
    that seqs 1..``count`` are all there) but a signed checkpoint disagrees.
    The checkpoints' witnesses hold a hash prefix of each event they covered:
    the first event whose hash differs was altered, the first one absent was
    removed. Without a witness, a cut tail is named from its first missing
    event and a rewrite from the first event after the last checkpoint that
    still holds.
    """
    signed = f"the signed checkpoint at seq {failed}"
    witness: dict[int, str] = {}
    for checkpoint in checkpoints:
        for seq, prefix in checkpoint.witness():
            if good < seq <= failed:
                witness.setdefault(seq, prefix)
    if witness:
        query = select(table.c.seq, table.c.hash).where(
            table.c.seq >= min(witness), table.c.seq <= min(max(witness), count)
        )
        stored: dict[int, str] = {int(r[0]): str(r[1]) for r in conn.execute(query)}
        for seq in sorted(witness):
            if seq > count:
                break
            if stored[seq][:WITNESS_DIGITS] != witness[seq]:
                return seq, ALTERED, f"re-hashed or replaced: {signed} holds another hash"
    if failed > count:
        return count + 1, REMOVED, f"cut from the tail: {signed} covers it"
    return (
        good + 1,
        ALTERED,
        f"somewhere in seq {good + 1}-{failed}: the chain no longer matches {signed}",
    )
