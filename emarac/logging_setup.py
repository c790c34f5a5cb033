"""Logging: one line per event with the request id; never personal data.

Nothing in the app logs form values, passwords, codes or session contents;
the formatter adds only the request id, the method and the URL rule.
"""

from __future__ import annotations

import logging

from flask import Flask, g, has_request_context

from emarac.auditing import request_id


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return True


def _assign_request_id() -> None:
    request_id()


def configure_logging(app: Flask) -> None:
    app.before_request(_assign_request_id)
    handler = logging.StreamHandler()
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
    )
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("emarac")
    if not any(isinstance(f, RequestIdFilter) for h in logger.handlers for f in h.filters):
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    # Werkzeug's access log prints full URLs; our URLs carry ids only, never names.
