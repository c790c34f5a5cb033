"""Sign-in rules: passwords, second factor, lockout, enrolment, sign-out.

Each function owns its transaction: it changes the user, writes the audit
event and commits once. Failed attempts are committed too, so a lockout holds
even though the request that triggered it is answered with an error.

A lockout is never told to whoever is signing in: the sign-in pages answer a
locked account exactly as they answer a wrong password or an unknown email, so
they reveal neither that an account exists nor that it is locked. The owner is
told instead, by a notice and an email, once per lockout.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from flask import Response, after_this_request, current_app, has_request_context
from sqlalchemy import delete, select, update

from emarac import passwords
from emarac.agencies.models import RecoveryCode, User
from emarac.auditing import record_event
from emarac.auth import totp
from emarac.clock import utcnow
from emarac.config import current_settings
from emarac.extensions import db
from emarac.mail import send_mail
from emarac.notifications import services as notify

log = logging.getLogger(__name__)

LOCKOUT_NOTICE = "auth.lockout"


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


def _register_failure(user: User, action: str) -> bool:
    """Count a failed attempt; True if it locked the account (the caller commits)."""
    settings = current_settings()
    user.failed_login_count += 1
    _audit_user(action, user)
    if user.failed_login_count < settings.lockout_threshold:
        return False
    user.locked_until = utcnow() + timedelta(seconds=settings.lockout_seconds)
    user.failed_login_count = 0
    _audit_user("auth.lockout", user)
    # The notice joins the lockout's transaction; the email goes once it is committed.
    notify.to_users([user], case=None, kind=LOCKOUT_NOTICE, text=_lockout_text())
    return True


def _fail(user: User, action: str) -> bool:
    """Record a failed attempt and commit; if it locked the account, email the owner."""
    locked_now = _register_failure(user, action)
    db.session.commit()
    if locked_now and user.is_active:
        _after_response(_lockout_mail(user))
    return locked_now


def _lockout_text() -> str:
    minutes = current_settings().lockout_seconds // 60
    return (
        f"Your account was locked for {minutes} minutes after too many failed sign-in "
        "attempts. If they were not yours, tell your agency administrator."
    )


def _lockout_mail(user: User) -> Callable[[], None]:
    """The owner's email, ready to send: addressed now, while the user row is loaded."""
    settings = current_settings()
    until = user.locked_until
    to, name = user.email, user.full_name
    body = (
        f"Hello {name},\n\n"
        f"Your eMARAC account was locked after {settings.lockout_threshold} failed attempts "
        f"to sign in. It unlocks by itself at {until:%H:%M} UTC on {until:%d %B %Y}.\n\n"
        "If these attempts were yours, you need do nothing. If they were not, tell your "
        "agency administrator at once: someone may know or be guessing your password, "
        "and your administrator can have it reset.\n\n"
        "eMARAC never asks for your password or security codes by email.\n"
    )
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def send() -> None:
        with app.app_context():
            try:
                send_mail(to, "Your eMARAC account was locked", body)
            except Exception as problem:
                # The lockout and the notice stand. Only the type: mail errors can
                # name the address.
                log.error("lockout mail not sent: %s", type(problem).__name__)

    return send


def _after_response(action: Callable[[], None]) -> None:
    """Run ``action`` once the response has gone (at once outside a request).

    Sending mail takes a mail server's time; done inside the request it would make
    the attempt that locks an account slower than any other failure, and so tell
    a guesser that the email belongs to an account.
    """
    if not has_request_context():
        action()
        return

    @after_this_request
    def _defer(response: Response) -> Response:
        response.call_on_close(action)
        return response


def check_password(email: str, password: str) -> PasswordCheck:
    """First step of sign-in. Only OK lets the user go on to the second factor.

    The caller must not tell LOCKED apart from BAD_CREDENTIALS to whoever signs in.
    """
    user = find_user_by_email(email)
    if user is None:
        passwords.verify_password(None, password)
        # No user id to name; the address and request id still tie attempts together.
        record_event("auth.login_failed", object_type="user", fields=("email",))
        db.session.commit()
        return PasswordCheck(SignInResult.BAD_CREDENTIALS)
    # Checked even while locked, so a locked account takes as long to answer as any other.
    correct = passwords.verify_password(user.password_hash, password)
    if user.is_locked():
        # Attempts while locked neither count nor extend the lock: a lockout is
        # one notice to the owner, and a guesser cannot keep an account locked
        # any longer than by locking it again once it opens.
        _audit_user("auth.login_refused_locked", user)
        db.session.commit()
        return PasswordCheck(SignInResult.LOCKED, user)
    if not correct:
        locked_now = _fail(user, "auth.login_failed")
        return PasswordCheck(
            SignInResult.LOCKED if locked_now else SignInResult.BAD_CREDENTIALS, user
        )
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
    """Second step: a TOTP code (once only) or an unused recovery code.

    While the account is locked even a right code is refused, and the caller
    answers as it does for a wrong one.
    """
    if user.is_locked():
        _audit_user("auth.login_refused_locked", user)
        db.session.commit()
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
    locked_now = _fail(user, "auth.second_factor_failed")
    return SignInResult.LOCKED if locked_now else SignInResult.BAD_CREDENTIALS


def _unused_codes(user: User) -> list[RecoveryCode]:
    query = select(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
    )
    return list(db.session.scalars(query))


def _use_recovery_code(user: User, code: str) -> bool:
    if len(code.strip()) < 12:
        return False
    for row in _unused_codes(user):
        if totp.recovery_code_matches(row.code_hash, code):
            # Only the request that marks it used may use it: two at once cannot both.
            spent = db.session.execute(
                update(RecoveryCode)
                .where(RecoveryCode.id == row.id, RecoveryCode.used_at.is_(None))
                .values(used_at=utcnow())
            )
            if spent.rowcount != 1:  # type: ignore[attr-defined]
                return False
            _audit_user("auth.recovery_code_used", user)
            return True
    return False


def _rehash_legacy_recovery_codes(user: User) -> None:
    """Codes stored as bare SHA-256 (before revision 0014) become argon2 ones.

    Done at each full sign-in, so an active user's old codes are upgraded the
    first time they sign in after the upgrade; the codes themselves still work.
    """
    upgraded = False
    for row in _unused_codes(user):
        if totp.is_legacy_hash(row.code_hash):
            row.code_hash = totp.rehash_legacy(row.code_hash)
            upgraded = True
    if upgraded:
        _audit_user("auth.recovery_codes_rehashed", user, fields=("recovery_codes",))


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
    if not user.totp_secret or user.totp_confirmed_at is not None or user.is_locked():
        return None
    step = totp.matching_step(user.totp_secret, code, last_step=user.totp_last_step)
    if step is None:
        _fail(user, "auth.second_factor_failed")
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
    _rehash_legacy_recovery_codes(user)
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
