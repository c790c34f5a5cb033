"""Secrets never reach the log: passwords, TOTP secrets and codes, session values."""

from __future__ import annotations

import logging

from tests.conftest import DEFAULT_PASSWORD, sign_in, totp_now


def test_sign_in_logs_no_secret(client, make, clock, caplog):
    caplog.set_level(logging.DEBUG)
    user = make.user(email="logcheck@example.test")
    client.post("/sign-in", data={"email": user.email, "password": "a wrong password value"})
    client.post("/sign-in/security-code", data={"code": "999999"})
    code = totp_now(user)
    sign_in(client, user)
    with client.session_transaction() as sess:
        session_values = [str(v) for v in sess.values()]
    cookie = client.get_cookie("emarac_session")
    logged = "\n".join(r.getMessage() + str(r.args) for r in caplog.records)
    for secret in (
        DEFAULT_PASSWORD,
        "a wrong password value",
        user.totp_secret,
        code,
        user.password_hash,
        cookie.value if cookie else "no-cookie",
        user.email,
    ):
        assert secret not in logged
    for value in session_values:
        if len(value) > 6:
            assert value not in logged
