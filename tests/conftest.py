"""Shared fixtures. They read as a chain: app -> db -> client -> login_as.

Every database test runs once per backend: SQLite always, PostgreSQL too when
``EMARAC_TEST_DATABASE_URL`` names a server. Each xdist worker builds the
schema once per backend and each test starts from it, empty: on SQLite a copy
of the worker's template file, on PostgreSQL the worker's own database with
every table emptied and the seeded rows put back. No test depends on another's
leftovers, and none pays for ``create_all``.
"""

from __future__ import annotations

import contextvars
import os
import shutil
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, MetaData, Table, create_engine, event, make_url, text

from emarac import create_app
from emarac.clock import set_clock
from emarac.config import Environment, Settings
from tests.factories import DEFAULT_PASSWORD, Cases, Factory

PG_URL = os.environ.get("EMARAC_TEST_DATABASE_URL")


@event.listens_for(Engine, "connect")
def _no_fsync_in_tests(dbapi_connection: Any, _record: Any) -> None:
    """SQLite test databases skip fsync: a test never outlives a power cut, and
    waiting on the disk after every commit was a fifth of an ordinary test's time."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.execute("PRAGMA synchronous = OFF")


BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


@pytest.fixture(scope="session")
def pg_databases(worker_id: str) -> Iterator[tuple[str, str] | None]:
    """Two PostgreSQL databases of this worker's own: one kept empty, one with the schema.

    Both are dropped when the session ends.
    """
    if not PG_URL:
        yield None
        return
    base = f"emarac_test_{worker_id}_{uuid.uuid4().hex[:8]}"
    names = (base, f"{base}_ready")
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for name in names:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(PG_URL)
        empty, ready = (url.set(database=n).render_as_string(hide_password=False) for n in names)
        yield empty, ready
    finally:
        with admin.connect() as conn:
            for name in names:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The database backend of this run of the test: "sqlite", then "postgresql"."""
    return str(request.param)


@pytest.fixture
def database_url(backend: str, tmp_path: Path, pg_databases: tuple[str, str] | None) -> str:
    """An empty database for one test (migrations, the CLI, the bare ledger)."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.db'}"
    assert pg_databases is not None
    empty = pg_databases[0]
    engine = create_engine(empty, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return empty


@pytest.fixture(scope="session")
def worker_keys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Development keys made once per worker; each test gets copies (see ``settings``)."""
    from emarac.devkeys import ensure_dev_keys

    instance = tmp_path_factory.mktemp("worker-keys")
    ensure_dev_keys(_settings_for(f"sqlite:///{instance / 'unused.db'}", instance))
    return instance


KEY_FILES = ("kek.key", "audit-signing.pem", "audit-signing.pub.pem")


@pytest.fixture(scope="session")
def schema_templates(
    tmp_path_factory: pytest.TempPathFactory,
    worker_keys: Path,
    pg_databases: tuple[str, str] | None,
) -> Iterator[dict[str, Any]]:
    """The schema, built once per worker and backend, under the worker's keys.

    SQLite: a database file that each test copies. PostgreSQL: the worker's
    ready database, plus the rows ``create_schema`` seeded (the first data
    key and the default checklist), which ``SchemaSnapshot.restore`` puts back
    after emptying every table.
    """
    templates: dict[str, Any] = {}
    sqlite_file = tmp_path_factory.mktemp("schema") / "template.db"
    _build_schema(f"sqlite:///{sqlite_file}", worker_keys, tmp_path_factory)
    templates["sqlite"] = sqlite_file
    if pg_databases is not None:
        ready = pg_databases[1]
        _build_schema(ready, worker_keys, tmp_path_factory)
        templates["postgresql"] = SchemaSnapshot.take(ready)
    yield templates
    if "postgresql" in templates:
        templates["postgresql"].close()


def _build_schema(url: str, keys: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    from emarac.schema import create_schema, dispose

    instance = tmp_path_factory.mktemp("template-instance")
    copy_keys(keys, instance)
    app = create_app(make_settings(url, instance))
    with app.app_context():
        create_schema()
        dispose()


def copy_keys(keys: Path, instance: Path) -> None:
    instance.mkdir(parents=True, exist_ok=True)
    for name in KEY_FILES:
        shutil.copyfile(keys / name, instance / name)


@dataclass
class SchemaSnapshot:
    """A PostgreSQL database's tables and the rows its fresh schema holds.

    Reflected once, with one engine kept for the worker's session: reflecting
    again for every test cost a fifth of a second each.
    """

    url: str
    engine: Engine
    tables: list[Table]
    seeds: dict[str, list[dict[str, Any]]]
    _sqlite_script: list[str] | None = None
    _sqlite_seeds: dict[str, tuple[list[str], list[tuple[Any, ...]]]] | None = None

    @classmethod
    def take(cls, url: str) -> SchemaSnapshot:
        engine = create_engine(url)
        metadata = MetaData()
        metadata.reflect(engine)
        seeds: dict[str, list[dict[str, Any]]] = {}
        with engine.connect() as conn:
            for table in metadata.sorted_tables:
                rows = [dict(row._mapping) for row in conn.execute(table.select())]
                if rows:
                    seeds[table.name] = rows
        snapshot = cls(url, engine, list(metadata.sorted_tables), seeds)
        if engine.dialect.name == "sqlite":
            snapshot._raw_seeds()  # read now, while the schema is fresh
        return snapshot

    def restore(self) -> None:
        """Empty every table, put the seeded rows back and re-arm the ledger guards.

        Foreign keys and the append-only ledger's guards are off while it runs
        (PostgreSQL: ``session_replication_role``; SQLite: the guard triggers are
        dropped and made again), so a test that dropped the guards (playing an
        attacker) gets them back.
        """
        if self.engine.dialect.name == "postgresql":
            self._restore_postgresql()
        else:
            self._restore_sqlite()

    def _restore_postgresql(self) -> None:
        import audit

        # DELETE, not TRUNCATE: on a few rows it is many times faster.
        script = ["SET LOCAL session_replication_role = replica"]
        script += [f'DELETE FROM "{table.name}"' for table in self.tables]
        script += audit.guard_statements("postgresql", "audit_event")
        with self.engine.begin() as conn:
            conn.exec_driver_sql(";\n".join(script))
            self._reseed(conn)

    def _restore_sqlite(self) -> None:
        import audit

        # Straight through the driver, with the statements made once: compiled
        # by SQLAlchemy for every test, they cost a few milliseconds each time.
        if self._sqlite_script is None:
            self._sqlite_script = [
                *audit.drop_guard_statements("sqlite", "audit_event"),
                *(f'DELETE FROM "{table.name}"' for table in reversed(self.tables)),
            ]
        raw = self.engine.raw_connection()
        try:
            driver = raw.driver_connection
            assert driver is not None
            driver.execute("PRAGMA foreign_keys = OFF")
            driver.execute("BEGIN")
            for statement in self._sqlite_script:
                driver.execute(statement)
            for name, (columns, rows) in self._raw_seeds().items():
                marks = ", ".join("?" for _ in columns)
                names = ", ".join(f'"{c}"' for c in columns)
                driver.executemany(f'INSERT INTO "{name}" ({names}) VALUES ({marks})', rows)  # noqa: S608
            for statement in audit.guard_statements("sqlite", "audit_event"):
                driver.execute(statement)
            driver.execute("COMMIT")
        finally:
            raw.close()

    def _raw_seeds(self) -> dict[str, tuple[list[str], list[tuple[Any, ...]]]]:
        """The seeded rows as the SQLite driver reads and writes them (no type processing)."""
        if self._sqlite_seeds is None:
            self._sqlite_seeds = {}
            raw = self.engine.raw_connection()
            try:
                driver = raw.driver_connection
                assert driver is not None
                for table in self.tables:
                    if table.name in self.seeds:
                        cursor = driver.execute(f'SELECT * FROM "{table.name}"')  # noqa: S608
                        columns = [d[0] for d in cursor.description]
                        self._sqlite_seeds[table.name] = (columns, cursor.fetchall())
            finally:
                raw.close()
        return self._sqlite_seeds

    def _reseed(self, conn: Any) -> None:
        for table in self.tables:
            if table.name in self.seeds:
                conn.execute(table.insert(), self.seeds[table.name])

    def close(self) -> None:
        self.engine.dispose()


@pytest.fixture
def ready_database_url(backend: str, tmp_path: Path, schema_templates: dict[str, Any]) -> str:
    """A database with the whole schema and nothing else in it, for one test."""
    if backend == "sqlite":
        copy = tmp_path / "test.db"
        shutil.copyfile(schema_templates["sqlite"], copy)
        return f"sqlite:///{copy}"
    snapshot: SchemaSnapshot = schema_templates["postgresql"]
    snapshot.restore()
    return snapshot.url


def _settings_for(database_url: str, instance: Path, **changes: Any) -> Settings:
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
    return settings


def make_settings(database_url: str, instance: Path, **changes: Any) -> Settings:
    """Testing settings with keys of their own under ``instance`` (made if missing)."""
    from emarac.devkeys import ensure_dev_keys

    instance.mkdir(parents=True, exist_ok=True)
    settings = _settings_for(database_url, instance, **changes)
    ensure_dev_keys(settings)
    return settings


@pytest.fixture
def settings(ready_database_url: str, tmp_path: Path, worker_keys: Path) -> Settings:
    """Testing settings on a ready database, with copies of the worker's keys."""
    instance = tmp_path / "instance"
    copy_keys(worker_keys, instance)
    return make_settings(ready_database_url, instance)


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


@dataclass
class SharedApp:
    """One app per worker and backend, lent to each test that needs no app of its own.

    Building an app for every test cost a twentieth of a second, and a new
    engine starts with an empty statement cache, so every query was compiled
    again. Between tests :meth:`reset` puts back what a test may have changed:
    the database (emptied and reseeded), the configuration, the extensions and
    the settings as they were built, the rate-limit counters, and the files the
    app writes under its instance folder (outbox, checkpoints).
    """

    app: Flask
    snapshot: SchemaSnapshot
    config: dict[str, Any]
    extensions: dict[str, Any]
    settings: dict[str, Any]

    @classmethod
    def build(cls, settings: Settings, snapshot: SchemaSnapshot) -> SharedApp:
        app = isolated(create_app(settings, WTF_CSRF_ENABLED=False))
        return cls(app, snapshot, dict(app.config), dict(app.extensions), dict(vars(settings)))

    def reset(self) -> None:
        from emarac.extensions import limiter

        self.snapshot.restore()
        self.app.config.clear()
        self.app.config.update(self.config)
        self.app.extensions.clear()
        self.app.extensions.update(self.extensions)
        settings = self.extensions["emarac.settings"]
        vars(settings).clear()
        vars(settings).update(self.settings)
        for written in ("outbox", "audit-checkpoints"):
            shutil.rmtree(settings.instance_path / written, ignore_errors=True)
        with self.app.app_context():
            limiter.reset()

    def close(self) -> None:
        from emarac.schema import dispose

        with self.app.app_context():
            dispose()
        self.snapshot.close()


@pytest.fixture(scope="session")
def shared_apps(
    tmp_path_factory: pytest.TempPathFactory,
    worker_keys: Path,
    schema_templates: dict[str, Any],
) -> Iterator[Callable[[str], SharedApp]]:
    """The worker's shared app for a backend, built on first use."""
    built: dict[str, SharedApp] = {}

    def shared_app(backend: str) -> SharedApp:
        if backend not in built:
            instance = tmp_path_factory.mktemp(f"shared-{backend}")
            copy_keys(worker_keys, instance / "instance")
            if backend == "sqlite":
                database = instance / "shared.db"
                shutil.copyfile(schema_templates["sqlite"], database)
                url = f"sqlite:///{database}"
                snapshot = SchemaSnapshot.take(url)
            else:
                snapshot = schema_templates["postgresql"]
                url = snapshot.url
            settings = make_settings(url, instance / "instance")
            built[backend] = SharedApp.build(settings, snapshot)
        return built[backend]

    yield shared_app
    for backend, shared in built.items():
        if backend == "sqlite":
            shared.close()
        else:
            from emarac.schema import dispose

            with shared.app.app_context():
                dispose()


def needs_own_app(request: pytest.FixtureRequest) -> bool:
    """A test that asks for ``settings`` (to change them) or is marked ``own_app``
    (it adds routes, say) gets an app of its own, built for it alone."""
    return "settings" in request.fixturenames or bool(request.node.get_closest_marker("own_app"))


@pytest.fixture
def app(request: pytest.FixtureRequest, backend: str) -> Iterator[Flask]:
    """The app on its ready database (tables, audit guards, first data key), CSRF off.

    Usually the worker's shared app for this backend, reset for the test (see
    ``SharedApp``). CSRF is tested on its own in tests/test_web_edge.py.
    """
    from emarac.extensions import db as _db
    from emarac.schema import dispose

    if needs_own_app(request):
        settings: Settings = request.getfixturevalue("settings")
        own = isolated(create_app(settings, WTF_CSRF_ENABLED=False))
        with own.app_context():
            yield own
            dispose()
        return
    shared = request.getfixturevalue("shared_apps")(backend)
    shared.reset()
    with shared.app.app_context():
        try:
            yield shared.app
        finally:
            _db.session.remove()


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


@pytest.fixture
def make(db: Any) -> Factory:
    """Builders of agencies and users (tests/factories.py), one line per record."""
    return Factory(db)


@pytest.fixture
def cases(db: Any, make: Factory) -> Cases:
    """Builders of cases with their people and incidents (tests/factories.py)."""
    return Cases(db, make)


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
