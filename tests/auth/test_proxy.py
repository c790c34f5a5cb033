"""Behind a reverse proxy: the throttle and the ledger see the client, not the proxy.

``EMARAC_TRUSTED_PROXIES`` says how many proxies append to X-Forwarded-For.
With none (the default) the header is only what a client chose to send, so it
is ignored.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask, request
from sqlalchemy import select

from emarac import create_app
from emarac.auditing import ledger_table
from emarac.config import ConfigurationError, Settings
from emarac.extensions import db
from emarac.schema import dispose
from tests.conftest import isolated

PROXY = "10.0.0.1"
ALICE = "203.0.113.5"
BOB = "203.0.113.6"
ATTEMPT = {"email": "someone@example.test", "password": "whatever at all"}


@pytest.fixture
def proxied(settings: Settings, clock) -> Iterator[Flask]:
    """An app behind one trusted proxy, allowing 3 sign-in attempts a minute per client."""
    yield from _app(settings, trusted_proxies=1)


@pytest.fixture
def direct(settings: Settings, clock) -> Iterator[Flask]:
    """An app with no trusted proxy (the default), 3 sign-in attempts a minute per client."""
    yield from _app(settings, trusted_proxies=0)


def _app(settings: Settings, *, trusted_proxies: int) -> Iterator[Flask]:
    settings.login_rate_limit = "3 per minute"
    settings.trusted_proxies = trusted_proxies
    app = isolated(create_app(settings, WTF_CSRF_ENABLED=False))

    @app.route("/_test/where")
    def where() -> str:
        return f"{request.remote_addr} {request.scheme} {request.host}"

    with app.app_context():
        yield app
        dispose()


def attempt(app: Flask, forwarded_for: str | None, *, remote: str = PROXY) -> int:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    response = app.test_client().post(
        "/sign-in", data=ATTEMPT, headers=headers, environ_base={"REMOTE_ADDR": remote}
    )
    return response.status_code


def ledger_addresses() -> list[str | None]:
    rows = db.session.scalars(
        select(ledger_table.c.client_addr)
        .where(ledger_table.c.action == "auth.login_failed")
        .order_by(ledger_table.c.seq)
    )
    return list(rows)


def test_clients_behind_one_proxy_are_limited_separately(proxied):
    assert [attempt(proxied, ALICE) for _ in range(4)] == [200, 200, 200, 429]
    # Bob comes through the same proxy address but is his own client.
    assert attempt(proxied, BOB) == 200
    assert attempt(proxied, ALICE) == 429


def test_the_ledger_records_the_forwarded_address(proxied):
    attempt(proxied, ALICE)
    attempt(proxied, BOB)
    assert ledger_addresses() == [ALICE, BOB]


def test_a_client_cannot_spoof_past_the_trusted_proxy(proxied):
    # The client sends its own X-Forwarded-For; the proxy appends what it saw.
    for _ in range(3):
        assert attempt(proxied, f"198.51.100.{_}, {ALICE}") == 200
    assert attempt(proxied, f"198.51.100.99, {ALICE}") == 429
    assert set(ledger_addresses()) == {ALICE}


def test_the_proxy_tells_the_scheme_but_not_the_host(proxied):
    page = (
        proxied.test_client()
        .get(
            "/_test/where",
            base_url="http://emarac.example",
            headers={
                "X-Forwarded-For": ALICE,
                "X-Forwarded-Proto": "https",
                "X-Forwarded-Host": "evil.example",
            },
            environ_base={"REMOTE_ADDR": PROXY},
        )
        .get_data(as_text=True)
    )
    assert page == f"{ALICE} https emarac.example"


def test_without_a_trusted_proxy_forwarded_headers_are_ignored(direct):
    assert [attempt(direct, f"203.0.113.{n}") for n in range(4)] == [200, 200, 200, 429]
    assert ledger_addresses() == [PROXY] * 3
    page = (
        direct.test_client()
        .get(
            "/_test/where",
            base_url="http://emarac.example",
            headers={"X-Forwarded-For": ALICE, "X-Forwarded-Proto": "https"},
            environ_base={"REMOTE_ADDR": PROXY},
        )
        .get_data(as_text=True)
    )
    assert page == f"{PROXY} http emarac.example"


def test_trusted_proxies_is_read_from_the_environment(monkeypatch):
    monkeypatch.delenv("EMARAC_TRUSTED_PROXIES", raising=False)
    assert Settings.from_env().trusted_proxies == 0
    monkeypatch.setenv("EMARAC_TRUSTED_PROXIES", "2")
    assert Settings.from_env().trusted_proxies == 2
    for bad in ("-1", "one"):
        monkeypatch.setenv("EMARAC_TRUSTED_PROXIES", bad)
        with pytest.raises(ConfigurationError, match="EMARAC_TRUSTED_PROXIES"):
            Settings.from_env()
