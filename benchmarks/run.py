"""``make bench``: timings of the security core, printed as a table and saved as JSON.

Every figure is compared with a baseline measured in the same run, so the
ratios mean something on a shared, noisy machine. Uses PostgreSQL when
EMARAC_BENCH_DATABASE_URL (or EMARAC_TEST_DATABASE_URL) is set, else SQLite.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import secrets
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sqlalchemy import MetaData, create_engine, make_url, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import audit  # noqa: E402
from audit.encoding import HASHED_COLUMNS, body  # noqa: E402
from benchmarks import pages  # noqa: E402
from emarac.crypto import normalise  # noqa: E402
from emarac.crypto.keyring import KeyRing  # noqa: E402


def per_call(fn: Callable[[], object], n: int) -> float:
    """Median of 5 runs of n calls, in microseconds per call."""
    runs = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(n):
            fn()
        runs.append((time.perf_counter() - start) / n * 1e6)
    return statistics.median(runs)


def bench_fields() -> dict[str, float]:
    ring = KeyRing({1: secrets.token_bytes(32)}, 1)
    aad = f"person.family_name_ct:{uuid.uuid4()}".encode()
    plain = b"Quennell-Fairweather"
    token = ring.encrypt(plain, aad)
    return {
        "encrypt_us": per_call(lambda: ring.encrypt(plain, aad), 20_000),
        "decrypt_us": per_call(lambda: ring.decrypt(token, aad), 20_000),
        "blind_index_us": per_call(
            lambda: ring.blind(1, "person.family_name_bidx", normalise.name("O'Brien") or "", 16),
            20_000,
        ),
        "phonetic_index_us": per_call(
            lambda: ring.blind(
                1, "person.family_name_sound_bidx", normalise.phonetic("Quennell") or "", 16
            ),
            20_000,
        ),
    }


def temp_database(url: str | None) -> tuple[str, Callable[[], None]]:
    if not url:
        folder = tempfile.mkdtemp()
        return f"sqlite:///{folder}/bench.db", lambda: None
    name = f"emarac_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(url).set(database=name).render_as_string(hide_password=False), drop


def bench_audit(url: str | None, events: int, writers: int) -> dict[str, float]:
    db_url, drop = temp_database(url)
    engine = (
        create_engine(db_url, pool_size=writers + 2, max_overflow=0)
        if url
        else create_engine(db_url, connect_args={"timeout": 60})
    )
    metadata = MetaData()
    table = audit.define_ledger_table(metadata)
    metadata.create_all(engine)
    per_writer = events // writers
    per_txn = 2  # a typical request writes the change's event and perhaps a view

    def writer() -> None:
        for _ in range(per_writer // per_txn):
            with engine.begin() as conn:
                for _ in range(per_txn):
                    audit.record(
                        conn,
                        audit.AuditEvent(
                            action="case.view",
                            object_type="marac_case",
                            object_id=str(uuid.uuid4()),
                            fields=("family_name",),
                        ),
                        table=table,
                    )

    threads = [threading.Thread(target=writer) for _ in range(writers)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    append_seconds = time.perf_counter() - start
    written = per_writer // per_txn * per_txn * writers

    with engine.connect() as conn:
        verify = audit.verify(conn, public_key=None, checkpoints=[], table=table)
        # Baseline: read the same rows and hash the same bytes with hashlib alone.
        columns = [table.c[c] for c in HASHED_COLUMNS] + [table.c.prev_hash]
        rows = conn.execute(select(*columns).order_by(table.c.seq)).all()
        start = time.perf_counter()
        rows = conn.execute(select(*columns).order_by(table.c.seq)).all()
        payloads = [r[12].encode() + body(r[:12]) for r in rows]
        read_and_encode = time.perf_counter() - start
        start = time.perf_counter()
        for payload in payloads:
            hashlib.sha256(payload).hexdigest()
        hash_only = time.perf_counter() - start
    engine.dispose()
    drop()
    return {
        "writers": writers,
        "events": written,
        "append_events_per_s": written / append_seconds,
        "verify_events_per_s": verify.count / verify.seconds,
        "baseline_read_and_hash_events_per_s": len(rows) / (read_and_encode + hash_only),
        "hashlib_only_events_per_s": len(rows) / hash_only,
        "verify_vs_read_and_hash": (verify.count / verify.seconds)
        / (len(rows) / (read_and_encode + hash_only)),
    }


def bench_demo_pages(url: str | None, requests: int) -> dict[str, object]:
    db_url, drop = temp_database(url)
    try:
        return pages.bench_demo(db_url, requests=requests)
    finally:
        drop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("EMARAC_BENCH_DATABASE_URL")
        or os.environ.get("EMARAC_TEST_DATABASE_URL"),
    )
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--writers", type=int, default=20)
    parser.add_argument("--page-requests", type=int, default=30)
    parser.add_argument("--json", default=str(ROOT / "benchmarks" / "results" / "core.json"))
    args = parser.parse_args()

    console = Console()
    results: dict[str, object] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": "postgresql" if args.database_url else "sqlite",
    }
    console.print("Field encryption and blind indexes...")
    results["fields"] = bench_fields()
    console.print(f"Audit ledger ({args.events:,} events, {args.writers} writers)...")
    results["audit"] = bench_audit(args.database_url, args.events, args.writers)
    console.print(f"Page latency budget on the demo partnership ({args.page_requests} each)...")
    results["pages"] = bench_demo_pages(args.database_url, args.page_requests)

    table = Table(title=f"eMARAC core benchmarks ({results['database']})")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for section in ("fields", "audit"):
        for key, value in results[section].items():  # type: ignore[attr-defined]
            table.add_row(f"{section}.{key}", f"{value:,.2f}")
    console.print(table)
    console.print(pages.table(results["pages"]))  # type: ignore[arg-type]
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(results, indent=2))
    console.print(f"Saved {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
