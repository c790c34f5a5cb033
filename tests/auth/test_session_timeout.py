"""The idle limit as the timeout warning sees it: status, renewal, and the way back after."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup
from flask import Flask

from emarac import create_app
from emarac.schema import dispose
from tests.conftest import DEFAULT_PASSWORD, isolated, sign_in, totp_now


def test_asking_for_the_status_does_not_keep_the_session_alive(client, make, clock):
    sign_in(client, make.user())
    clock.advance(minutes=10)
    assert client.get("/session").get_json() == {"signed_in": True, "seconds_left": 300}
    clock.advance(minutes=4)
    assert client.get("/session").get_json()["seconds_left"] == 60
    clock.advance(minutes=1, seconds=1)
    assert client.get("/session").get_json() == {"signed_in": False, "seconds_left": 0}
    assert client.get("/").status_code == 302  # the session is gone


def test_staying_signed_in_renews_the_session(client, make, clock):
    sign_in(client, make.user())
    clock.advance(minutes=14)
    renewed = client.post("/session/renew").get_json()
    assert renewed == {"signed_in": True, "seconds_left": 900}
    clock.advance(minutes=14)
    assert client.get("/").status_code == 200


def test_an_idle_sign_out_says_how_long_and_leads_back_to_the_page(client, make, clock, db):
    user = make.user()
    sign_in(client, user)
    clock.advance(minutes=15, seconds=1)
    response = client.get("/cases/?page=1")
    target = urlsplit(response.headers["Location"])
    assert target.path == "/sign-in"
    assert parse_qs(target.query) == {"next": ["/cases/?page=1"]}
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "inactive for 15 minutes" in BeautifulSoup(page, "html.parser").main.get_text()
    step = client.post(
        response.headers["Location"], data={"email": user.email, "password": DEFAULT_PASSWORD}
    )
    assert urlsplit(step.headers["Location"]).query == "next=/cases/?page%3D1"
    done = client.post(step.headers["Location"], data={"code": totp_now(user)})
    assert done.headers["Location"] == "/cases/?page=1"


@pytest.fixture
def csrf_app(settings, clock) -> Iterator[Flask]:
    """The app with CSRF on, as served."""
    app = isolated(create_app(settings))
    with app.app_context():
        yield app
        dispose()


def _token(client, path: str) -> str:
    page = BeautifulSoup(client.get(path).get_data(as_text=True), "html.parser")
    return str(page.find("input", attrs={"name": "csrf_token"})["value"])


def test_renewing_needs_the_csrf_token(csrf_app, make):
    client = csrf_app.test_client()
    user = make.user()
    client.post(
        "/sign-in",
        data={
            "email": user.email,
            "password": DEFAULT_PASSWORD,
            "csrf_token": _token(client, "/sign-in"),
        },
    )
    code_page = "/sign-in/security-code"
    client.post(code_page, data={"code": totp_now(user), "csrf_token": _token(client, code_page)})
    home = BeautifulSoup(client.get("/").get_data(as_text=True), "html.parser")
    dialog = home.select_one("dialog[data-module=app-session-timeout]")
    assert dialog["data-idle-seconds"] == "900"
    assert dialog["aria-labelledby"] == "session-timeout-title"
    assert client.post("/session/renew").status_code == 400
    renewed = client.post("/session/renew", headers={"X-CSRFToken": dialog["data-csrf-token"]})
    assert renewed.get_json()["signed_in"] is True
