"""``make load``: mixed journeys of many users against gunicorn and PostgreSQL.

1. Drops and recreates a PostgreSQL database (``emarac_load`` on 127.0.0.1),
   with development keys in a temporary instance folder, migrates it, sets it
   up and loads the demo partnership, as ``make demo`` does.
2. Adds one synthetic account per simulated user and role (marked as demo
   accounts, in that throwaway database only): the app refuses a second use of
   a security code and ends every session of an account at sign-out, so users
   who shared an account would get in each other's way as real people would.
   Releases the demo meeting's agenda so that conference mode can open.
3. Serves the app with gunicorn, as a deployment would: several workers of a
   few threads, pooled connections sized to them, Redis for the rate limiter,
   one trusted proxy (each simulated user sends its own X-Forwarded-For, as a
   reverse proxy would), and the audit checkpoint job beside it.
4. Runs Locust headless (``locustfile.py`` here) and prints, per page, the
   requests, failures, p50 and p95 in milliseconds, then checks that the app
   logged no error and that the audit ledger still verifies.

Exit status 1 when any request failed, the app logged an error or the ledger
does not verify. Gunicorn and the checkpoint job are always stopped, and the
database and the temporary folder removed.

Settings (environment): LOAD_USERS (50), LOAD_MINUTES (10), LOAD_SPAWN_RATE
(5 a second), LOAD_WORKERS (3), LOAD_THREADS (4), LOAD_DATABASE_URL,
LOAD_REDIS_URL (redis://127.0.0.1:6379/0), LOAD_KEEP=1 keeps the database and
the folder for a look afterwards. No personal data is printed: page names,
counts and timings only.
"""

from __future__ import annotations

import csv
import json
import logging
import math
import os
import re
import shutil
import signal
import socket
import subprocess  # noqa: S404 - we run our own interpreter, gunicorn and locust
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sqlalchemy import create_engine, make_url, text

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/emarac_load"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"
# Simulated users per role class, in this proportion (see locustfile.py).
ROLES = ("practitioner", "coordinator", "chair", "manager")

console = Console(width=110)


def _int_env(name: str, default: int) -> int:
    raw = os.environ.get(name, "")
    return int(raw) if raw.strip() else default


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def recreate_database(url: str, *, drop_only: bool = False) -> None:
    """Drop the load database (closing any session on it) and create it empty."""
    parsed = make_url(url)
    name = parsed.database or ""
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name) or name in ("postgres", "template1"):
        raise SystemExit(f"Refusing to recreate database {name!r}: use a throwaway name")
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        if not drop_only:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def run_flask(env: dict[str, str], *args: str) -> None:
    """One ``flask`` command, as ``make db``/``make demo`` run it; its output shown on failure."""
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "flask", "--app", "wsgi:app", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        console.print(done.stdout[-2000:], done.stderr[-4000:], markup=False)
        raise SystemExit(f"flask {' '.join(args)} failed")


def prepare_accounts(per_role: int, logins_file: Path) -> None:
    """Synthetic accounts for the simulated users, and the demo agenda released.

    Runs in this process against the load database (the environment is set).
    Writes each account's email and authenticator secret to ``logins_file``,
    which only the locustfile reads; the file is removed with the folder.
    """
    from sqlalchemy import select

    from emarac import create_app
    from emarac.agencies import services as agency_services
    from emarac.agencies.models import Agency, Role, User
    from emarac.auth import totp
    from emarac.clock import utcnow
    from emarac.config import Settings
    from emarac.demo import DEMO_AGENCIES, DEMO_DOMAIN, DEMO_PASSWORD
    from emarac.extensions import db
    from emarac.meetings import services as meetings
    from emarac.meetings.models import Meeting
    from emarac.passwords import hash_password

    app = create_app(Settings.from_env())
    logging.getLogger("emarac").setLevel(logging.WARNING)  # not a notice line per account
    with app.app_context():
        agencies = {a.name: a for a in db.session.scalars(select(Agency))}
        working = [agencies[name] for name, _, roles in DEMO_AGENCIES if Role.PRACTITIONER in roles]
        area_agency = next(
            agencies[name] for name, _, roles in DEMO_AGENCIES if Role.COORDINATOR in roles
        )
        shared_hash = hash_password(DEMO_PASSWORD)  # one argon2 run, not hundreds
        logins: dict[str, list[dict[str, str]]] = {role: [] for role in ROLES}
        for role_name in ROLES:
            role = Role(role_name)
            for n in range(per_role):
                agency = working[n % len(working)] if role is Role.PRACTITIONER else area_agency
                user = agency_services.create_user(
                    email=f"load-{n:03d}.{role_name}@{DEMO_DOMAIN}",
                    full_name=f"Load {role.label} {n:03d}",
                    agency=agency,
                    roles={role},
                    is_demo=True,
                )
                user.password_hash = shared_hash
                user.totp_secret = totp.new_secret()
                user.totp_confirmed_at = utcnow()
                logins[role_name].append({"email": user.email, "secret": user.totp_secret})
            db.session.commit()
        coordinator = db.session.scalar(
            select(User).where(User.email.like(f"coordinator.%@{DEMO_DOMAIN}"))
        )
        meeting = db.session.scalar(select(Meeting))
        if coordinator is None or meeting is None:
            raise SystemExit("The demo partnership has no coordinator or meeting")
        meetings.release_agenda(meeting, by=coordinator)
        db.session.remove()
        db.engine.dispose()
    logins_file.write_text(json.dumps(logins), encoding="utf-8")
    logins_file.chmod(0o600)


@contextmanager
def process(args: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A background process with its output in ``log``, stopped (TERM, then KILL) on exit."""
    with log.open("wb") as out:
        proc = subprocess.Popen(  # noqa: S603
            args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            yield proc
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


def wait_until_up(base: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            console.print(log.read_text(errors="replace")[-4000:], markup=False)
            raise SystemExit("gunicorn stopped before it answered")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=5) as answer:  # noqa: S310
                if answer.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    raise SystemExit("gunicorn did not answer /healthz within 60 s")


def _ms(value: str) -> str:
    return "-" if value in ("", "N/A") else f"{float(value):,.0f}"


def print_table(stats_csv: Path, *, users: int, minutes: float, workers: int, threads: int) -> int:
    """The per-page table; returns the total number of failures."""
    with stats_csv.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    table = Table(
        title=f"{users} users for {minutes:g} min, gunicorn {workers}x{threads} threads, PostgreSQL"
    )
    for column in ("page", "requests", "failures", "p50 ms", "p95 ms", "max ms"):
        table.add_column(column, justify="left" if column == "page" else "right")
    total_failures = 0
    pages = sorted((r for r in rows if r["Name"] != "Aggregated"), key=lambda r: r["Name"])
    for row in [*pages, *(r for r in rows if r["Name"] == "Aggregated")]:
        is_total = row["Name"] == "Aggregated"
        if is_total:
            total_failures = int(row["Failure Count"])
            table.add_section()
        table.add_row(
            "total" if is_total else row["Name"],
            f"{int(row['Request Count']):,}",
            row["Failure Count"],
            _ms(row["50%"]),
            _ms(row["95%"]),
            _ms(row["Max Response Time"]),
        )
    console.print(table)
    return total_failures


def print_failures(failures_csv: Path) -> None:
    if not failures_csv.exists():
        return
    with failures_csv.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    if not rows:
        return
    table = Table(title="Failures")
    for column in ("page", "error", "times"):
        table.add_column(column)
    for row in rows:
        table.add_row(row["Name"], row["Error"][:200], row["Occurrences"])
    console.print(table)


def app_errors(log: Path) -> list[str]:
    """Lines logged at ERROR or worse (tracebacks, pool timeouts, a failed checkpoint)."""
    pattern = re.compile(r"\b(ERROR|CRITICAL)\b|Traceback|WORKER TIMEOUT")
    return [line for line in log.read_text(errors="replace").splitlines() if pattern.search(line)]


def main() -> int:
    users = _int_env("LOAD_USERS", 50)
    minutes = float(os.environ.get("LOAD_MINUTES", "") or 10)
    spawn_rate = _int_env("LOAD_SPAWN_RATE", 5)
    workers = _int_env("LOAD_WORKERS", 3)
    threads = _int_env("LOAD_THREADS", 4)
    url = os.environ.get("LOAD_DATABASE_URL") or DEFAULT_URL
    redis_url = os.environ.get("LOAD_REDIS_URL") or DEFAULT_REDIS
    keep = os.environ.get("LOAD_KEEP") == "1"

    work = Path(tempfile.mkdtemp(prefix="emarac-load-"))
    instance = work / "instance"
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "EMARAC_ENV": "development",
        "EMARAC_INSTANCE_PATH": str(instance),
        "EMARAC_DATABASE_URL": url,
        "EMARAC_AUDIT_CHECKPOINT_DIR": str(instance / "audit-checkpoints"),
        "EMARAC_AUDIT_SIGNING_KEY": str(instance / "audit-signing.pem"),
        "EMARAC_AUDIT_PUBLIC_KEY": str(instance / "audit-signing.pub.pem"),
        "EMARAC_REDIS_URL": redis_url,
        # The simulated users stand behind one reverse proxy, each with its address.
        "EMARAC_TRUSTED_PROXIES": "1",
        # A connection for each thread of a worker, and a few spare.
        "EMARAC_DB_POOL_SIZE": str(threads),
        "EMARAC_DB_MAX_OVERFLOW": str(max(2, threads // 2)),
        "EMARAC_DB_POOL_TIMEOUT": "30",
        "EMARAC_MAIL_BACKEND": "outbox",
        "LOAD_LOGINS": str(work / "logins.json"),
        "PYTHONPATH": str(ROOT),
    }
    os.environ.update(env)
    try:
        console.print(f"Preparing PostgreSQL database {make_url(url).database} ...")
        recreate_database(url)
        run_flask(env, "emarac", "init-dev")
        run_flask(env, "db", "upgrade")
        run_flask(env, "emarac", "setup")
        run_flask(env, "emarac", "demo")
        prepare_accounts(users, work / "logins.json")

        server_log = work / "gunicorn.log"
        gunicorn = [
            sys.executable,
            *("-m", "gunicorn", "wsgi:app"),
            *("--bind", f"127.0.0.1:{port}"),
            *("--workers", str(workers), "--threads", str(threads)),
            *("--worker-class", "gthread", "--timeout", "60", "--no-control-socket"),
            # Idle connections stay open longer than a user thinks (6 s at most), as
            # behind a proxy that keeps them: with gunicorn's 2 s the server could
            # close one just as the next request goes out on it.
            *("--keep-alive", "30"),
            "--access-logfile",
            "-",
        ]
        checkpointer = [
            sys.executable,
            *("-m", "flask", "--app", "wsgi:app", "emarac", "audit", "checkpoint", "--every"),
        ]
        locust = [
            sys.executable,
            *("-m", "locust", "-f", str(HERE / "locustfile.py"), "--headless"),
            *("--host", base, "--users", str(users), "--spawn-rate", str(spawn_rate)),
            *("--run-time", f"{math.ceil(minutes * 60)}s", "--stop-timeout", "30"),
            *("--csv", str(work / "locust"), "--only-summary", "--loglevel", "WARNING"),
        ]
        with (
            process(gunicorn, env, server_log) as server,
            process(checkpointer, env, work / "checkpoints.log"),
        ):
            wait_until_up(base, server, server_log)
            console.print(
                f"gunicorn: {workers} workers x {threads} threads on {base}; "
                f"running {users} users for {minutes:g} min (spawning {spawn_rate}/s) ..."
            )
            started = time.monotonic()
            with process(locust, env, work / "locust.log") as runner:
                while runner.poll() is None:
                    time.sleep(5)
                    elapsed = time.monotonic() - started
                    if int(elapsed) % 60 < 5 and elapsed > 30:
                        console.print(f"  {elapsed / 60:.0f} min")
            locust_status = runner.returncode

        stats = work / "locust_stats.csv"
        if not stats.exists():
            console.print((work / "locust.log").read_text(errors="replace")[-4000:], markup=False)
            raise SystemExit("Locust wrote no statistics")
        failures = print_table(
            stats, users=users, minutes=minutes, workers=workers, threads=threads
        )
        print_failures(work / "locust_failures.csv")
        errors = app_errors(server_log) + app_errors(work / "checkpoints.log")
        for line in errors[:20]:
            console.print(f"  app: {line[:200]}", markup=False)
        verified = subprocess.run(  # noqa: S603
            [sys.executable, "-m", "audit", "verify"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        ledger = (verified.stdout + verified.stderr).strip().splitlines()
        console.print(f"Audit ledger: {ledger[0] if ledger else 'no answer'}", markup=False)
        console.print(f"Errors logged by the app: {len(errors)}; failed requests: {failures}")
        if failures or errors or verified.returncode != 0 or locust_status not in (0, 1):
            return 1
        return 0
    finally:
        if keep:
            console.print(f"Kept {work} and the database (LOAD_KEEP=1)")
        else:
            recreate_database(url, drop_only=True)
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
