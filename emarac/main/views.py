"""The home page, the privacy notice and the health check."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from emarac.main.home import home_for

bp = Blueprint("main", __name__)


@bp.route("/")
@login_required
def home() -> Any:
    return render_template("main/home.html", home=home_for(current_user))


@bp.route("/privacy")
def privacy() -> Any:
    return render_template("main/privacy.html")


@bp.route("/healthz")
def healthz() -> Any:
    return {"status": "ok"}
