"""Time-based one-time passwords with replay refusal, and recovery codes."""

from __future__ import annotations

import hashlib
import hmac
import secrets

import pyotp
import segno

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


def hash_recovery_code(code: str) -> str:
    # Codes carry 48 random bits each and are used once, so a plain hash suffices.
    normalised = "".join(ch for ch in code.lower() if ch in "0123456789abcdef")
    return hashlib.sha256(normalised.encode("ascii")).hexdigest()
