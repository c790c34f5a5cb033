"""Operator commands, run as an operator would: ``flask emarac ...`` in a shell."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path

import pyotp
import pytest
from click.testing import CliRunner
from flask import Flask
from flask.cli import FlaskGroup
from sqlalchemy import create_engine, text

from emarac import create_app
from emarac.schema import dispose
from tests.conftest import make_settings

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Ran:
    """What a command printed and how it ended, as a shell would see it."""

    returncode: int
    stdout: str
    stderr: str


def flask(env: dict[str, str], *args: str, stdin: str | None = None) -> Ran:
    """Run ``flask ARGS`` as the ``flask`` command does, with ``env`` as the environment.

    The command runs in this process (a fresh app built from the environment, as
    ``wsgi:app`` is) rather than in a new interpreter, which cost seconds a call.
    ``test_the_flask_command_itself_refuses_production_with_development_keys``
    keeps one run of the real executable.
    """
    apps: list[Flask] = []

    def load_app() -> Flask:
        apps.append(create_app())
        return apps[-1]

    unset = {k: None for k in os.environ if k.startswith("EMARAC_") and k not in env}
    result = CliRunner().invoke(
        FlaskGroup(create_app=load_app), list(args), input=stdin, env={**env, **unset}
    )
    for app in apps:
        with app.app_context():
            dispose()
    stderr = result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        stderr += "".join(traceback.format_exception(result.exception))
    return Ran(result.exit_code, result.stdout, stderr)


def flask_process(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """The real ``flask`` executable in a new interpreter."""
    return subprocess.run(
        [sys.executable, "-m", "flask", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def operator_env(database_url: str, tmp_path: Path) -> dict[str, str]:
    settings = make_settings(database_url, tmp_path / "instance")
    env = {k: v for k, v in os.environ.items() if not k.startswith("EMARAC_")}
    env.update(
        {
            "FLASK_APP": "wsgi:app",
            # Testing: argon2 at its lowest cost for the accounts the commands make.
            "EMARAC_ENV": "testing",
            "EMARAC_INSTANCE_PATH": str(settings.instance_path),
            "EMARAC_DATABASE_URL": database_url,
            "EMARAC_SECRET_KEY": settings.secret_key or "",
        }
    )
    result = flask(env, "db", "upgrade")
    assert result.returncode == 0, result.stderr[-2000:]
    return env


def test_create_agency_and_user_then_sign_in_with_printed_secret(operator_env, clock, caplog):
    result = flask(
        operator_env,
        "emarac",
        "create-agency",
        "Eastbrook Police (test)",
        "--kind",
        "police",
        "--area",
        "Testshire MARAC",
        "--signed",
    )
    assert result.returncode == 0, result.stderr[-2000:]
    result = flask(
        operator_env,
        "emarac",
        "create-user",
        "first.admin@example.test",
        "--agency",
        "Eastbrook Police (test)",
        "--role",
        "system_admin",
        "--role",
        "agency_admin",
        "--password-stdin",
        stdin="a long operator passphrase\n",
    )
    assert result.returncode == 0, result.stderr[-2000:]
    uri = re.search(r"otpauth://\S+", result.stdout)
    assert uri
    assert "a long operator passphrase" not in result.stdout + result.stderr + caplog.text
    secret = pyotp.parse_uri(uri.group(0)).secret

    app = create_app(_settings_from(operator_env), WTF_CSRF_ENABLED=False)
    client = app.test_client()
    with app.app_context():
        response = client.post(
            "/sign-in",
            data={"email": "first.admin@example.test", "password": "a long operator passphrase"},
        )
        assert response.status_code == 302
        from emarac.auth.totp import code_for_now

        response = client.post("/sign-in/security-code", data={"code": code_for_now(secret)})
        assert response.status_code == 302
        assert "Eastbrook Police (test)" in client.get("/").get_data(as_text=True)
        from emarac.schema import dispose

        dispose()


def test_create_user_refuses_a_weak_password(operator_env):
    flask(
        operator_env,
        "emarac",
        "create-agency",
        "Weak Test Agency",
        "--kind",
        "other",
        "--area",
        "Testshire MARAC",
        "--signed",
    )
    result = flask(
        operator_env,
        "emarac",
        "create-user",
        "weak@example.test",
        "--agency",
        "Weak Test Agency",
        "--role",
        "practitioner",
        "--password-stdin",
        stdin="password1234\n",
    )
    assert result.returncode != 0
    assert "too common" in result.stderr


def test_demo_loads_then_refuses_real_data_and_demo_code_is_demo_only(operator_env):
    result = flask(operator_env, "emarac", "demo")
    assert result.returncode == 0, result.stderr[-2000:]
    emails = re.findall(r"[\w.-]+@demo\.emarac\.invalid", result.stdout)
    assert len(set(emails)) >= 7
    code = flask(operator_env, "emarac", "demo-code", emails[0])
    assert code.returncode == 0
    assert re.fullmatch(r"\d{6}\n", code.stdout)

    flask(
        operator_env,
        "emarac",
        "create-agency",
        "Real Agency",
        "--kind",
        "other",
        "--area",
        "Testshire MARAC",
        "--signed",
    )
    flask(
        operator_env,
        "emarac",
        "create-user",
        "real@example.test",
        "--agency",
        "Real Agency",
        "--role",
        "practitioner",
        "--password-stdin",
        stdin="a real long passphrase\n",
    )
    refused = flask(operator_env, "emarac", "demo-code", "real@example.test")
    assert refused.returncode != 0
    assert "not a demo account" in refused.stderr
    again = flask(operator_env, "emarac", "demo")
    assert again.returncode != 0
    assert "real (non-demo)" in again.stderr


def test_the_flask_command_itself_refuses_production_with_development_keys(operator_env):
    env = dict(operator_env, EMARAC_ENV="production")
    result = flask_process(env, "emarac", "demo")
    assert result.returncode != 0
    assert "Refusing to start in production" in result.stderr


def _settings_from(env: dict[str, str]):
    from emarac.config import Settings

    saved = dict(os.environ)
    try:
        os.environ.update(env)
        return Settings.from_env()
    finally:
        os.environ.clear()
        os.environ.update(saved)


def test_publish_checklist_version(operator_env, tmp_path):
    import json

    path = tmp_path / "checklist.json"
    path.write_text(
        json.dumps(
            [
                {
                    "section": "core",
                    "code": "c1",
                    "text": "Synthetic question one?",
                    "factor": None,
                },
                {"section": "stalking", "code": "s1", "text": "Synthetic stalking question?"},
            ]
        )
    )
    result = flask(operator_env, "emarac", "publish-checklist", "Area version 3", str(path))
    assert result.returncode == 0, result.stderr[-2000:]
    assert "with 2 questions" in result.stdout
    path.write_text(json.dumps([{"section": "other", "code": "x", "text": "?"}]))
    bad = flask(operator_env, "emarac", "publish-checklist", "Broken", str(path))
    assert bad.returncode != 0
    assert "sections are core, stalking or honour" in bad.stderr


def test_keys_status_and_rotate_commands(operator_env):
    flask(operator_env, "emarac", "keys", "init")
    assert flask(operator_env, "emarac", "demo").returncode == 0
    before = flask(operator_env, "emarac", "keys", "status")
    assert before.returncode == 0
    rotated = flask(operator_env, "emarac", "keys", "rotate", "--batch-size", "200")
    assert rotated.returncode == 0, rotated.stderr[-2000:]
    assert "Rotation to key 2 complete" in rotated.stdout
    after = flask(operator_env, "emarac", "keys", "status")
    assert "retired" in after.stdout
    code = flask(
        operator_env, "emarac", "demo-code", "practitioner.demoshire-police@demo.emarac.invalid"
    )
    assert code.returncode == 0  # the TOTP secret still decrypts under the new key
    reindexed = flask(operator_env, "emarac", "keys", "reindex")
    assert reindexed.returncode == 0, reindexed.stderr[-2000:]
    assert "Token indexes rebuilt for" in reindexed.stdout


def test_outbox_lists_mail_and_prints_the_newest_in_full(app, clock):
    from emarac.mail import send_mail

    send_mail(
        "first@example.test", "Your eMARAC account", "Set it: http://localhost/set-password/a"
    )
    send_mail("second@example.test", "Set a new eMARAC password", "http://localhost/set-password/b")
    runner = app.test_cli_runner()

    listing = runner.invoke(args=["emarac", "outbox"])
    assert listing.exit_code == 0, listing.output
    lines = listing.output.splitlines()
    assert lines == [
        "2026-11-02 09:00:00  first@example.test  Your eMARAC account",
        "2026-11-02 09:00:00  second@example.test  Set a new eMARAC password",
    ]

    newest = runner.invoke(args=["emarac", "outbox", "--last"])
    assert "To:      second@example.test" in newest.output
    assert "http://localhost/set-password/b" in newest.output

    filtered = runner.invoke(args=["emarac", "outbox", "--last", "--to", "First@Example.test"])
    assert "http://localhost/set-password/a" in filtered.output
    assert "set-password/b" not in filtered.output


def test_setup_publishes_the_default_checklist_once(operator_env):
    for _ in range(2):
        result = flask(operator_env, "emarac", "setup")
        assert result.returncode == 0, result.stderr[-2000:]
    engine = create_engine(operator_env["EMARAC_DATABASE_URL"])
    try:
        with engine.connect() as conn:
            versions = conn.execute(text("SELECT label, is_current FROM checklist_version")).all()
            keys = conn.execute(text("SELECT count(*) FROM data_key")).scalar()
    finally:
        engine.dispose()
    assert [(label, bool(current)) for label, current in versions] == [
        ("eMARAC checklist 2026", True)
    ]
    assert keys == 1
