"""Sign-in rules: passwords, second factor, lockout, enrolment, sign-out.

Each function owns its transaction: it changes the user, writes the audit
event and commits once. Failed attempts are committed too, so a lockout holds
even though the request that triggered it is answered with an error.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from sqlalchemy import delete, select

from emarac import passwords
from emarac.agencies.models import RecoveryCode, User
from emarac.auditing import record_event
from emarac.auth import totp
from emarac.clock import utcnow
from emarac.config import current_settings
from emarac.extensions import db


class SignInResult(StrEnum):
    OK = "ok"
    BAD_CREDENTIALS = "bad_credentials"
    LOCKED = "locked"
    NOT_PERMITTED = "not_permitted"


@dataclass(frozen=True)
class PasswordCheck:
    result: SignInResult
    user: User | None = None


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email.strip().lower()))


def user_by_id(raw: str | None) -> User | None:
    """The account a session's half-finished sign-in names, if the id is one."""
    try:
        user_id = uuid.UUID(raw or "")
    except ValueError:
        return None
    return db.session.get(User, user_id)


def _audit_user(action: str, user: User, *, fields: tuple[str, ...] = ()) -> None:
    """An event about this account, named as its own actor (it may not be signed in yet)."""
    record_event(
        action,
        object_type="user",
        object_id=user.id,
        user_id=user.id,
        agency_id=user.agency_id,
        fields=fields,
    )


def _register_failure(user: User, action: str) -> None:
    settings = current_settings()
    user.failed_login_count += 1
    _audit_user(action, user)
    if user.failed_login_count >= settings.lockout_threshold:
        user.locked_until = utcnow() + timedelta(seconds=settings.lockout_seconds)
        user.failed_login_count = 0
        _audit_user("auth.lockout", user)


def check_password(email: str, password: str) -> PasswordCheck:
    """First step of sign-in. Only OK lets the user go on to the second factor."""
    user = find_user_by_email(email)
    if user is None:
        passwords.verify_password(None, password)
        # No user id to name; the address and request id still tie attempts together.
        record_event("auth.login_failed", object_type="user", fields=("email",))
        db.session.commit()
        return PasswordCheck(SignInResult.BAD_CREDENTIALS)
    if user.is_locked():
        _audit_user("auth.login_refused_locked", user)
        db.session.commit()
        return PasswordCheck(SignInResult.LOCKED, user)
    if not passwords.verify_password(user.password_hash, password):
        _register_failure(user, "auth.login_failed")
        db.session.commit()
        locked = user.is_locked()
        return PasswordCheck(SignInResult.LOCKED if locked else SignInResult.BAD_CREDENTIALS, user)
    if not user.is_active:
        _audit_user("auth.login_refused_inactive", user)
        db.session.commit()
        return PasswordCheck(SignInResult.NOT_PERMITTED, user)
    if user.password_hash and passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
        _audit_user("auth.password_rehash", user, fields=("password_hash",))
    db.session.commit()
    return PasswordCheck(SignInResult.OK, user)


def check_second_factor(user: User, code: str) -> SignInResult:
    """Second step: a TOTP code (once only) or an unused recovery code."""
    if user.is_locked():
        return SignInResult.LOCKED
    if not user.is_active:
        return SignInResult.NOT_PERMITTED
    if user.totp_secret and user.totp_confirmed_at is not None:
        step = totp.matching_step(user.totp_secret, code, last_step=user.totp_last_step)
        if step is not None:
            user.totp_last_step = step
            return SignInResult.OK
    if _use_recovery_code(user, code):
        return SignInResult.OK
    _register_failure(user, "auth.second_factor_failed")
    db.session.commit()
    return SignInResult.LOCKED if user.is_locked() else SignInResult.BAD_CREDENTIALS


def _use_recovery_code(user: User, code: str) -> bool:
    if len(code.strip()) < 12:
        return False
    row = db.session.scalar(
        select(RecoveryCode).where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == totp.hash_recovery_code(code),
            RecoveryCode.used_at.is_(None),
        )
    )
    if row is None:
        return False
    row.used_at = utcnow()
    _audit_user("auth.recovery_code_used", user)
    return True


def begin_enrolment(user: User) -> str:
    """Give the user a TOTP secret to scan; it is not trusted until a code confirms it."""
    if user.totp_confirmed_at is not None:
        raise ValueError("two-factor authentication is already set up")
    if not user.totp_secret:
        user.totp_secret = totp.new_secret()
        db.session.commit()
    return user.totp_secret


def confirm_enrolment(user: User, code: str) -> list[str] | None:
    """Confirm the authenticator with a first code; returns fresh recovery codes."""
    if not user.totp_secret or user.totp_confirmed_at is not None:
        return None
    step = totp.matching_step(user.totp_secret, code, last_step=user.totp_last_step)
    if step is None:
        _register_failure(user, "auth.second_factor_failed")
        db.session.commit()
        return None
    user.totp_last_step = step
    user.totp_confirmed_at = utcnow()
    codes = totp.new_recovery_codes()
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    for code_text in codes:
        db.session.add(RecoveryCode(user_id=user.id, code_hash=totp.hash_recovery_code(code_text)))
    _audit_user("auth.totp_enrolled", user, fields=("totp_secret", "recovery_codes"))
    db.session.commit()
    return codes


def complete_sign_in(user: User) -> None:
    user.failed_login_count = 0
    user.last_login_at = utcnow()
    _audit_user("auth.login", user)
    db.session.commit()


def reauthenticated(user: User) -> None:
    record_event("auth.reauthenticate", object_type="user", object_id=user.id)
    db.session.commit()


def sign_out(user: User, *, reason: str = "auth.logout") -> None:
    """End the session everywhere: the bumped version makes every old cookie stale."""
    user.session_version += 1
    _audit_user(reason, user)
    db.session.commit()
