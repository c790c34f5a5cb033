"""The app's side of the audit ledger: the checkpoint job, and checkpoints signed after commits."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask

import audit
from emarac import create_app
from emarac.schema import create_schema, dispose
from tests.conftest import isolated, make_settings, sign_in


def checkpoints(app: Flask) -> list[int]:
    settings = app.extensions["emarac.settings"]
    return [c.seq for c in audit.FileCheckpointStore(settings.audit_checkpoint_dir).all()]


def head_seq(db: Any) -> int:
    from emarac.auditing import ledger_table

    with db.engine.connect() as conn:
        return audit.head(conn, ledger_table)[0]


def record_one(db: Any) -> None:
    from emarac.auditing import record_event

    record_event("case.view", object_type="marac_case", object_id="case-1")
    db.session.commit()


def test_checkpoint_command_signs_once_and_only_when_the_head_moved(app, db):
    runner = app.test_cli_runner()
    record_one(db)
    head = head_seq(db)
    result = runner.invoke(args=["emarac", "audit", "checkpoint"])
    assert result.exit_code == 0, result.output
    assert result.output == f"Checkpoint at seq {head}\n"
    result = runner.invoke(args=["emarac", "audit", "checkpoint"])
    assert result.output == "Nothing new to checkpoint\n"
    assert checkpoints(app)[-1] == head


def test_checkpoint_job_signs_within_one_run_when_the_head_moved_and_not_otherwise(app, db):
    runner = app.test_cli_runner()
    app.extensions["emarac.settings"].audit_checkpoint_seconds = 1
    record_one(db)
    head = head_seq(db)
    job = ["emarac", "audit", "checkpoint", "--every", "--max-runs", "1"]
    result = runner.invoke(args=job)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "Signing audit checkpoints every 1 s when the ledger moved",
        f"Checkpoint at seq {head}",
        "Stopped after signing 1 checkpoints",
    ]
    # Two runs a second apart, the head still: nothing is signed.
    result = runner.invoke(
        args=["emarac", "audit", "checkpoint", "--every", "1", "--max-runs", "2"]
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[1:] == ["Stopped after signing 0 checkpoints"]
    record_one(db)
    result = runner.invoke(args=job)
    assert f"Checkpoint at seq {head + 1}" in result.output
    assert checkpoints(app)[-2:] == [head, head + 1]


def test_checkpoint_command_refuses_a_ledger_rewritten_under_its_checkpoint(app, db):
    from sqlalchemy import text

    runner = app.test_cli_runner()
    record_one(db)
    assert runner.invoke(args=["emarac", "audit", "checkpoint"]).exit_code == 0
    head = head_seq(db)
    with db.engine.begin() as conn:
        for statement in audit.drop_guard_statements(db.engine.dialect.name):
            conn.execute(text(statement))
        conn.execute(text(f"DELETE FROM audit_event WHERE seq = {head}"))
    result = runner.invoke(args=["emarac", "audit", "checkpoint"])
    assert result.exit_code == 1
    assert "Refused to sign: the head (seq" in result.output


@pytest.fixture
def one_connection_app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """An app with a pool of ONE connection and a checkpoint due after every event."""
    settings = make_settings(
        database_url,
        tmp_path / "instance",
        audit_checkpoint_every=1,
        db_pool_size=1,
        db_max_overflow=0,
        db_pool_timeout=2,
    )
    overrides: dict[str, Any] = {"WTF_CSRF_ENABLED": False}
    if database_url.startswith("sqlite"):
        # The pool settings are applied to PostgreSQL engines; give SQLite the same pool.
        overrides["SQLALCHEMY_ENGINE_OPTIONS"] = {
            "pool_size": 1,
            "max_overflow": 0,
            "pool_timeout": 2,
            "connect_args": {"timeout": 30},
        }
    app = isolated(create_app(settings, **overrides))
    with app.app_context():
        create_schema()
        yield app
        dispose()


def test_pool_settings_reach_the_postgresql_engine(one_connection_app):
    from emarac.extensions import db

    pool = db.engine.pool
    if db.engine.dialect.name == "postgresql":
        assert one_connection_app.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_size"] == 1
    assert (pool.size(), pool._max_overflow, pool._timeout) == (1, 0, 2)


def test_a_request_that_signs_a_checkpoint_uses_one_connection(one_connection_app, caplog):
    from emarac.extensions import db
    from tests.factories import Factory

    app = one_connection_app
    made = Factory(db).user()
    user = SimpleNamespace(email=made.email, totp_secret=made.totp_secret)
    db.session.close()  # the test's own session lets go of the one connection
    before = head_seq(db)
    with caplog.at_level(logging.WARNING, logger="emarac.auditing"):
        response = sign_in(app.test_client(), user)
    assert response.status_code == 302
    assert [r.getMessage() for r in caplog.records] == []
    after = head_seq(db)
    assert after > before  # the sign-in was audited...
    assert checkpoints(app)[-1] == after  # ...and signed after its commit, on the one connection
    assert db.engine.pool.checkedout() == 0


def test_events_waiting_for_the_sequencer_are_read_like_chained_ones(app, db, monkeypatch):
    """Between a commit and its chaining (or after a crash there), the trail still shows it."""
    from sqlalchemy import func, select

    from emarac import auditing
    from emarac.auditlog.services import recent_access

    record_one(db)  # chained after its commit
    monkeypatch.setattr(auditing, "sequence_pending", lambda: 0)  # the sequencer is down
    auditing.record_event("case.update", object_type="marac_case", object_id="case-1")
    db.session.commit()
    with db.engine.connect() as conn:
        waiting = conn.execute(select(func.count()).select_from(auditing.pending_table))
        assert waiting.scalar_one() == 1

    panel = recent_access("marac_case", "case-1")
    assert [row["action"] for row in panel] == ["case.update", "case.view"]
    events = auditing.all_events()
    hinted = db.session.execute(
        select(events.c.seq, events.c.action).order_by(*auditing.newest_first(events))
    ).all()
    assert [tuple(row) for row in hinted][:2] == [
        (None, "case.update"),
        (head_seq(db), "case.view"),
    ]

    monkeypatch.undo()
    result = app.test_cli_runner().invoke(args=["emarac", "audit", "sequence"])
    assert result.exit_code == 0, result.output
    assert result.output == "Chained 1 pending events\n"
    assert [row["action"] for row in recent_access("marac_case", "case-1")] == [
        "case.update",
        "case.view",
    ]


def test_a_rolled_back_request_leaves_no_event(app, db):
    from emarac import auditing

    before = head_seq(db)
    auditing.record_event("case.update", object_type="marac_case", object_id="case-2")
    db.session.rollback()
    record_one(db)
    assert head_seq(db) == before + 1
    with db.engine.connect() as conn:
        assert audit.head(conn, auditing.ledger_table)[0] == before + 1
