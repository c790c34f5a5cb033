"""Signed checkpoints of the ledger's head, kept outside the database.

A hash chain alone proves nothing against someone who can rewrite the whole
table. A checkpoint, like a Certificate Transparency signed tree head, commits
to (seq, head hash) under an Ed25519 key that the database never holds, and is
written where a database administrator cannot rewrite it too. Any later
rewrite, truncation or reordering of the events it covers then shows.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import Connection, Table

from audit.ledger import head

CHECKPOINT_FILE = "checkpoints.jsonl"


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    head_hash: str
    signed_at: str
    signature: str  # base64

    def message(self) -> bytes:
        return f"emarac-audit-checkpoint\n{self.seq}\n{self.head_hash}\n{self.signed_at}\n".encode()

    def verify(self, public_key: Ed25519PublicKey) -> bool:
        try:
            public_key.verify(base64.b64decode(self.signature), self.message())
        except (InvalidSignature, ValueError):
            return False
        return True


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

    def sign(self, seq: int, head_hash: str) -> Checkpoint:
        signed_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        unsigned = Checkpoint(seq, head_hash, signed_at, "")
        signature = base64.b64encode(self._key.sign(unsigned.message())).decode("ascii")
        return Checkpoint(seq, head_hash, signed_at, signature)


class FileCheckpointStore:
    """Checkpoints as JSON lines, appended and flushed to disk, in a folder of their own."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.path = self.directory / CHECKPOINT_FILE

    def append(self, checkpoint: Checkpoint) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        line = json.dumps(checkpoint.__dict__, sort_keys=True) + "\n"
        with self.path.open("a", encoding="ascii") as out:
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
        rows = self.all()
        return max(rows, key=lambda c: c.seq) if rows else None


def checkpoint_now(
    conn: Connection, signer: CheckpointSigner, store: FileCheckpointStore, *, table: Table
) -> Checkpoint | None:
    """Sign the current (committed) head; None if empty or already checkpointed."""
    seq, head_hash = head(conn, table)
    if seq == 0:
        return None
    last = store.last()
    if last is not None and last.seq >= seq:
        return None
    checkpoint = signer.sign(seq, head_hash)
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
