"""Shared fixtures. They read as a chain: app -> db -> client -> login_as.

Every database test runs once per backend: SQLite always, PostgreSQL too when
``EMARAC_TEST_DATABASE_URL`` names a server. Each xdist worker gets its own
PostgreSQL database, created here and dropped at the end, and each test gets a
fresh schema, so no test depends on another's leftovers.
"""

from __future__ import annotations

import contextvars
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, make_url, text

from emarac import create_app
from emarac.clock import set_clock
from emarac.config import Environment, Settings

PG_URL = os.environ.get("EMARAC_TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])
DEFAULT_PASSWORD = "correct horse battery staple"  # noqa: S105 - test fixture


@pytest.fixture(scope="session")
def pg_database(worker_id: str) -> Iterator[str | None]:
    """A PostgreSQL database of this worker's own, dropped when the session ends."""
    if not PG_URL:
        yield None
        return
    name = f"emarac_test_{worker_id}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path, pg_database: str | None) -> str:
    """A clean database URL for one test, on each backend in turn."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    assert pg_database is not None
    engine = create_engine(pg_database, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return pg_database


def make_settings(database_url: str, instance: Path, **changes: Any) -> Settings:
    """Testing settings with keys of their own under ``instance``."""
    instance.mkdir(parents=True, exist_ok=True)
    settings = Settings(
        environment=Environment.TESTING,
        instance_path=instance,
        database_url=database_url,
        secret_key="test-secret-key-" + uuid.uuid4().hex,
        kek_file=instance / "kek.key",
        audit_signing_key=instance / "audit-signing.pem",
        audit_public_key=instance / "audit-signing.pub.pem",
        audit_checkpoint_dir=instance / "audit-checkpoints",
        audit_checkpoint_every=50,
        login_rate_limit="1000 per minute",
    )
    for key, value in changes.items():
        setattr(settings, key, value)
    from emarac.devkeys import ensure_dev_keys

    ensure_dev_keys(settings)
    return settings


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return make_settings(database_url, tmp_path / "instance")


class IsolatedClient(FlaskClient):
    """A test client whose requests run in their own app context, as in production.

    The test itself holds an app context (for factories and assertions); without
    this, requests would reuse it and share ``g`` (so one client's signed-in
    user would leak into another's request) and the test's database session.
    After each request the test's session forgets what it had loaded.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        response = contextvars.Context().run(super().open, *args, **kwargs)
        from emarac.extensions import db

        if _has_app_context():
            db.session.expire_all()
        return response


def _has_app_context() -> bool:
    from flask import has_app_context

    return has_app_context()


def isolated(app: Flask) -> Flask:
    app.test_client_class = IsolatedClient
    return app


@pytest.fixture
def app(settings: Settings) -> Iterator[Flask]:
    """The app on a fresh schema (tables, audit guards), CSRF off for brevity.

    CSRF is tested on its own in tests/test_web_edge.py.
    """
    app = isolated(create_app(settings, WTF_CSRF_ENABLED=False))
    with app.app_context():
        from emarac.schema import create_schema, dispose

        create_schema()
        yield app
        dispose()


@pytest.fixture
def db(app: Flask) -> Any:
    """The Flask-SQLAlchemy handle, inside the app context."""
    from emarac.extensions import db as _db

    return _db


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


class Clock:
    """A controllable clock: tests move time instead of sleeping."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now = self.now + timedelta(**delta)


@pytest.fixture
def clock() -> Iterator[Clock]:
    fake = Clock(datetime(2026, 11, 2, 9, 0, tzinfo=UTC))
    set_clock(fake)
    yield fake
    set_clock(None)


@dataclass
class Factory:
    """Small builders with keyword-only arguments: one line of data per test."""

    db: Any

    def agency(
        self,
        *,
        name: str | None = None,
        kind: str = "police",
        area: str = "Testshire MARAC",
        signed: bool = True,
    ) -> Any:
        from datetime import date

        from emarac.agencies.models import AgencyKind
        from emarac.agencies.services import create_agency

        return create_agency(
            name=name or f"Test agency {uuid.uuid4().hex[:6]}",
            kind=AgencyKind(kind),
            area_name=area,
            signed_on=date(2026, 1, 5) if signed else None,
        )

    def user(
        self,
        *,
        agency: Any = None,
        roles: tuple[str, ...] = ("practitioner",),
        email: str | None = None,
        password: str = DEFAULT_PASSWORD,
        enrolled: bool = True,
    ) -> Any:
        from emarac.agencies.models import Role
        from emarac.agencies.services import create_user
        from emarac.auth import totp
        from emarac.clock import utcnow

        agency = agency or self.agency()
        user = create_user(
            email=email or f"user-{uuid.uuid4().hex[:8]}@example.test",
            full_name="Test User " + uuid.uuid4().hex[:4],
            agency=agency,
            roles={Role(r) for r in roles},
            password=password,
        )
        if enrolled:
            user.totp_secret = totp.new_secret()
            user.totp_confirmed_at = utcnow()
        self.db.session.commit()
        return user


@pytest.fixture
def make(db: Any) -> Factory:
    return Factory(db)


def totp_now(user: Any) -> str:
    from emarac.auth import totp

    return totp.code_for_now(user.totp_secret)


def sign_in(client: FlaskClient, user: Any, *, password: str = DEFAULT_PASSWORD) -> Any:
    """Sign in through the real pages: password, then a fresh TOTP code."""
    response = client.post("/sign-in", data={"email": user.email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client.post("/sign-in/security-code", data={"code": totp_now(user)})


@pytest.fixture
def login_as(client: FlaskClient, make: Factory) -> Callable[..., Any]:
    """``login_as("coordinator", agency=a)`` makes a user with that role and signs in."""

    def _login(*roles: str, agency: Any = None, **kwargs: Any) -> Any:
        user = make.user(agency=agency, roles=roles or ("practitioner",), **kwargs)
        response = sign_in(client, user)
        assert response.status_code == 302
        return user

    return _login


def assert_ledger_verifies(app: Flask, db: Any) -> None:
    """Sign a checkpoint now and check the whole audit chain against it."""
    import audit
    from emarac.auditing import checkpoint_now, ledger_table

    checkpoint_now()
    settings = app.extensions["emarac.settings"]
    with db.engine.connect() as conn:
        result = audit.verify(
            conn,
            public_key=audit.load_public_key(settings.audit_public_key),
            checkpoints=audit.FileCheckpointStore(settings.audit_checkpoint_dir).all(),
            table=ledger_table,
        )
    assert result.ok, result


def outbox_messages(app: Flask, *, to: str | None = None) -> list[Any]:
    """What the app has mailed so far (the development outbox), oldest first."""
    from emarac import mail

    messages = mail.read_outbox(mail.outbox_directory(app.extensions["emarac.settings"]))
    return [m for m in messages if to is None or m.to == to]


def set_password_path(message: Any) -> str:
    """The path of the one set-password link in a mailed message."""
    import re

    links = re.findall(r"https?://[^/\s]+(/set-password/\S+)", message.body)
    assert len(links) == 1, message.body
    return str(links[0])
