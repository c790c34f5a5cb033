"""Recovery codes: salted argon2id over the code's SHA-256, used once, old hashes upgraded."""

from __future__ import annotations

import hashlib
import re

from sqlalchemy import select

from emarac.agencies.models import RecoveryCode
from emarac.auditing import ledger_table
from emarac.auth import totp
from tests.conftest import DEFAULT_PASSWORD, sign_in


def sha256_of(code: str) -> str:
    return hashlib.sha256(code.replace("-", "").encode("ascii")).hexdigest()


def enrol_for_codes(client, db, user) -> list[str]:
    """Sign in for the first time, set up the authenticator, read the recovery codes."""
    client.post("/sign-in", data={"email": user.email, "password": DEFAULT_PASSWORD})
    client.get("/sign-in/set-up-authenticator")
    db.session.refresh(user)
    page = client.post(
        "/sign-in/set-up-authenticator", data={"code": totp.code_for_now(user.totp_secret)}
    ).get_data(as_text=True)
    codes = re.findall(r"<code>([0-9a-f-]{14})</code>", page)
    assert len(codes) == totp.RECOVERY_CODE_COUNT
    return codes


def stored_hashes(db, user) -> list[str]:
    return list(
        db.session.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id))
    )


def sign_in_with_code(app, user, code: str) -> int:
    other = app.test_client()
    assert (
        other.post("/sign-in", data={"email": user.email, "password": DEFAULT_PASSWORD}).status_code
        == 302
    )
    return other.post("/sign-in/security-code", data={"code": code}).status_code


def test_codes_are_stored_salted_and_slow_never_as_their_sha256(client, make, clock, db):
    user = make.user(enrolled=False)
    codes = enrol_for_codes(client, db, user)
    stored = stored_hashes(db, user)
    assert len(stored) == len(codes)
    for value in stored:
        assert value.startswith("$argon2id$")
    for code in codes:
        assert sha256_of(code) not in stored
        assert not any(code in value or code.replace("-", "") in value for value in stored)
    # A salt of its own per hash: the same code never hashes to the same value twice.
    assert totp.hash_recovery_code(codes[0]) != totp.hash_recovery_code(codes[0])


def test_a_code_signs_in_once_however_it_is_typed(app, client, make, clock, db):
    user = make.user(enrolled=False)
    codes = enrol_for_codes(client, db, user)
    assert sign_in_with_code(app, user, f"  {codes[3].upper().replace('-', ' ')} ") == 302
    assert sign_in_with_code(app, user, codes[3]) == 200
    assert sign_in_with_code(app, user, codes[4]) == 302
    actions = list(db.session.scalars(select(ledger_table.c.action)))
    assert actions.count("auth.recovery_code_used") == 2


def test_a_code_of_another_account_does_not_sign_in(app, client, make, clock, db):
    user = make.user(enrolled=False)
    codes = enrol_for_codes(client, db, user)
    stranger = make.user()
    assert sign_in_with_code(app, stranger, codes[0]) == 200
    assert sign_in_with_code(app, user, codes[0]) == 302


def test_codes_stored_as_sha256_still_work_and_are_upgraded_at_sign_in(app, make, clock, db):
    """Rows written before revision 0014 hold a bare SHA-256 of the code."""
    user = make.user()
    old = ["0a1b-2c3d-4e5f", "9f8e-7d6c-5b4a", "1234-5678-9abc"]
    for code in old:
        db.session.add(RecoveryCode(user_id=user.id, code_hash=sha256_of(code)))
    db.session.commit()

    assert sign_in_with_code(app, user, old[0]) == 302
    # Signing in upgraded the codes still unused, without knowing them...
    stored = dict(
        db.session.execute(
            select(RecoveryCode.code_hash, RecoveryCode.used_at).where(
                RecoveryCode.user_id == user.id
            )
        ).all()
    )
    unused = [h for h, used_at in stored.items() if used_at is None]
    assert len(unused) == 2
    assert all(h.startswith("$argon2id$") for h in unused)
    assert not {sha256_of(c) for c in old[1:]} & set(stored)
    assert "auth.recovery_codes_rehashed" in db.session.scalars(select(ledger_table.c.action))
    # ...and they still work, once each.
    assert sign_in_with_code(app, user, old[1]) == 302
    assert sign_in_with_code(app, user, old[1]) == 200
    assert sign_in_with_code(app, user, old[0]) == 200


def test_signing_in_with_the_authenticator_upgrades_old_codes_too(client, make, clock, db):
    user = make.user()
    db.session.add(RecoveryCode(user_id=user.id, code_hash=sha256_of("0a1b-2c3d-4e5f")))
    db.session.commit()
    assert sign_in(client, user).status_code == 302
    assert [h[:10] for h in stored_hashes(db, user)] == ["$argon2id$"]
    assert totp.recovery_code_matches(stored_hashes(db, user)[0], "0a1b-2c3d-4e5f")
