"""A tamper-evident audit ledger: hash-chained events and signed checkpoints.

Standalone: it knows nothing of Flask or eMARAC. The application defines the
tables in its own metadata (:func:`define_ledger_table`,
:func:`define_pending_table`), writes each event with :func:`enqueue` inside
the transaction that makes the change, chains committed events with
:func:`sequence` (or appends at once with :func:`record`, for one writer), signs
checkpoints after commit and from a job beside it (:func:`run_checkpoints`),
and anyone can run ``python -m audit verify``.
"""

from audit.checkpoints import (
    Checkpoint,
    CheckpointSigner,
    FileCheckpointStore,
    LedgerDiverged,
    checkpoint_now,
    generate_keypair,
    load_public_key,
    maybe_checkpoint,
    run_checkpoints,
    stop_on_signals,
)
from audit.ledger import AuditEvent, enqueue, head, record, sequence
from audit.schema import (
    define_ledger_table,
    define_pending_table,
    drop_guard_statements,
    guard_statements,
    pending_guard_statements,
)
from audit.verify import VerifyResult, verify

__all__ = [
    "AuditEvent",
    "Checkpoint",
    "CheckpointSigner",
    "FileCheckpointStore",
    "LedgerDiverged",
    "VerifyResult",
    "checkpoint_now",
    "define_ledger_table",
    "define_pending_table",
    "drop_guard_statements",
    "enqueue",
    "generate_keypair",
    "guard_statements",
    "head",
    "load_public_key",
    "maybe_checkpoint",
    "pending_guard_statements",
    "record",
    "run_checkpoints",
    "sequence",
    "stop_on_signals",
    "verify",
]
