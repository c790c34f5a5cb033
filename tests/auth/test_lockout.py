"""A lockout is told to the account's owner, never to whoever is signing in.

The sign-in pages answer a locked account, a wrong password and an unknown
email alike, byte for byte apart from the CSRF token, so they say neither that
an account exists nor that it is locked. The owner gets a notice and an email,
once per lockout.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from emarac import create_app
from emarac.auditing import ledger_table
from emarac.notifications.models import Notification
from emarac.schema import dispose
from tests.conftest import DEFAULT_PASSWORD, isolated, outbox_messages, totp_now

WRONG = "not the password at all"
# The same length, so that the echoed address does not change the length of a page.
LOCKED_EMAIL = "locked-1@example.test"
OTHER_EMAIL = "others-2@example.test"
UNKNOWN_EMAIL = "nobody-3@example.test"


@pytest.fixture
def csrf_app(settings, clock) -> Iterator[Flask]:
    """The app with CSRF on, as served: the pages then carry a token that differs."""
    app = isolated(create_app(settings))
    with app.app_context():
        yield app
        dispose()


def csrf_token(client: FlaskClient, path: str) -> str:
    page = BeautifulSoup(client.get(path).get_data(as_text=True), "html.parser")
    field = page.find("input", attrs={"name": "csrf_token"})
    assert field is not None
    return str(field["value"])


def post(client: FlaskClient, path: str, **data: str) -> object:
    """POST with the page's CSRF token; buffered, so what runs after the response has run."""
    data["csrf_token"] = csrf_token(client, path)
    return client.post(path, data=data, buffered=True)


def sign_in_answer(client: FlaskClient, email: str, password: str) -> object:
    return post(client, "/sign-in", email=email, password=password)


def comparable(response, *, email: str | None = None) -> tuple[object, ...]:
    """Status, headers but the session cookie, and the page with its CSRF token blanked."""
    body = re.sub(r'name="csrf_token" value="[^"]+"', 'name="csrf_token" value=""', response.text)
    if email:
        body = body.replace(email, "EMAIL")
    headers = sorted((k, v) for k, v in response.headers.items() if k != "Set-Cookie")
    return response.status_code, headers, body


def lock(app: Flask, email: str) -> None:
    client = app.test_client()
    for _ in range(5):
        sign_in_answer(client, email, WRONG)


def lockout_notices(db, user) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification).where(
                Notification.user_id == user.id, Notification.kind == "auth.lockout"
            )
        )
    )


def test_locked_wrong_password_and_unknown_email_answer_alike(csrf_app, make, db):
    make.user(email=LOCKED_EMAIL)
    make.user(email=OTHER_EMAIL)
    lock(csrf_app, LOCKED_EMAIL)
    answers = {
        "locked, right password": sign_in_answer(
            csrf_app.test_client(), LOCKED_EMAIL, DEFAULT_PASSWORD
        ),
        "locked, wrong password": sign_in_answer(csrf_app.test_client(), LOCKED_EMAIL, WRONG),
        "wrong password": sign_in_answer(csrf_app.test_client(), OTHER_EMAIL, WRONG),
        "unknown email": sign_in_answer(csrf_app.test_client(), UNKNOWN_EMAIL, WRONG),
    }
    emails = {
        "locked, right password": LOCKED_EMAIL,
        "locked, wrong password": LOCKED_EMAIL,
        "wrong password": OTHER_EMAIL,
        "unknown email": UNKNOWN_EMAIL,
    }
    seen = {name: comparable(r, email=emails[name]) for name, r in answers.items()}
    assert len(set(map(repr, seen.values()))) == 1, seen.keys()
    status, _, body = seen["locked, right password"]
    assert status == 200
    assert "Enter a correct email address and password" in body
    assert "locked" not in body.lower()
    # The ledger still knows what happened.
    actions = list(db.session.scalars(select(ledger_table.c.action)))
    assert actions.count("auth.lockout") == 1
    assert actions.count("auth.login_refused_locked") == 2


def test_the_right_code_while_locked_is_answered_as_a_wrong_one(csrf_app, make, db, clock):
    user = make.user(email=LOCKED_EMAIL)
    # Half-way through signing in (password accepted) before someone locks the account.
    holder = csrf_app.test_client()
    response = sign_in_answer(holder, user.email, DEFAULT_PASSWORD)
    assert response.status_code == 302
    wrong_first = post(holder, "/sign-in/security-code", code="000000")
    lock(csrf_app, user.email)
    clock.advance(seconds=30)  # a code the holder has not used yet
    right_while_locked = post(holder, "/sign-in/security-code", code=totp_now(user))
    assert comparable(right_while_locked) == comparable(wrong_first)
    page = right_while_locked.text
    assert "Enter a correct security code" in page
    assert "locked" not in page.lower()
    assert holder.get("/").status_code == 302  # not signed in


def test_the_owner_is_told_once_per_lockout(app, client, make, db, clock):
    user = make.user()
    for _ in range(4):
        client.post("/sign-in", data={"email": user.email, "password": WRONG}, buffered=True)
    assert lockout_notices(db, user) == []
    assert outbox_messages(app, to=user.email) == []

    client.post("/sign-in", data={"email": user.email, "password": WRONG}, buffered=True)
    # More attempts while locked, right or wrong, tell the owner nothing new.
    for password in (WRONG, DEFAULT_PASSWORD, WRONG):
        client.post("/sign-in", data={"email": user.email, "password": password}, buffered=True)
    notices = lockout_notices(db, user)
    assert len(notices) == 1
    assert "locked" in notices[0].text
    mails = outbox_messages(app, to=user.email)
    assert len(mails) == 1
    assert mails[0].subject == "Your eMARAC account was locked"
    assert "09:15 UTC on 02 November 2026" in mails[0].body
    assert "agency administrator" in mails[0].body

    # A second lockout, once the first is over, is told again.
    clock.advance(minutes=15, seconds=1)
    for _ in range(5):
        client.post("/sign-in", data={"email": user.email, "password": WRONG}, buffered=True)
    assert len(lockout_notices(db, user)) == 2
    assert len(outbox_messages(app, to=user.email)) == 2


def test_wrong_codes_that_lock_tell_the_owner(app, client, make, db, clock):
    user = make.user()
    client.post("/sign-in", data={"email": user.email, "password": DEFAULT_PASSWORD})
    for _ in range(7):
        client.post("/sign-in/security-code", data={"code": "123456"}, buffered=True)
    assert len(lockout_notices(db, user)) == 1
    assert len(outbox_messages(app, to=user.email)) == 1


def test_the_lockout_mail_goes_after_the_response(app, client, make, clock):
    user = make.user()
    for _ in range(4):
        client.post("/sign-in", data={"email": user.email, "password": WRONG}, buffered=True)
    response = client.post("/sign-in", data={"email": user.email, "password": WRONG})
    # The page is answered before any mail server is waited on.
    assert outbox_messages(app, to=user.email) == []
    response.close()
    assert len(outbox_messages(app, to=user.email)) == 1


def test_a_failing_mail_server_does_not_change_the_answer(app, client, make, db, clock, caplog):
    from emarac import mail

    class Broken:
        def send(self, to: str, subject: str, body: str) -> None:
            raise OSError(f"relay refused {to}")

    app.extensions[mail.EXTENSION_KEY] = Broken()
    user = make.user()
    for _ in range(5):
        response = client.post(
            "/sign-in", data={"email": user.email, "password": WRONG}, buffered=True
        )
        assert response.status_code == 200
    assert len(lockout_notices(db, user)) == 1
    assert "lockout mail not sent: OSError" in caplog.text
    assert user.email not in caplog.text


def test_a_lockout_logs_nothing_personal(app, client, make, clock, caplog):
    caplog.set_level(logging.DEBUG)
    user = make.user()
    for _ in range(5):
        client.post("/sign-in", data={"email": user.email, "password": WRONG}, buffered=True)
    assert len(outbox_messages(app, to=user.email)) == 1
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for personal in (user.email, user.full_name, WRONG):
        assert personal not in logged
