"""The home page, the privacy notice and the health check."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, send_from_directory
from flask_login import login_required

from emarac.config import PROJECT_ROOT

bp = Blueprint("main", __name__)


@bp.route("/")
@login_required
def home() -> Any:
    return render_template("main/home.html")


@bp.route("/privacy")
def privacy() -> Any:
    return render_template("main/privacy.html")


@bp.route("/assets/<path:filename>")
def govuk_assets(filename: str) -> Any:
    """GOV.UK Frontend's compiled CSS asks for its fonts and images under /assets."""
    return send_from_directory(
        PROJECT_ROOT / "static" / "dist" / "govuk" / "assets", filename, max_age=86400
    )


@bp.route("/healthz")
def healthz() -> Any:
    return {"status": "ok"}
