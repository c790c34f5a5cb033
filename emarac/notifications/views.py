"""The notifications page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from emarac.notifications import services

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.route("/")
@login_required
def index() -> Any:
    notifications = services.for_user(current_user)
    page = render_template("notifications/index.html", notifications=notifications)
    services.mark_all_read(current_user)
    return page
