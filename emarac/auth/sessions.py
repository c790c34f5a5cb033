"""Session lifetime: idle and absolute timeouts, server-side revocation, fresh login.

Sessions live in signed cookies, so the server cannot delete one. Instead each
cookie carries the user's ``session_version``; sign-out and suspension bump
the version and every older cookie stops working on its next request.
"""

from __future__ import annotations

import functools
import math
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


# Asked by the page's own script (static/src/session.mjs), not by a person.
# The status check must not count as activity, or an open tab would keep
# its session alive for ever; renewing is the person choosing to stay.
STATUS_ENDPOINT = "auth.session_status"
SCRIPT_ENDPOINTS = {STATUS_ENDPOINT, "auth.renew_session"}


def seconds_left() -> int:
    """Seconds until the idle limit ends this session (0 when signed out)."""
    if not current_user.is_authenticated:
        return 0
    settings = current_settings()
    idle_end = float(session.get(_SEEN_AT, 0)) + settings.idle_timeout_seconds
    absolute_end = float(session.get(_AUTH_AT, 0)) + settings.absolute_timeout_seconds
    return max(0, math.ceil(min(idle_end, absolute_end) - _now()))


def _signed_out_message(reason: str) -> str:
    settings = current_settings()
    if reason == "idle":
        minutes = max(1, settings.idle_timeout_seconds // 60)
        return f"You were signed out because you were inactive for {minutes} minutes."
    if reason == "absolute":
        hours = max(1, settings.absolute_timeout_seconds // 3600)
        return f"You were signed out because your session reached {hours} hours."
    return "Your session has ended. Sign in again."


def enforce_session() -> Any:
    """Before each request: expire stale sessions, else record activity.

    This is what signs people out, with or without JavaScript: the warning
    dialog only tells them first. A page asked for by GET is remembered, so
    that signing in again leads back to it (where a saved draft is restored).
    """
    if request.endpoint == "static":
        return None
    endpoint = request.endpoint or ""
    reason = expiry_reason()
    if reason is not None:
        end_session()
        if endpoint.startswith("auth.") and endpoint not in SCRIPT_ENDPOINTS:
            return None  # signing in again after an expired session just carries on
        flash(_signed_out_message(reason))
        if endpoint in SCRIPT_ENDPOINTS:
            # An answer the script expects, not an error: it then goes to sign-in.
            return {"signed_in": False, "seconds_left": 0}
        back = request.full_path if request.method == "GET" else None
        return redirect(url_for("auth.login", next=back))
    if current_user.is_authenticated and endpoint != STATUS_ENDPOINT:
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
