"""The backup-and-restore drill (`make restore-drill`): prove a dump can be brought back.

It builds a scratch PostgreSQL database with the demo partnership (its own
instance directory holds the keys), signs an audit checkpoint, dumps the
database with pg_dump, restores the dump into a second new database, and
then, with the same key files and nothing else carried over, checks that:

1. the audit ledger verifies against the signed checkpoints (`python -m audit verify`);
2. a sample of encrypted values decrypts to what the original database held.

It prints PASS or FAIL for each step, exits non-zero on any failure, and drops
both scratch databases at the end. Only the app's public commands are used, so
the drill keeps working as the ledger's internals change.

    EMARAC_DRILL_DATABASE_URL   a PostgreSQL server to make scratch databases on
                                (default postgresql+psycopg://postgres@127.0.0.1:5432/postgres)
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
SAMPLE_SIZE = 25


def say(text_: str) -> None:
    sys.stdout.write(text_ + "\n")
    sys.stdout.flush()


def run(args: list[str], env: dict[str, str], *, what: str) -> str:
    """Run one command; on failure show its output and stop the drill."""
    done = subprocess.run(  # noqa: S603 - fixed commands, no shell
        args, env=env, cwd=ROOT, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        say(f"FAIL  {what} (exit {done.returncode})")
        say(done.stdout[-2000:] + done.stderr[-2000:])
        raise SystemExit(1)
    say(f"ok    {what}")
    return done.stdout


def libpq_url(url: str) -> str:
    """The URL pg_dump and pg_restore understand (no SQLAlchemy driver name)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def sample(env: dict[str, str]) -> dict[str, object]:
    """Decrypted values of a sample of encrypted fields, read through the app."""
    out = run(
        [sys.executable, str(Path(__file__)), "--sample"],
        env,
        what=f"decrypt a sample from {make_url(env['EMARAC_DATABASE_URL']).database}",
    )
    return dict(json.loads(out.strip().splitlines()[-1]))


def read_sample() -> None:
    """``--sample``: print the decrypted sample as one JSON line (runs inside the app)."""
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import select

    from emarac import create_app
    from emarac.extensions import db
    from emarac.incidents.models import Incident
    from emarac.people.models import Person

    app = create_app()
    with app.app_context():
        people = db.session.scalars(select(Person).order_by(Person.id).limit(SAMPLE_SIZE)).all()
        incidents = db.session.scalars(
            select(Incident).order_by(Incident.id).limit(SAMPLE_SIZE)
        ).all()
        values: dict[str, object] = {}
        for person in people:
            values[f"person {person.id}"] = [
                person.given_name,
                person.family_name,
                str(person.date_of_birth) if person.date_of_birth else None,
                person.postcode,
            ]
        for incident in incidents:
            values[f"incident {incident.id}"] = [incident.narrative, incident.location]
    sys.stdout.write(json.dumps(values, sort_keys=True) + "\n")


def main() -> int:
    server = os.environ.get("EMARAC_DRILL_DATABASE_URL", DEFAULT_SERVER)
    suffix = secrets.token_hex(4)
    source_name, restored_name = f"emarac_drill_{suffix}_source", f"emarac_drill_{suffix}_restored"
    source_url = make_url(server).set(database=source_name).render_as_string(hide_password=False)
    restored_url = (
        make_url(server).set(database=restored_name).render_as_string(hide_password=False)
    )
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    instance = Path(tempfile.mkdtemp(prefix="emarac-drill-"))
    env = {
        **os.environ,
        "EMARAC_ENV": "development",
        "EMARAC_INSTANCE_PATH": str(instance),
        "EMARAC_DATABASE_URL": source_url,
        "EMARAC_MAIL_BACKEND": "outbox",
        "FLASK_APP": "wsgi:app",
        "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
    }
    flask = [sys.executable, "-m", "flask"]
    failures: list[str] = []
    say(f"Restore drill: scratch databases {source_name} and {restored_name}; keys in {instance}")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{source_name}"'))
            conn.execute(text(f'CREATE DATABASE "{restored_name}"'))
        run([*flask, "emarac", "init-dev"], env, what="make the keys (KEK, audit signing key)")
        run([*flask, "db", "upgrade"], env, what="migrate the source database")
        run([*flask, "emarac", "setup"], env, what="set up the data key and checklist")
        run([*flask, "emarac", "demo"], env, what="load the demo partnership")
        run([*flask, "emarac", "audit", "checkpoint"], env, what="sign an audit checkpoint")
        before = sample(env)
        dump = instance / "emarac.dump"
        run(
            ["pg_dump", "--format=custom", "--no-owner", f"--file={dump}", libpq_url(source_url)],
            env,
            what="pg_dump the source database",
        )
        run(
            [
                "pg_restore",
                "--no-owner",
                "--exit-on-error",
                f"--dbname={libpq_url(restored_url)}",
                str(dump),
            ],
            env,
            what="pg_restore into a new database",
        )
        restored_env = {**env, "EMARAC_DATABASE_URL": restored_url}
        verify = subprocess.run(  # noqa: S603 - fixed command
            [
                sys.executable,
                "-m",
                "audit",
                "verify",
                "--database-url",
                restored_url,
                "--checkpoints",
                str(instance / "audit-checkpoints"),
                "--public-key",
                str(instance / "audit-signing.pub.pem"),
            ],
            env=restored_env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        report = (verify.stdout + verify.stderr).strip()
        if verify.returncode == 0:
            say(f"PASS  the restored ledger verifies against its checkpoints: {report}")
        else:
            failures.append("ledger")
            say(f"FAIL  the restored ledger does not verify (exit {verify.returncode}): {report}")
        after = sample(restored_env)
        encrypted = sum(1 for v in before.values() for x in v if x)  # type: ignore[attr-defined]
        if not before or encrypted == 0:
            failures.append("sample")
            say("FAIL  the source database held no encrypted values to compare")
        elif after != before:
            failures.append("sample")
            differ = sum(1 for k in before if after.get(k) != before[k])
            say(
                f"FAIL  {differ} of {len(before)} sampled records decrypt differently after restore"
            )
        else:
            say(
                f"PASS  {encrypted} encrypted values in {len(before)} sampled records "
                "decrypt after restore to what the source held"
            )
        # The control: without the backed-up KEK the same restore reads nothing.
        other = Path(tempfile.mkdtemp(prefix="emarac-drill-wrong-kek-"))
        try:
            wrong_env = {**restored_env, "EMARAC_INSTANCE_PATH": str(other)}
            run(
                [*flask, "emarac", "init-dev"], wrong_env, what="make a different KEK (the control)"
            )
            wrong = subprocess.run(  # noqa: S603 - fixed command
                [sys.executable, str(Path(__file__)), "--sample"],
                env=wrong_env,
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=False,
            )
        finally:
            shutil.rmtree(other, ignore_errors=True)
        if wrong.returncode == 0 and json.loads(wrong.stdout.strip().splitlines()[-1]) == before:
            failures.append("control")
            say("FAIL  the values decrypted with a different KEK: they are not protected by it")
        else:
            say("PASS  with a different KEK the restored values do not decrypt (back the KEK up)")
    finally:
        with admin.connect() as conn:
            for name in (source_name, restored_name):
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        shutil.rmtree(instance, ignore_errors=True)
        say("Dropped the scratch databases and the scratch keys")
    if failures:
        say("RESTORE DRILL FAILED: " + ", ".join(failures))
        return 1
    say("RESTORE DRILL PASSED")
    return 0


if __name__ == "__main__":
    if sys.argv[1:] == ["--sample"]:
        read_sample()
        raise SystemExit(0)
    raise SystemExit(main())
