"""Session lifetime: idle and absolute timeouts, server-side revocation, fresh login.

Sessions live in signed cookies, so the server cannot delete one. Instead each
cookie carries the user's ``session_version``; sign-out and suspension bump
the version and every older cookie stops working on its next request.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

from flask import flash, redirect, request, session, url_for
from flask_login import current_user, login_user, logout_user

from emarac.agencies.models import User
from emarac.clock import utcnow
from emarac.config import current_settings

F = TypeVar("F", bound=Callable[..., Any])

_AUTH_AT = "auth_at"
_SEEN_AT = "seen_at"
_FRESH_AT = "fresh_at"
_VERSION = "sv"
PRE_AUTH = "pre_auth"


def _now() -> float:
    return utcnow().timestamp()


def start_pre_auth(user: User) -> None:
    """Password accepted: remember who is half-way through signing in, nothing more."""
    session.clear()
    session[PRE_AUTH] = {"uid": str(user.id), "at": _now()}


def pre_auth_user_id(max_age_seconds: int = 600) -> str | None:
    data = session.get(PRE_AUTH)
    if not isinstance(data, dict) or _now() - float(data.get("at", 0)) > max_age_seconds:
        return None
    uid = data.get("uid")
    return str(uid) if uid else None


def start_session(user: User) -> None:
    """Both factors passed: a new session (cleared, so no fixation) for this user."""
    session.clear()
    login_user(user)
    now = _now()
    session[_AUTH_AT] = now
    session[_SEEN_AT] = now
    session[_FRESH_AT] = now
    session[_VERSION] = user.session_version
    session.permanent = False


def end_session() -> None:
    logout_user()
    session.clear()


def mark_fresh() -> None:
    session[_FRESH_AT] = _now()


def is_fresh() -> bool:
    return _now() - float(session.get(_FRESH_AT, 0)) <= current_settings().fresh_login_seconds


def expiry_reason() -> str | None:
    """Why the current session may no longer be used, or None if it is fine."""
    if not current_user.is_authenticated:
        return None
    settings = current_settings()
    now = _now()
    if session.get(_VERSION) != current_user.session_version:
        return "ended"
    if not current_user.is_active:
        return "ended"
    if now - float(session.get(_AUTH_AT, 0)) > settings.absolute_timeout_seconds:
        return "absolute"
    if now - float(session.get(_SEEN_AT, 0)) > settings.idle_timeout_seconds:
        return "idle"
    return None


def enforce_session() -> Any:
    """Before each request: expire stale sessions, else record activity."""
    if request.endpoint == "static":
        return None
    reason = expiry_reason()
    if reason is not None:
        end_session()
        if (request.endpoint or "").startswith("auth."):
            return None  # signing in again after an expired session just carries on
        messages = {
            "idle": "You were signed out because you were inactive for 15 minutes.",
            "absolute": "You were signed out because your session reached 8 hours.",
            "ended": "Your session has ended. Sign in again.",
        }
        flash(messages[reason])
        return redirect(url_for("auth.login"))
    if current_user.is_authenticated:
        session[_SEEN_AT] = _now()
    return None


def fresh_login_required(view: F) -> F:
    """For exports, break-glass and key operations: password and code within 5 minutes."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not is_fresh():
            return redirect(url_for("auth.reauthenticate", next=request.full_path))
        return view(*args, **kwargs)

    return cast(F, wrapper)
