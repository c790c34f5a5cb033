"""Time-based one-time passwords with replay refusal, and recovery codes."""

from __future__ import annotations

import hashlib
import hmac
import secrets

import pyotp
import segno
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app, has_app_context

from emarac import passwords
from emarac.clock import utcnow

ISSUER = "eMARAC"
STEP_SECONDS = 30
# One step either side tolerates a phone clock that is up to 30 s out.
DRIFT_STEPS = 1
RECOVERY_CODE_COUNT = 10


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, account_name: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=account_name, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The enrolment QR code as inline SVG, drawn here: the secret never leaves the server."""
    return str(
        segno.make(uri, error="m").svg_inline(scale=5, title="QR code for your authenticator app")
    )


def current_step() -> int:
    return int(utcnow().timestamp()) // STEP_SECONDS


def matching_step(secret: str, code: str, *, last_step: int) -> int | None:
    """The time step a code belongs to, if valid and newer than ``last_step``.

    Returning the step lets the caller store it, so the same code (or an older
    one) is refused afterwards: a code is accepted once only.
    """
    code = "".join(ch for ch in code if ch.isdigit())
    if len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    now_step = current_step()
    for step in range(now_step - DRIFT_STEPS, now_step + DRIFT_STEPS + 1):
        if step <= last_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def code_for_now(secret: str) -> str:
    """The code an authenticator would show now (demo accounts only)."""
    return pyotp.TOTP(secret).generate_otp(current_step())


def new_recovery_codes() -> list[str]:
    return ["-".join(secrets.token_hex(2) for _ in range(3)) for _ in range(RECOVERY_CODE_COUNT)]


# Recovery codes: argon2id, a salt of its own per code, over the code's SHA-256.
#
# A code carries 48 random bits. Stored as a bare SHA-256 (as before revision
# 0014) a copy of the table is brute-forced at GPU speed, and because every
# code shares the one unsalted function, all of them at once. Why argon2 and
# not an HMAC under a key of the app's:
# - no key to keep: the app's keys rotate (data keys are retired after
#   `keys rotate`, the KEK is re-wrapped, the secret key may change), and a
#   code hashed under a rotated-out key could never be checked again, since the
#   code itself is not kept to re-hash it;
# - each guess costs argon2's memory and time, and the salt makes each code a
#   separate search: about 2^47 argon2 calls per code, against a dump of the
#   database alone or with the keys.
# The price is a lookup by user (at most ten rows) instead of by hash, paid
# only when a long code is typed after a correct password.
# The parameters are OWASP's second argon2id setting (19 MiB, t=2, p=1), below
# the password hasher's: the input is random, not a chosen password, and a
# sign-in may check ten codes. Tests use the cheap hasher of emarac.passwords.
#
# Hashing the SHA-256 rather than the code is what lets codes stored before
# 0014 be upgraded without knowing them: see rehash_legacy.
RECOVERY_CODE_HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
ARGON2_PREFIX = "$argon2"


def _recovery_hasher() -> PasswordHasher:
    if has_app_context() and current_app.extensions["emarac.settings"].is_testing:
        return passwords.CHEAP_FOR_TESTS
    return RECOVERY_CODE_HASHER


def _digest(code: str) -> str:
    """The code, normalised (case, dashes and spaces do not matter), as SHA-256 hex."""
    normalised = "".join(ch for ch in code.lower() if ch in "0123456789abcdef")
    return hashlib.sha256(normalised.encode("ascii")).hexdigest()


def hash_recovery_code(code: str) -> str:
    return _recovery_hasher().hash(_digest(code))


def is_legacy_hash(stored: str) -> bool:
    """A bare SHA-256 hex digest, as codes were stored before revision 0014."""
    return not stored.startswith(ARGON2_PREFIX)


def rehash_legacy(stored: str) -> str:
    """The argon2 form of a code stored as a bare SHA-256, without knowing the code."""
    return _recovery_hasher().hash(stored)


def recovery_code_matches(stored: str, code: str) -> bool:
    digest = _digest(code)
    if is_legacy_hash(stored):
        return hmac.compare_digest(stored, digest)
    try:
        return _recovery_hasher().verify(stored, digest)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
