"""The notifications page, and marking its notices read."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from emarac.agencies.forms import ConfirmForm
from emarac.notifications import services

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.route("/")
@login_required
def index() -> Any:
    """The user's notices, newest first. Reading the page leaves them unread."""
    notifications = services.for_user(current_user)
    return render_template(
        "notifications/index.html",
        notifications=notifications,
        any_unread=any(n.read_at is None for n in notifications),
    )


@bp.route("/read", methods=["POST"])
@login_required
def mark_read() -> Any:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.mark_all_read(current_user)
    flash("Notifications marked as read", "success")
    return redirect(url_for("notifications.index"))
