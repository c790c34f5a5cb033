"""Signed checkpoints of the ledger's head, kept outside the database.

A hash chain alone proves nothing against someone who can rewrite the whole
table. A checkpoint, like a Certificate Transparency signed tree head, commits
to (seq, head hash) under an Ed25519 key that the database never holds, and is
written where a database administrator cannot rewrite it too. Any later
rewrite, truncation or reordering of the events it covers then shows.

A checkpoint also carries a *witness*: the first 16 hex digits of the hash of
every event since the previous checkpoint (for spans of up to
:data:`WITNESS_LIMIT` events), covered by the signature. The head hash alone
shows that something in the span was rewritten and re-hashed; the witness
names the first event that differs. It holds hashes only, never content.

Checkpoints are signed by :func:`checkpoint_now` (once, on demand), by
:func:`maybe_checkpoint` (every N events) and by :func:`run_checkpoints`, a
loop that runs beside the web app and signs at most ``every`` seconds after any
new event. The signer refuses to sign a head that does not extend the last
checkpoint: it never blesses a rewritten ledger.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import Connection, Table, select, text
from sqlalchemy.exc import SQLAlchemyError

from audit.encoding import GENESIS_HASH, HASHED_COLUMNS, body
from audit.ledger import head

try:  # POSIX: several signers (web workers, the job) may append to one file.
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

CHECKPOINT_FILE = "checkpoints.jsonl"
WITNESS_DIGITS = 16
WITNESS_LIMIT = 100_000


class LedgerDiverged(RuntimeError):
    """The ledger no longer extends the last signed checkpoint: refuse to sign it."""


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    head_hash: str
    signed_at: str
    signature: str  # base64
    # The witness: hash prefixes of events span_from..seq, concatenated.
    span_from: int | None = None
    span: str | None = None

    def message(self) -> bytes:
        text = f"emarac-audit-checkpoint\n{self.seq}\n{self.head_hash}\n{self.signed_at}\n"
        if self.span_from is not None:
            digest = hashlib.sha256((self.span or "").encode("ascii")).hexdigest()
            text += f"witness\n{self.span_from}\n{digest}\n"
        return text.encode()

    def verify(self, public_key: Ed25519PublicKey) -> bool:
        try:
            public_key.verify(base64.b64decode(self.signature), self.message())
        except (InvalidSignature, ValueError):
            return False
        return True

    def witness(self) -> Iterator[tuple[int, str]]:
        """(seq, hash prefix) for each event the witness covers."""
        if self.span_from is None or not self.span:
            return
        for index in range(0, len(self.span), WITNESS_DIGITS):
            yield (
                self.span_from + index // WITNESS_DIGITS,
                self.span[index : index + WITNESS_DIGITS],
            )

    def to_json(self) -> str:
        data = {k: v for k, v in self.__dict__.items() if v is not None}
        return json.dumps(data, sort_keys=True)


def generate_keypair(private_path: Path, public_path: Path) -> None:
    """Make an Ed25519 key pair; the private key file is readable by its owner only."""
    key = Ed25519PrivateKey.generate()
    private_path.parent.mkdir(parents=True, exist_ok=True)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
    public_path.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM,
            serialization.PublicFormat.SubjectPublicKeyInfo,
        )
    )


def load_public_key(path: Path) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(path.read_bytes())
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("the checkpoint public key is not an Ed25519 key")
    return key


class CheckpointSigner:
    def __init__(self, private_key_path: Path) -> None:
        key = serialization.load_pem_private_key(private_key_path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("the checkpoint signing key is not an Ed25519 key")
        self._key = key

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self._key.public_key()

    def sign(
        self, seq: int, head_hash: str, *, span_from: int | None = None, span: str | None = None
    ) -> Checkpoint:
        signed_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        unsigned = Checkpoint(seq, head_hash, signed_at, "", span_from, span)
        signature = base64.b64encode(self._key.sign(unsigned.message())).decode("ascii")
        return Checkpoint(seq, head_hash, signed_at, signature, span_from, span)


class FileCheckpointStore:
    """Checkpoints as JSON lines, appended and flushed to disk, in a folder of their own."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.path = self.directory / CHECKPOINT_FILE

    def append(self, checkpoint: Checkpoint) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        line = checkpoint.to_json() + "\n"
        with self.path.open("a", encoding="ascii") as out:
            if fcntl is not None:
                fcntl.flock(out.fileno(), fcntl.LOCK_EX)
            out.write(line)
            out.flush()
            os.fsync(out.fileno())

    def all(self) -> list[Checkpoint]:
        if not self.path.exists():
            return []
        rows = []
        for line in self.path.read_text(encoding="ascii").splitlines():
            if line.strip():
                rows.append(Checkpoint(**json.loads(line)))
        return rows

    def last(self) -> Checkpoint | None:
        """The newest checkpoint, read from the end of the file (it only grows)."""
        try:
            with self.path.open("rb") as data:
                end = data.seek(0, os.SEEK_END)
                chunk = b""
                position = end
                while position > 0:
                    step = min(65536, position)
                    position -= step
                    data.seek(position)
                    chunk = data.read(step) + chunk
                    lines = chunk.rstrip(b"\n").split(b"\n")
                    if len(lines) > 1 or position == 0:
                        last = lines[-1].strip()
                        return Checkpoint(**json.loads(last)) if last else None
        except FileNotFoundError:
            return None
        return None


def _extension(
    conn: Connection, table: Table, last: Checkpoint | None, seq: int, head_hash: str
) -> tuple[int | None, str | None]:
    """Check that the ledger up to ``seq`` extends ``last``; return the new witness.

    The stored hash at the last checkpoint must still be the signed one, and the
    events since must chain from it. Raises :class:`LedgerDiverged` otherwise.
    """
    start = last.seq if last is not None else 0
    if last is not None:
        stored = conn.execute(select(table.c.hash).where(table.c.seq == last.seq)).scalar()
        if stored != last.head_hash:
            raise LedgerDiverged(
                f"the event at seq {last.seq} no longer has the hash its checkpoint signed"
            )
    if seq - start > WITNESS_LIMIT:
        return None, None
    columns = [table.c[name] for name in HASHED_COLUMNS] + [table.c.prev_hash, table.c.hash]
    rows = conn.execute(
        select(*columns).where(table.c.seq > start, table.c.seq <= seq).order_by(table.c.seq)
    )
    prev_hash = last.head_hash if last is not None else GENESIS_HASH
    expected = start + 1
    prefixes: list[str] = []
    hashed = len(HASHED_COLUMNS)
    for row in rows:
        values = row[:hashed]
        stored_prev, stored_hash = row[hashed], row[hashed + 1]
        computed = hashlib.sha256(prev_hash.encode("ascii") + body(values)).hexdigest()
        if values[0] != expected or stored_prev != prev_hash or stored_hash != computed:
            raise LedgerDiverged(
                f"the ledger does not chain from the last checkpoint at seq {expected}"
            )
        prefixes.append(computed[:WITNESS_DIGITS])
        prev_hash = computed
        expected += 1
    if expected != seq + 1 or prev_hash != head_hash:
        raise LedgerDiverged("the ledger changed while it was being checkpointed")
    return start + 1, "".join(prefixes)


# A transactional WAL record: it gives the transaction an xid and WAL of its
# own, so its commit, made synchronous, waits for the disk (a transaction
# that only read, or took an xid and wrote nothing, commits without waiting).
_FORCE_FLUSH = (
    text("SELECT set_config('synchronous_commit', 'on', true)"),
    text("SELECT pg_logical_emit_message(true, 'emarac-audit', 'checkpoint')"),
)


def _make_durable(conn: Connection) -> None:
    """Make sure the head just read is on disk before it is signed.

    The sequencer commits without waiting for the disk (see
    ``audit.ledger._SEQUENCER_TURN``), so a head it chained may still be in
    memory: a crash then would take it back, and a checkpoint signed over it
    would name events the ledger no longer holds (the pending table has them
    again, to be chained anew with other hashes). A synchronous commit flushes
    the WAL up to its own commit record, and so every commit before it,
    including the one that made this head visible to us; this commits the
    caller's transaction (it has only read the ledger).
    """
    if conn.dialect.name != "postgresql":
        return  # elsewhere the sequencer commits like any transaction: nothing to force
    for statement in _FORCE_FLUSH:
        conn.execute(statement)
    conn.commit()


def checkpoint_now(
    conn: Connection, signer: CheckpointSigner, store: FileCheckpointStore, *, table: Table
) -> Checkpoint | None:
    """Sign the current (committed) head; None if empty or already checkpointed.

    Raises :class:`LedgerDiverged` if the ledger no longer extends the last
    checkpoint (rows at or before it changed, or the head went back).
    """
    seq, head_hash = head(conn, table)
    last = store.last()
    if last is not None and last.seq > seq:
        raise LedgerDiverged(f"the head (seq {seq}) is behind the last checkpoint (seq {last.seq})")
    if seq == 0 or (last is not None and last.seq == seq):
        if last is not None and last.head_hash != head_hash:
            raise LedgerDiverged(f"the event at seq {seq} no longer has the signed hash")
        return None
    span_from, span = _extension(conn, table, last, seq, head_hash)
    _make_durable(conn)
    checkpoint = signer.sign(seq, head_hash, span_from=span_from, span=span)
    store.append(checkpoint)
    return checkpoint


def maybe_checkpoint(
    conn: Connection,
    signer: CheckpointSigner,
    store: FileCheckpointStore,
    *,
    every: int,
    table: Table,
) -> Checkpoint | None:
    """Checkpoint when ``every`` events have been added since the last checkpoint.

    Call it AFTER the transaction that appended events has committed: a
    checkpoint must never name an event that could still be rolled back.
    """
    seq, _ = head(conn, table)
    last = store.last()
    if seq - (last.seq if last else 0) < every:
        return None
    return checkpoint_now(conn, signer, store, table=table)


def run_checkpoints(
    connect: Callable[[], AbstractContextManager[Connection]],
    signer: CheckpointSigner,
    store: FileCheckpointStore,
    *,
    table: Table,
    every: float,
    max_runs: int | None = None,
    stop: threading.Event | None = None,
    report: Callable[[str], None] = print,
    before: Callable[[], object] | None = None,
) -> int:
    """Sign the head every ``every`` seconds, when it moved, until ``stop`` is set.

    ``before`` runs first on each run (the app passes the sequencer, so events
    a crashed process left pending are chained and then signed).

    Each run opens its own connection (``connect()``), so the loop holds none
    while it sleeps and rides out a database restart. Returns how many
    checkpoints it signed. A run that fails (database down, ledger diverged)
    is reported and the loop carries on: a diverged ledger is reported on
    every run until someone looks.
    """
    stop = stop or threading.Event()
    signed = runs = 0
    while not stop.is_set():
        runs += 1
        try:
            if before is not None:
                before()
            with connect() as conn:
                made = checkpoint_now(conn, signer, store, table=table)
        except LedgerDiverged as problem:
            report(f"REFUSED to sign: {problem}; run `python -m audit verify`")
        except SQLAlchemyError as problem:
            report(f"checkpoint run failed: {type(problem).__name__}")
        else:
            if made is not None:
                signed += 1
                report(f"Checkpoint at seq {made.seq}")
        if max_runs is not None and runs >= max_runs:
            break
        stop.wait(every)
    return signed


@contextmanager
def stop_on_signals() -> Iterator[threading.Event]:
    """An event set by SIGTERM or SIGINT (Ctrl-C), so a loop ends cleanly after its current run.

    The previous handlers come back when the block ends.
    """
    stop = threading.Event()

    def handler(signum: int, frame: object) -> None:
        stop.set()

    previous = {
        signum: signal.signal(signum, handler) for signum in (signal.SIGTERM, signal.SIGINT)
    }
    try:
        yield stop
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)
