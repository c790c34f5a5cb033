"""Password hashing (argon2id) and the password rules."""

from __future__ import annotations

import contextlib
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import Flask, current_app, has_app_context

MIN_LENGTH = 12
MAX_LENGTH = 256

# argon2-cffi's defaults (t=3, m=64 MiB, p=4, argon2id) are above OWASP's floor.
STANDARD = PasswordHasher()
# The lowest cost argon2id allows, for the test suite only: it makes hundreds of
# accounts and sign-ins, and at full cost they were a large share of its CPU
# time. Only an app in the testing environment gets it (see init_app).
CHEAP_FOR_TESTS = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
_EXT = "emarac.password_hasher"


def init_app(app: Flask, *, testing: bool) -> None:
    app.extensions[_EXT] = CHEAP_FOR_TESTS if testing else STANDARD


def _hasher() -> PasswordHasher:
    if has_app_context():
        hasher: PasswordHasher = current_app.extensions.get(_EXT, STANDARD)
        return hasher
    return STANDARD


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        # Spend the same effort as a real check so timing does not reveal accounts.
        _burn(password)
        return False
    try:
        return _hasher().verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)


@lru_cache(maxsize=2)
def _dummy_hash(hasher: PasswordHasher) -> str:
    return hasher.hash("timing-equaliser-not-a-password")


def _burn(password: str) -> None:
    hasher = _hasher()
    with contextlib.suppress(VerifyMismatchError, VerificationError, InvalidHashError):
        hasher.verify(_dummy_hash(hasher), password)


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    path = Path(__file__).with_name("common_passwords.txt")
    words = (line.strip().casefold() for line in path.read_text(encoding="utf-8").splitlines())
    return frozenset(w for w in words if w and not w.startswith("#"))


def password_problems(password: str, *, email: str | None = None) -> list[str]:
    """Why a new password is not acceptable, as messages for the form; empty if fine."""
    problems: list[str] = []
    if len(password) < MIN_LENGTH:
        problems.append(f"Password must be {MIN_LENGTH} characters or more")
    elif len(password) > MAX_LENGTH:
        problems.append(f"Password must be {MAX_LENGTH} characters or fewer")
    folded = password.casefold()
    squashed = "".join(ch for ch in folded if ch.isalnum())
    if folded in _common_passwords() or squashed in _common_passwords():
        problems.append("Password is too common: choose a less predictable one")
    elif len(set(folded)) <= 2:
        problems.append("Password must not repeat the same characters")
    elif email and email.split("@", 1)[0].casefold() in folded and len(email.split("@")[0]) >= 4:
        problems.append("Password must not contain your email address")
    return problems
