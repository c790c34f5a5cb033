"""``make bench``: timings of the security core, printed as a table and saved as JSON.

Every figure is compared with a baseline measured in the same run, so the
ratios mean something on a shared, noisy machine. Uses PostgreSQL when
EMARAC_BENCH_DATABASE_URL (or EMARAC_TEST_DATABASE_URL) is set, else SQLite.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import secrets
import shutil
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from rich.console import Console
from rich.table import Table
from sqlalchemy import (
    Column,
    Engine,
    MetaData,
    Uuid,
    create_engine,
    make_url,
    select,
    text,
)
from sqlalchemy import Table as DbTable

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


def paired(
    fn: Callable[[], object], bare: Callable[[], object], n: int
) -> tuple[float, float, float]:
    """Microseconds per call of ``fn`` and of ``bare``, and the ratio of the two.

    The calls run in many short rounds, ``fn`` and ``bare`` back to back (which
    goes first alternates), and the ratio is the median of the per-round
    ratios: a burst of load from other work on a shared machine then spoils a
    round or two of both sides instead of a long stretch of one side.
    """
    rounds, per_round = 101, max(1, n // 20)
    ours, theirs, ratios = [], [], []
    for i in range(rounds):
        pair = (fn, bare) if i % 2 == 0 else (bare, fn)
        took = []
        for target in pair:
            start = time.perf_counter()
            for _ in range(per_round):
                target()
            took.append((time.perf_counter() - start) / per_round * 1e6)
        mine, base = took if i % 2 == 0 else took[::-1]
        ours.append(mine)
        theirs.append(base)
        ratios.append(mine / base)
    return statistics.median(ours), statistics.median(theirs), statistics.median(ratios)


def bench_fields(n: int = 20_000) -> dict[str, float]:
    """Per-value cost of the ring beside the bare primitive, same key and inputs.

    The bare encryption includes drawing the 12-byte nonce (no GCM encryption
    can skip it). Blind indexes are timed on the normalised value (the crypto),
    the name index again with normalising, and the phonetic index on its
    Metaphone code; what normalising and Metaphone cost is timed on its own
    (plain string work, no key involved), beside the same bare HMAC.
    """
    key = secrets.token_bytes(32)
    ring = KeyRing({1: key}, 1)
    aead = AESGCM(key)
    aad = f"person.family_name_ct:{uuid.uuid4()}".encode()
    plain = b"Quennell-Fairweather"
    token = ring.encrypt(plain, aad)
    nonce, sealed = token[5:17], token[17:]
    index_key = ring.index_key(1, "person.family_name_bidx")
    sound_key = ring.index_key(1, "person.family_name_sound_bidx")
    results: dict[str, float] = {}

    def record(name: str, fn: Callable[[], object], bare: Callable[[], object]) -> None:
        ours, theirs, ratio = paired(fn, bare, n)
        results[f"{name}_us"] = ours
        results[f"{name}_bare_us"] = theirs
        results[f"{name}_ratio"] = ratio

    record(
        "encrypt",
        lambda: ring.encrypt(plain, aad),
        lambda: aead.encrypt(os.urandom(12), plain, aad),
    )
    record("decrypt", lambda: ring.decrypt(token, aad), lambda: aead.decrypt(nonce, sealed, aad))
    record(
        "blind_index",
        lambda: ring.blind(1, "person.family_name_bidx", "obrien", 16),
        lambda: hmac.digest(index_key, b"obrien", hashlib.sha256),
    )
    record(
        "blind_index_with_normalise",
        lambda: ring.blind(1, "person.family_name_bidx", normalise.name("O'Brien") or "", 16),
        lambda: hmac.digest(index_key, b"obrien", hashlib.sha256),
    )
    code = normalise.phonetic("Quennell") or ""
    record(
        "phonetic_index",
        lambda: ring.blind(1, "person.family_name_sound_bidx", code, 16),
        lambda: hmac.digest(sound_key, code.encode(), hashlib.sha256),
    )
    # The name to its code: no key, so no bare primitive of its own; shown
    # beside the bare HMAC of the code to say what it adds to a phonetic index.
    record(
        "phonetic_normalise",
        lambda: normalise.phonetic("Quennell"),
        lambda: hmac.digest(sound_key, code.encode(), hashlib.sha256),
    )
    return results


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


WRITER_COUNTS = (1, 5, 20, 50)
LEDGER_TARGET = 2_000  # events per second with 20 writers (DESIGN.md)


def _audit_engine(db_url: str, url: str | None, writers: int) -> Engine:
    if url:
        return create_engine(db_url, pool_size=writers + 2, max_overflow=0)
    return create_engine(db_url, connect_args={"timeout": 60})


def _append_run(url: str | None, events: int, writers: int, *, sequenced: bool) -> dict[str, float]:
    """``writers`` threads each commit changes with their events; events chained per second.

    Each transaction writes one row of its own (the change) and its one event,
    as all but three of the app's services that record an event do (a second
    event in the same transaction would share the change's cost and flatter
    the rate). ``sequenced``: the events go to the
    pending table and each writer runs the sequencer after its commit, as the
    app does; otherwise each is chained at once under the ledger lock (the
    design before the sequencer). The clock stops when every event is chained,
    and only events that ``verify`` then finds in one unbroken chain count.

    The CPU this process spent per event and the machine's load are kept
    beside the rate: on a small shared machine the writers, the sequencer and
    the database share a few cores, and those figures say which limit a run met.
    """
    db_url, drop = temp_database(url)
    engine = _audit_engine(db_url, url, writers)
    metadata = MetaData()
    table = audit.define_ledger_table(metadata)
    pending = audit.define_pending_table(metadata)
    change = DbTable("change", metadata, Column("id", Uuid, primary_key=True))
    metadata.create_all(engine)
    per_writer = max(1, events // writers)
    errors: list[BaseException] = []
    add_change = change.insert()

    def writer() -> None:
        try:
            for _ in range(per_writer):
                with engine.begin() as conn:
                    conn.execute(add_change, {"id": uuid.uuid4()})
                    event = audit.AuditEvent(
                        action="case.update",
                        object_type="marac_case",
                        object_id=str(uuid.uuid4()),
                        fields=("family_name",),
                    )
                    if sequenced:
                        audit.enqueue(conn, event, pending=pending)
                    else:
                        audit.record(conn, event, table=table)
                if sequenced:
                    audit.sequence(engine, table=table, pending=pending)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer) for _ in range(writers)]
    load = os.getloadavg()[0]
    cpu = time.process_time()
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    left_behind = audit.sequence(engine, table=table, pending=pending) if sequenced else 0
    seconds = time.perf_counter() - start
    cpu = time.process_time() - cpu
    if errors:
        raise errors[0]
    written = per_writer * writers
    with engine.connect() as conn:
        result = audit.verify(conn, public_key=None, checkpoints=[], table=table, pending=pending)
    if result.count != written or result.problem not in ("", "no public key"):
        raise RuntimeError(f"ledger check failed after the run: {result}")
    engine.dispose()
    drop()
    return {
        "writers": writers,
        "events": written,
        "events_per_s": written / seconds,
        "left_for_the_final_sweep": left_behind,
        "python_cpu_ms_per_event": cpu / written * 1000,
        "python_cpu_share_of_one_core": cpu / seconds,
        "load_average_1min_at_start": load,
    }


def bench_audit(url: str | None, events: int, writers: int) -> dict[str, object]:
    """Ledger appends at 1, 5, 20 and 50 writers, and ``verify`` against bare hashing."""
    runs = {}
    for count in WRITER_COUNTS if url else (1, writers):
        # One writer waits on its own commits only: fewer events keep the run short.
        runs[str(count)] = _append_run(
            url, events // 4 if count == 1 else events, count, sequenced=True
        )
    before = _append_run(url, events // 4, writers, sequenced=False)
    at_target = runs[str(writers)]["events_per_s"]
    return {
        "append_by_writers": runs,
        "append_events_per_s": at_target,
        "append_target_events_per_s": LEDGER_TARGET,
        "append_vs_target": at_target / LEDGER_TARGET,
        "append_locked_each_event_per_s": before["events_per_s"],
        "append_vs_locked_each_event": at_target / before["events_per_s"],
        **bench_verify(url, events),
    }


def bench_verify(url: str | None, events: int) -> dict[str, float]:
    """``audit verify`` against reading the same rows and hashing them with hashlib alone."""
    db_url, drop = temp_database(url)
    engine = _audit_engine(db_url, url, 1)
    metadata = MetaData()
    table = audit.define_ledger_table(metadata)
    metadata.create_all(engine)
    with engine.begin() as conn:
        for _ in range(events):
            event = audit.AuditEvent(
                action="case.view", object_type="marac_case", object_id=str(uuid.uuid4())
            )
            audit.record(conn, event, table=table)
    with engine.connect() as conn:
        verify = audit.verify(conn, public_key=None, checkpoints=[], table=table)
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
        "verify_events_per_s": verify.count / verify.seconds,
        "baseline_read_and_hash_events_per_s": len(rows) / (read_and_encode + hash_only),
        "hashlib_only_events_per_s": len(rows) / hash_only,
        "verify_vs_read_and_hash": (verify.count / verify.seconds)
        / (len(rows) / (read_and_encode + hash_only)),
    }


class _Kek:
    """A key-encryption key held in memory, for the rotation benchmark's own database."""

    key_id = "bench-kek"

    def __init__(self) -> None:
        self._aead = AESGCM(secrets.token_bytes(32))

    def wrap(self, dek: bytes) -> bytes:
        nonce = os.urandom(12)
        return nonce + self._aead.encrypt(nonce, dek, b"bench")

    def unwrap(self, blob: bytes) -> bytes:
        return self._aead.decrypt(blob[:12], blob[12:], b"bench")


ROTATION_FIELDS = ("given_name", "family_name", "phone", "postcode", "current_address")


def bench_rotation(url: str | None, values: int, batch_size: int = 1000) -> dict[str, float]:
    """Key rotation of people's encrypted fields in a temporary database.

    Baseline: a bare loop that decrypts and re-encrypts the same tokens with
    the same ring, no database and no blind indexes; the ratio says what the
    reads, writes and index rebuilding cost on top.
    """
    from emarac.crypto import keyring as kr
    from emarac.crypto import rotation
    from emarac.models_base import Base
    from emarac.people.models import NameToken, Person
    from emarac.schema import import_models
    from emarac.synth import vocabulary as words
    from emarac.synth.sealing import Sealer

    import_models()
    db_url, drop = temp_database(url)
    engine = create_engine(db_url)
    try:
        Base.metadata.create_all(engine)
        provider = _Kek()
        ring = kr.ensure(engine, provider)
        per_person = len(ROTATION_FIELDS) + 1
        people = values // per_person
        sealer = Sealer(ring)
        pairs: list[tuple[bytes, bytes]] = []
        with kr.use_keyring(ring), engine.begin() as conn:
            rows = []
            # Each person's name-part index rows too, as the app keeps them:
            # rotation gives them new digests (and their count decides its cost).
            tokens: list[dict[str, Any]] = []
            for i in range(people):
                row_id = uuid.uuid4()
                row: dict[str, object] = {"id": row_id}
                plain: dict[str, object] = {f: f"{f}-{i:06d} Demo" for f in ROTATION_FIELDS}
                # Names as the synthetic data has them (a double-barrelled surname):
                # they decide how many name-part index rows are rebuilt.
                plain["given_name"] = words.GIVEN_FEMALE[i % len(words.GIVEN_FEMALE)]
                plain["family_name"] = words.SURNAMES[i * 7 % len(words.SURNAMES)]
                plain["date_of_birth"] = date(1970 + i % 40, 1 + i % 12, 1 + i % 28)
                sealer.seal_into(row, Person, row_id, plain, recurring=False)
                rows.append(row)
                tokens.extend(sealer.token_rows(Person, row_id, plain))
                for attribute in plain:
                    column = sealer.column(Person, attribute)
                    aad = f"person.{column}:{row_id}".encode("ascii")
                    pairs.append((row[column], aad))  # type: ignore[arg-type]
            conn.execute(Person.__table__.insert(), rows)
            conn.execute(NameToken.__table__.insert(), tokens)
        if engine.dialect.name == "postgresql":
            # Statistics, as autovacuum keeps them on a live database: without
            # them the planner guesses at the freshly loaded tables.
            with engine.begin() as conn:
                conn.execute(text("ANALYZE person, person_name_token"))
        total = people * per_person

        start = time.perf_counter()
        for token, aad in pairs:
            ring.encrypt(ring.decrypt(token, aad), aad)
        bare_seconds = time.perf_counter() - start

        rotation.start_rotation(engine, provider)
        start = time.perf_counter()
        rewritten = rotation.rotate_values(engine, provider, batch_size=batch_size)
        seconds = time.perf_counter() - start
        if rewritten != total:
            raise RuntimeError(f"rotation rewrote {rewritten} of {total} values")
    finally:
        engine.dispose()
        drop()
    return {
        "values": total,
        "batch_size": batch_size,
        "rotate_values_per_s": total / seconds,
        "bare_reencrypt_values_per_s": total / bare_seconds,
        "rotate_vs_bare": (total / seconds) / (total / bare_seconds),
    }


def bench_generation(url: str | None, cases: int, incidents: int) -> dict[str, float]:
    """The synthetic generator into a temporary database (the full 1M run is scale.py's).

    Baseline on PostgreSQL: the same rows, table by table, copied out in
    binary and timed going back in by a bare ``COPY ... FROM STDIN (FORMAT
    BINARY)`` into an indexed copy of each table, as incidents per second:
    the rate if making the rows cost nothing.
    """
    from flask_migrate import upgrade

    from benchmarks.scale import bench_app
    from emarac.schema import ensure_data_key
    from emarac.synth import generate

    db_url, drop = temp_database(url)
    app = None
    try:
        app = bench_app(db_url)
        with app.app_context():
            from emarac.extensions import db

            upgrade(directory=str(ROOT / "migrations"))
            ensure_data_key()
            summary = generate(db.engine, cases=cases, incidents=incidents, seed=20261203)
            copy_seconds = _bare_copy_seconds(db.engine, list(summary.rows))
            db.engine.dispose()
    finally:
        drop()
        if app is not None:  # bench_app keeps keys in a folder per database name
            shutil.rmtree(app.extensions["emarac.settings"].instance_path, ignore_errors=True)
    results = {
        "cases": cases,
        "incidents": summary.incidents,
        "incidents_per_s": summary.incidents_per_second,
        "load_average_1min": os.getloadavg()[0],
    }
    if copy_seconds:
        results["bare_copy_incidents_per_s"] = summary.incidents / copy_seconds
        results["generate_vs_bare_copy"] = summary.incidents_per_second / (
            summary.incidents / copy_seconds
        )
    return results


def _bare_copy_seconds(engine: Any, tables: list[str]) -> float | None:
    """Seconds a bare binary COPY takes to write these tables' rows again (PostgreSQL only)."""
    if engine.dialect.name != "postgresql":
        return None
    total = 0.0
    raw = engine.raw_connection()
    try:
        with raw.driver_connection.cursor() as cursor:
            for name in tables:
                quoted = '"' + name.replace('"', '""') + '"'
                data = bytearray()
                with cursor.copy(f"COPY {quoted} TO STDOUT (FORMAT BINARY)") as out:
                    for chunk in out:
                        data += chunk
                cursor.execute(
                    f'CREATE TEMP TABLE "bare_{name}" (LIKE {quoted} INCLUDING DEFAULTS'
                    " INCLUDING INDEXES)"
                )
                start = time.perf_counter()
                with cursor.copy(f'COPY "bare_{name}" FROM STDIN (FORMAT BINARY)') as into:
                    into.write(bytes(data))
                total += time.perf_counter() - start
        raw.rollback()
    finally:
        raw.close()
    return total


def bench_demo_pages(url: str | None, requests: int) -> dict[str, object]:
    db_url, drop = temp_database(url)
    try:
        return pages.bench_demo(db_url, requests=requests)
    finally:
        drop()


SECTIONS = ("fields", "audit", "pages", "rotation", "generation")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("EMARAC_BENCH_DATABASE_URL")
        or os.environ.get("EMARAC_TEST_DATABASE_URL"),
    )
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--writers", type=int, default=20)
    parser.add_argument("--rotation-values", type=int, default=100_000)
    parser.add_argument(
        "--rotation-batch-size",
        type=int,
        default=1000,
        help="rows per rotation batch (default: that of flask emarac keys rotate)",
    )
    parser.add_argument("--generation-cases", type=int, default=5_000)
    parser.add_argument("--generation-incidents", type=int, default=50_000)
    parser.add_argument("--page-requests", type=int, default=30)
    parser.add_argument("--json", default=str(ROOT / "benchmarks" / "results" / "core.json"))
    parser.add_argument(
        "--only",
        action="append",
        choices=SECTIONS,
        help="run only this section (repeatable); the JSON then holds only those",
    )
    args = parser.parse_args()
    wanted = set(args.only or SECTIONS)

    console = Console()
    results: dict[str, object] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": "postgresql" if args.database_url else "sqlite",
        "load_average_1_5_15min": list(os.getloadavg()),  # the machine may be shared
    }
    if "fields" in wanted:
        console.print("Field encryption and blind indexes...")
        results["fields"] = bench_fields()
    if "audit" in wanted:
        console.print(f"Audit ledger ({args.events:,} events, {args.writers} writers)...")
        results["audit"] = bench_audit(args.database_url, args.events, args.writers)
    if "pages" in wanted:
        console.print(f"Page latency budget on the demo partnership ({args.page_requests} each)...")
        results["pages"] = bench_demo_pages(args.database_url, args.page_requests)

    if "rotation" in wanted:
        console.print(
            f"Key rotation ({args.rotation_values:,} values,"
            f" batches of {args.rotation_batch_size:,} rows)..."
        )
        results["rotation"] = bench_rotation(
            args.database_url, args.rotation_values, args.rotation_batch_size
        )

    if "generation" in wanted:
        console.print(
            f"Synthetic generation ({args.generation_cases:,} cases,"
            f" {args.generation_incidents:,} incidents)..."
        )
        results["generation"] = bench_generation(
            args.database_url, args.generation_cases, args.generation_incidents
        )

    table = Table(title=f"eMARAC core benchmarks ({results['database']})")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for section in ("fields", "audit", "rotation", "generation"):
        if section not in results:
            continue
        for key, value in results[section].items():  # type: ignore[attr-defined]
            if isinstance(value, dict):  # the append rate at each number of writers
                for writers, run in value.items():
                    table.add_row(
                        f"{section}.append_events_per_s[{writers} writers]",
                        f"{run['events_per_s']:,.2f}",
                    )
                    table.add_row(
                        f"{section}.python_cpu_ms_per_event[{writers} writers]",
                        f"{run['python_cpu_ms_per_event']:,.2f}",
                    )
                continue
            table.add_row(f"{section}.{key}", f"{value:,.2f}")
    console.print(table)
    if "pages" in results:
        console.print(pages.table(results["pages"]))  # type: ignore[arg-type]
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(results, indent=2))
    console.print(f"Saved {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
