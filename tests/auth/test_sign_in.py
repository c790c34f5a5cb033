"""Sign-in through the real pages: password, second factor, lockout, sessions."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from emarac.agencies.models import User
from emarac.auditing import ledger_table
from tests.conftest import DEFAULT_PASSWORD, sign_in, totp_now


def audit_actions(db) -> list[str]:
    return list(db.session.scalars(select(ledger_table.c.action).order_by(ledger_table.c.seq)))


def test_password_and_code_reach_the_home_page_naming_the_agency(client, make, clock, db):
    agency = make.agency(name="Northgate Police (test)")
    user = make.user(agency=agency)
    response = sign_in(client, user)
    assert response.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert "Northgate Police (test)" in page
    assert "auth.login" in audit_actions(db)


def test_wrong_password_is_refused_with_a_field_error(client, make, clock, db):
    user = make.user()
    response = client.post("/sign-in", data={"email": user.email, "password": "not the password"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Enter a correct email address and password" in page
    assert "not the password" not in page
    assert client.get("/").status_code == 302
    assert "auth.login_failed" in audit_actions(db)


def test_unknown_email_gets_the_same_message(client, make, clock):
    response = client.post("/sign-in", data={"email": "nobody@example.test", "password": "x" * 12})
    assert "Enter a correct email address and password" in response.get_data(as_text=True)


def test_wrong_code_is_refused(client, make, clock, db):
    user = make.user()
    client.post("/sign-in", data={"email": user.email, "password": DEFAULT_PASSWORD})
    response = client.post("/sign-in/security-code", data={"code": "000000"})
    assert response.status_code == 200
    assert "Enter a correct security code" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302
    assert "auth.second_factor_failed" in audit_actions(db)


def test_a_code_is_accepted_once_only(client, app, make, clock):
    user = make.user()
    code = totp_now(user)
    client.post("/sign-in", data={"email": user.email, "password": DEFAULT_PASSWORD})
    assert client.post("/sign-in/security-code", data={"code": code}).status_code == 302
    other = app.test_client()
    other.post("/sign-in", data={"email": user.email, "password": DEFAULT_PASSWORD})
    replay = other.post("/sign-in/security-code", data={"code": code})
    assert replay.status_code == 200
    assert "Enter a correct security code" in replay.get_data(as_text=True)


def test_five_failures_lock_the_account_for_fifteen_minutes(client, make, clock, db):
    user = make.user()
    for _ in range(5):
        client.post("/sign-in", data={"email": user.email, "password": "wrong password!"})
    # Even the right password is refused while locked, with the wrong-password answer
    # (tests/auth/test_lockout.py shows the pages are the same).
    locked = client.post("/sign-in", data={"email": user.email, "password": DEFAULT_PASSWORD})
    assert locked.status_code == 200
    assert "Enter a correct email address and password" in locked.get_data(as_text=True)
    assert client.get("/").status_code == 302
    assert "auth.lockout" in audit_actions(db)

    clock.advance(minutes=14, seconds=59)
    still = client.post("/sign-in", data={"email": user.email, "password": DEFAULT_PASSWORD})
    assert still.status_code == 200

    clock.advance(seconds=2)
    assert sign_in(client, user).status_code == 302
    assert client.get("/").status_code == 200


def test_wrong_codes_count_towards_the_lockout(client, make, clock, db):
    user = make.user()
    client.post("/sign-in", data={"email": user.email, "password": DEFAULT_PASSWORD})
    for _ in range(5):
        client.post("/sign-in/security-code", data={"code": "123456"})
    response = client.post("/sign-in/security-code", data={"code": totp_now(user)})
    assert response.status_code == 200
    assert "Enter a correct security code" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302
    assert "auth.lockout" in audit_actions(db)


def test_idle_session_expires_after_fifteen_minutes(client, make, clock):
    user = make.user()
    sign_in(client, user)
    clock.advance(minutes=14)
    assert client.get("/").status_code == 200  # activity resets the idle timer
    clock.advance(minutes=14)
    assert client.get("/").status_code == 200
    clock.advance(minutes=15, seconds=1)
    response = client.get("/")
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]
    assert client.get("/").status_code == 302  # the session is gone, not just redirected


def test_absolute_session_expires_after_eight_hours(client, make, clock):
    user = make.user()
    sign_in(client, user)
    for _ in range(8 * 6 + 1):  # stay active every 10 minutes for just over 8 hours
        clock.advance(minutes=10)
        response = client.get("/")
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]


def test_sign_out_ends_the_session_on_the_server_too(client, app, make, clock):
    user = make.user()
    sign_in(client, user)
    with client.session_transaction() as stolen:
        copied = dict(stolen)
    client.post("/sign-out")
    assert client.get("/").status_code == 302
    # A copy of the old cookie does not work after sign-out.
    thief = app.test_client()
    with thief.session_transaction() as sess:
        sess.update(copied)
    assert thief.get("/").status_code == 302


def test_user_of_unsigned_agency_cannot_sign_in(client, make, clock, db):
    agency = make.agency(signed=False)
    user = make.user(agency=agency)
    response = client.post("/sign-in", data={"email": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 200
    assert "cannot sign in" in response.get_data(as_text=True)
    assert "auth.login_refused_inactive" in audit_actions(db)


def test_suspending_an_agency_ends_its_users_sessions(client, make, clock, db):
    from emarac.agencies.services import set_protocol_status

    agency = make.agency()
    user = make.user(agency=agency)
    admin = make.user(roles=("system_admin",))
    sign_in(client, user)
    assert client.get("/").status_code == 200
    set_protocol_status(agency, signed_on=agency.isp_signed_on, suspended=True, by=admin)
    assert client.get("/").status_code == 302
    response = client.post("/sign-in", data={"email": user.email, "password": DEFAULT_PASSWORD})
    assert "cannot sign in" in response.get_data(as_text=True)


def test_suspended_user_cannot_sign_in(client, make, clock, db):
    user = make.user()
    user.suspended_at = user.created_at
    db.session.commit()
    response = client.post("/sign-in", data={"email": user.email, "password": DEFAULT_PASSWORD})
    assert "cannot sign in" in response.get_data(as_text=True)


def test_first_sign_in_enrols_an_authenticator_and_shows_recovery_codes(client, make, clock, db):
    from emarac.auth import totp

    user = make.user(enrolled=False)
    response = client.post("/sign-in", data={"email": user.email, "password": DEFAULT_PASSWORD})
    assert response.headers["Location"].endswith("/sign-in/set-up-authenticator")
    page = client.get("/sign-in/set-up-authenticator").get_data(as_text=True)
    assert "<svg" in page
    db.session.refresh(user)
    assert user.totp_secret
    assert user.totp_secret in page
    done = client.post(
        "/sign-in/set-up-authenticator", data={"code": totp.code_for_now(user.totp_secret)}
    )
    assert done.status_code == 200
    assert "Your recovery codes" in done.get_data(as_text=True)
    assert client.get("/").status_code == 200


def test_a_recovery_code_signs_in_once(client, app, make, clock, db):
    import re

    from emarac.auth import totp

    user = make.user(enrolled=False)
    client.post("/sign-in", data={"email": user.email, "password": DEFAULT_PASSWORD})
    client.get("/sign-in/set-up-authenticator")
    db.session.refresh(user)
    page = client.post(
        "/sign-in/set-up-authenticator", data={"code": totp.code_for_now(user.totp_secret)}
    ).get_data(as_text=True)
    code = re.findall(r"<code>([0-9a-f-]{14})</code>", page)[0]
    for attempt, expected in ((1, 302), (2, 200)):
        other = app.test_client()
        other.post("/sign-in", data={"email": user.email, "password": DEFAULT_PASSWORD})
        response = other.post("/sign-in/security-code", data={"code": code})
        assert response.status_code == expected, attempt


@pytest.mark.own_app
def test_fresh_login_is_needed_after_five_minutes(app, make, clock, db):
    from flask_login import login_required

    from emarac.auth.sessions import fresh_login_required

    @app.route("/_test/sensitive")
    @login_required
    @fresh_login_required
    def sensitive() -> str:
        return "sensitive page"

    client = app.test_client()
    user = make.user()
    sign_in(client, user)
    assert client.get("/_test/sensitive").status_code == 200
    clock.advance(minutes=5, seconds=1)
    response = client.get("/_test/sensitive")
    assert response.status_code == 302
    assert "/reauthenticate" in response.headers["Location"]

    clock.advance(seconds=30)  # a new code: the sign-in code cannot be replayed
    wrong = client.post(
        "/reauthenticate?next=/_test/sensitive",
        data={"password": DEFAULT_PASSWORD, "code": "000000"},
    )
    assert wrong.status_code == 200
    response = client.post(
        "/reauthenticate?next=/_test/sensitive",
        data={"password": DEFAULT_PASSWORD, "code": totp_now(user)},
    )
    assert response.headers["Location"] == "/_test/sensitive"
    assert client.get("/_test/sensitive").get_data(as_text=True) == "sensitive page"
    assert "auth.reauthenticate" in audit_actions(db)


@pytest.mark.parametrize(
    "offsite", ["//evil.example/x", "/\\evil.example/x", "https://evil.example/x"]
)
def test_reauthenticate_refuses_an_offsite_next(app, make, clock, offsite):
    client = app.test_client()
    user = make.user()
    sign_in(client, user)
    clock.advance(seconds=30)
    response = client.post(
        "/reauthenticate",
        query_string={"next": offsite},
        data={"password": DEFAULT_PASSWORD, "code": totp_now(user)},
    )
    assert response.headers["Location"] == "/"


def test_user_rows_hold_no_plain_password(make, db, clock):
    user = make.user()
    stored = db.session.scalar(select(User.password_hash).where(User.id == user.id))
    assert stored.startswith("$argon2id$")
    assert DEFAULT_PASSWORD not in stored
