"""The web edge: security headers, CSRF, error pages."""

from __future__ import annotations

import pytest

from emarac import create_app
from tests.conftest import DEFAULT_PASSWORD

PAGES = ["/sign-in", "/privacy", "/healthz", "/no-such-page", "/static/does-not-exist.css"]


@pytest.mark.parametrize("path", PAGES)
def test_security_headers_are_on_every_response(client, path):
    response = client.get(path, base_url="https://localhost")
    headers = response.headers
    csp = headers["Content-Security-Policy"]
    for directive in (
        "default-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ):
        assert directive in csp
    assert "unsafe-inline" not in csp
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_pages_are_not_cached(client):
    assert client.get("/sign-in").headers["Cache-Control"] == "no-store"


def test_session_cookie_flags(client, make, clock):
    user = make.user()
    response = client.post("/sign-in", data={"email": user.email, "password": DEFAULT_PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_production_cookies_are_secure(tmp_path):
    """configure() sets Secure cookies from the environment, not from a test override."""
    from flask import Flask

    from emarac import configure
    from emarac.config import Environment, Settings

    for environment, secure in ((Environment.PRODUCTION, True), (Environment.DEVELOPMENT, False)):
        app = Flask("cookie-check")
        settings = Settings(
            environment=environment,
            instance_path=tmp_path,
            database_url="postgresql+psycopg://db.invalid/emarac",
            secret_key="x" * 48,
        )
        configure(app, settings, {})
        assert app.config["SESSION_COOKIE_SECURE"] is secure
        assert app.config["SESSION_COOKIE_HTTPONLY"] is True
        assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_post_without_csrf_token_is_rejected(settings, clock):
    from emarac.schema import dispose

    app = create_app(settings)  # CSRF on, as in production
    with app.app_context():
        from emarac.extensions import db
        from tests.factories import Factory

        user = Factory(db).user()
        client = app.test_client()
        response = client.post("/sign-in", data={"email": user.email, "password": DEFAULT_PASSWORD})
        assert response.status_code == 400
        assert "Traceback" not in response.get_data(as_text=True)
        assert client.get("/").status_code == 302  # not signed in
        dispose()  # close pooled connections now, not when the garbage collector gets to them


def test_404_page_is_styled_and_shows_no_stack_trace(client):
    response = client.get("/cases/not-a-real-id")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "Page not found" in page
    assert "Traceback" not in page
    assert "werkzeug" not in page.lower()


@pytest.mark.own_app
def test_500_page_shows_no_details(app):
    @app.route("/_test/boom")
    def boom() -> str:
        raise RuntimeError("secret detail Jane Doe")

    response = app.test_client().get("/_test/boom")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Sorry, there is a problem with the service" in page
    assert "secret detail" not in page
    assert "Traceback" not in page
