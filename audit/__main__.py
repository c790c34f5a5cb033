"""``python -m audit verify|checkpoint|keygen``: check the ledger from outside the app."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from sqlalchemy import MetaData, create_engine

from audit.checkpoints import (
    CheckpointSigner,
    FileCheckpointStore,
    checkpoint_now,
    generate_keypair,
    load_public_key,
)
from audit.schema import DEFAULT_TABLE, define_ledger_table
from audit.verify import verify


def _out(text: str) -> None:
    sys.stdout.write(text + "\n")


def _fail(text: str, code: int) -> int:
    sys.stderr.write(text + "\n")
    return code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m audit", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("verify", "checkpoint"):
        cmd = sub.add_parser(name)
        cmd.add_argument("--database-url", default=os.environ.get("EMARAC_DATABASE_URL"))
        cmd.add_argument("--checkpoints", default=os.environ.get("EMARAC_AUDIT_CHECKPOINT_DIR"))
        cmd.add_argument("--table", default=DEFAULT_TABLE)
    sub.choices["verify"].add_argument(
        "--public-key", default=os.environ.get("EMARAC_AUDIT_PUBLIC_KEY")
    )
    sub.choices["checkpoint"].add_argument(
        "--private-key", default=os.environ.get("EMARAC_AUDIT_SIGNING_KEY")
    )
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
    table = define_ledger_table(MetaData(), args.table)
    store = FileCheckpointStore(Path(args.checkpoints))
    engine = create_engine(args.database_url)
    try:
        if args.command == "checkpoint":
            if not args.private_key or not Path(args.private_key).exists():
                return _fail(
                    "no signing key: pass --private-key or set EMARAC_AUDIT_SIGNING_KEY", 2
                )
            with engine.connect() as conn:
                made = checkpoint_now(
                    conn, CheckpointSigner(Path(args.private_key)), store, table=table
                )
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
            )
    finally:
        engine.dispose()
    if result.ok:
        _out(
            f"OK: {result.count} events verified, {len(checkpoints)} checkpoints, "
            f"{result.rate:,.0f} events/s"
        )
        return 0
    where = f"seq {result.first_bad_seq}" if result.first_bad_seq is not None else "checkpoints"
    _out(
        f"FAILED at {where}: {result.problem} "
        f"(signatures {'valid' if result.signatures_ok else 'INVALID'})"
    )
    return 1


if __name__ == "__main__":
    sys.exit(main())
