"""A tamper-evident audit ledger: hash-chained events and signed checkpoints.

Standalone: it knows nothing of Flask or eMARAC. The application defines the
table in its own metadata (:func:`define_ledger_table`), appends with
:func:`record` inside the transaction that makes each change, signs
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
from audit.ledger import AuditEvent, head, record
from audit.schema import define_ledger_table, drop_guard_statements, guard_statements
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
    "drop_guard_statements",
    "generate_keypair",
    "guard_statements",
    "head",
    "load_public_key",
    "maybe_checkpoint",
    "record",
    "run_checkpoints",
    "stop_on_signals",
    "verify",
]
