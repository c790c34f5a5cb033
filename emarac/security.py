"""Security headers for every response (OWASP ASVS 5.0 L2, section 3).

flask-talisman sets the CSP, HSTS, frame and referrer headers in one place;
we add ``no-store`` so no page that may show case data is kept by a browser
or proxy cache.
"""

from __future__ import annotations

from flask import Flask, Response, request
from flask_talisman import Talisman

CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}

_talisman = Talisman()

# Files that hold no case data and may be cached by the browser.
STATIC_ENDPOINTS = frozenset({"static"})


def register(app: Flask) -> None:
    settings = app.extensions["emarac.settings"]
    _talisman.init_app(
        app,
        force_https=settings.is_production,
        strict_transport_security=True,
        strict_transport_security_max_age=31536000,
        strict_transport_security_include_subdomains=True,
        content_security_policy=CSP,
        content_security_policy_nonce_in=[],  # no inline script at all: nothing needs a nonce
        frame_options="DENY",
        referrer_policy="no-referrer",
        session_cookie_secure=settings.is_production,
        session_cookie_http_only=True,
        session_cookie_samesite="Lax",
        x_content_type_options=True,
        permissions_policy={"geolocation": "()", "camera": "()", "microphone": "()"},
    )
    app.after_request(_no_store)


def _no_store(response: Response) -> Response:
    if request.endpoint not in STATIC_ENDPOINTS:
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
    response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
    return response
