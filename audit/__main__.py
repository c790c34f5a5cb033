"""``python -m audit verify|checkpoint|sequence|keygen``: check the ledger from outside the app.

Exit codes of ``verify``: 0 the ledger verifies; 1 it was tampered with (the
first altered, removed, inserted or reordered event is named); 2 a usage or
configuration error; 3 it verifies, but the unprotected tail (events after
the last checkpoint) is longer than ``--max-tail-events`` or older than
``--max-tail-age`` allow.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, MetaData, Table, create_engine, inspect

from audit.checkpoints import (
    CheckpointSigner,
    FileCheckpointStore,
    LedgerDiverged,
    checkpoint_now,
    generate_keypair,
    load_public_key,
    run_checkpoints,
    stop_on_signals,
)
from audit.ledger import sequence
from audit.schema import DEFAULT_TABLE, define_ledger_table, define_pending_table
from audit.verify import VerifyResult, verify


def _out(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()  # a long-running job logs each checkpoint as it signs it


def _fail(text: str, code: int) -> int:
    sys.stderr.write(text + "\n")
    return code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m audit", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("verify", "checkpoint", "sequence"):
        cmd = sub.add_parser(name)
        cmd.add_argument("--database-url", default=os.environ.get("EMARAC_DATABASE_URL"))
        cmd.add_argument("--checkpoints", default=os.environ.get("EMARAC_AUDIT_CHECKPOINT_DIR"))
        cmd.add_argument("--table", default=DEFAULT_TABLE)
    sub.choices["verify"].add_argument(
        "--public-key", default=os.environ.get("EMARAC_AUDIT_PUBLIC_KEY")
    )
    sub.choices["verify"].add_argument(
        "--max-tail-events",
        type=int,
        metavar="N",
        help="exit 3 if more than N events lie after the last checkpoint",
    )
    sub.choices["verify"].add_argument(
        "--max-tail-age",
        type=float,
        metavar="SECONDS",
        help="exit 3 if the oldest event after the last checkpoint is older than this",
    )
    sub.choices["checkpoint"].add_argument(
        "--private-key", default=os.environ.get("EMARAC_AUDIT_SIGNING_KEY")
    )
    sub.choices["checkpoint"].add_argument(
        "--every",
        type=float,
        metavar="SECONDS",
        help="keep running: sign the head every SECONDS when it moved (stop with SIGTERM)",
    )
    sub.choices["checkpoint"].add_argument("--max-runs", type=int, help=argparse.SUPPRESS)
    keygen = sub.add_parser("keygen")
    keygen.add_argument("--private", required=True)
    keygen.add_argument("--public", required=True)
    args = parser.parse_args(argv)

    if args.command == "keygen":
        try:
            generate_keypair(Path(args.private), Path(args.public))
        except FileExistsError:
            return _fail("the private key file exists already; refusing to overwrite it", 2)
        _out(f"Wrote {args.private} (keep it off the database server) and {args.public}")
        return 0

    if not args.database_url:
        return _fail("no database: pass --database-url or set EMARAC_DATABASE_URL", 2)
    if not args.checkpoints:
        return _fail("no checkpoints: pass --checkpoints or set EMARAC_AUDIT_CHECKPOINT_DIR", 2)
    metadata = MetaData()
    table = define_ledger_table(metadata, args.table)
    store = FileCheckpointStore(Path(args.checkpoints))
    engine = create_engine(args.database_url)
    pending = _pending_table(engine, metadata, args.table)
    try:
        if args.command == "sequence":
            if pending is None:
                return _fail(f"no pending table beside {args.table}", 2)
            _out(f"Chained {sequence(engine, table=table, pending=pending)} pending events")
            return 0
        if args.command == "checkpoint":
            if not args.private_key or not Path(args.private_key).exists():
                return _fail(
                    "no signing key: pass --private-key or set EMARAC_AUDIT_SIGNING_KEY", 2
                )
            signer = CheckpointSigner(Path(args.private_key))
            if args.every is not None:
                with stop_on_signals() as stop:
                    run_checkpoints(
                        engine.connect,
                        signer,
                        store,
                        table=table,
                        every=args.every,
                        max_runs=args.max_runs,
                        stop=stop,
                        report=_out,
                        before=_sequencer(engine, table, pending),
                    )
                return 0
            if pending is not None:
                sequence(engine, table=table, pending=pending)
            try:
                with engine.connect() as conn:
                    made = checkpoint_now(conn, signer, store, table=table)
            except LedgerDiverged as problem:
                return _fail(f"REFUSED to sign: {problem}; run `python -m audit verify`", 1)
            _out(f"Checkpoint at seq {made.seq}" if made else "Nothing new to checkpoint")
            return 0
        if not args.public_key or not Path(args.public_key).exists():
            return _fail("no public key: pass --public-key or set EMARAC_AUDIT_PUBLIC_KEY", 2)
        checkpoints = store.all()
        with engine.connect() as conn:
            result = verify(
                conn,
                public_key=load_public_key(Path(args.public_key)),
                checkpoints=checkpoints,
                table=table,
                pending=pending,
            )
    finally:
        engine.dispose()
    return report(
        result,
        len(checkpoints),
        max_tail_events=args.max_tail_events,
        max_tail_age=args.max_tail_age,
    )


def _pending_table(engine: Engine, metadata: MetaData, ledger: str) -> Table | None:
    """The sequencer's inbox beside the ledger, if this database has one."""
    pending = define_pending_table(metadata, ledger)
    return pending if inspect(engine).has_table(pending.name) else None


def _sequencer(engine: Engine, table: Table, pending: Table | None) -> Callable[[], object] | None:
    if pending is None:
        return None
    return lambda: sequence(engine, table=table, pending=pending)


def describe_tail(result: VerifyResult) -> str:
    waiting = (
        f"; {result.pending_events} more committed, waiting to be chained"
        if result.pending_events
        else ""
    )
    if result.tail_events == 0 and not result.pending_events:
        return "Tail: none (the last checkpoint covers every event)"
    where = f"seq {result.checkpoint_seq}" if result.checkpoint_seq else "none yet"
    age = result.tail_age_seconds or 0.0
    return (
        f"Tail: {result.tail_events} events after the last checkpoint ({where}), "
        f"unprotected{waiting}; the oldest is {age:,.0f} s old"
    )


def report(
    result: VerifyResult,
    checkpoints: int,
    *,
    max_tail_events: int | None = None,
    max_tail_age: float | None = None,
) -> int:
    """Print a verification result; return the exit code (see the module docstring)."""
    if not result.ok:
        where = f"seq {result.first_bad_seq}" if result.first_bad_seq is not None else "checkpoints"
        detail = f" ({result.detail})" if result.detail else ""
        _out(
            f"FAILED at {where}: {result.problem}{detail} "
            f"(signatures {'valid' if result.signatures_ok else 'INVALID'})"
        )
        return 1
    _out(
        f"OK: {result.count} events verified, {checkpoints} checkpoints, "
        f"{result.rate:,.0f} events/s"
    )
    _out(describe_tail(result))
    problems = result.tail_problems(max_events=max_tail_events, max_age=max_tail_age)
    if problems:
        _out("TAIL TOO LONG: " + "; ".join(problems))
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
