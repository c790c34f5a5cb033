"""Error pages in the service's style: no stack traces, no personal data."""

from __future__ import annotations

import logging
import traceback
from dataclasses import dataclass
from typing import Any

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from emarac.auditing import record_event
from emarac.extensions import db
from emarac.protocol.policy import NotAllowed

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ErrorPage:
    title: str
    advice: str


PAGES = {
    400: ErrorPage(
        "The request could not be understood",
        "Go back and try again. If you were filling in a form, it may have expired: "
        "reload the page and enter your answers again.",
    ),
    403: ErrorPage(
        "You do not have permission to view this page",
        "If you think you should have access, contact your agency administrator "
        "or the MARAC coordinator.",
    ),
    404: ErrorPage(
        "Page not found",
        "If you typed the web address, check it is correct. If you followed a link, "
        "the record may have moved or you may not have access to it.",
    ),
    429: ErrorPage(
        "Too many attempts, try again later",
        "For your security, there have been too many attempts from your connection. "
        "Wait a few minutes and try again.",
    ),
    500: ErrorPage(
        "Sorry, there is a problem with the service",
        "Try again later. Your last change may not have been saved. If the problem "
        "continues, contact your MARAC coordinator.",
    ),
}


EXPLAINED_ADVICE = "If you think this is wrong, contact your MARAC coordinator."


FALLBACK = (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
    "<title>Sorry, there is a problem with the service – eMARAC</title></head>"
    "<body><main><h1>Sorry, there is a problem with the service</h1>"
    "<p>Try again later.</p></main></body></html>"
)


def _render(code: int, page: ErrorPage | None = None) -> Any:
    page = page or PAGES.get(code, PAGES[500] if code >= 500 else PAGES[400])
    try:
        return render_template("error.html", page=page), code
    except Exception:  # noqa: BLE001 - e.g. the database is down while loading the user
        log.error("error page %s could not be rendered; plain fallback sent", code)
        return FALLBACK, code


def _where(error: BaseException) -> str:
    """File, line and function of each frame: enough to debug, without the message."""
    frames = traceback.extract_tb(error.__traceback__)
    return " <- ".join(
        f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno}:{f.name}" for f in frames[::-1][:8]
    )


def _denied(error: NotAllowed) -> Any:
    """One denial path: roll back what the request did, record the refusal, answer 404."""
    db.session.rollback()
    try:
        record_event(
            "access.denied",
            object_type=error.object_type,
            object_id=error.object_id,
            purpose=error.purpose or request.endpoint,
        )
        db.session.commit()
    except Exception:  # noqa: BLE001 - the refusal stands even if the ledger is down
        db.session.rollback()
        log.error("access.denied could not be recorded at endpoint=%s", request.endpoint)
    if error.message:
        # Still a 404, as every refusal; the actor sees the record, so it may say why.
        return _render(404, ErrorPage(error.message, EXPLAINED_ADVICE))
    return _render(404)


def register(app: Flask) -> None:
    app.register_error_handler(NotAllowed, _denied)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> Any:
        # The reason is a fixed phrase from Flask-WTF, never request content.
        log.warning("csrf refused: endpoint=%s reason=%s", request.endpoint, error.description)
        return _render(400)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Any:
        code = error.code or 500
        if error.response is not None:
            # A page built for this refusal (a throttled search shows the search page).
            return error.response
        if code == 405:
            return _render(404)
        return _render(code)

    @app.errorhandler(Exception)
    def unhandled(error: Exception) -> Any:
        # Log the exception type and where, not its message: messages can carry values.
        db.session.rollback()
        log.error(
            "unhandled %s at endpoint=%s; where: %s",
            type(error).__name__,
            request.endpoint,
            _where(error),
        )
        return _render(500)
