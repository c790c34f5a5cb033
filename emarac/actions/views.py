"""The action tracker and updating an action."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from emarac.actions import services
from emarac.actions.forms import ActionUpdateForm
from emarac.actions.models import Action, ActionStatus
from emarac.agencies.forms import ConfirmForm
from emarac.clock import today
from emarac.protocol import policy
from emarac.protocol.guard import get_or_404

bp = Blueprint("actions", __name__, url_prefix="/actions")


@bp.route("/")
@login_required
def tracker() -> Any:
    if not policy.may_search_people(current_user):
        abort(404)
    return render_template(
        "actions/tracker.html",
        actions=services.open_tracker(current_user),
        today=today(),
        is_coordinator=policy.tracks_area_actions(current_user),
    )


def _action_or_404(action_id: uuid.UUID) -> Action:
    return get_or_404(Action, action_id, may=policy.may_view_action)


@bp.route("/<uuid:action_id>", methods=["GET", "POST"])
@login_required
def update(action_id: uuid.UUID) -> Any:
    action = _action_or_404(action_id)
    form = ActionUpdateForm()
    if not form.is_submitted():
        form.status.data = action.status
        form.note.data = action.completion_note
    may_update = action.owner_agency_id == current_user.agency_id
    if may_update and form.validate_on_submit():
        try:
            services.update_action(
                action,
                by=current_user,
                status=ActionStatus(form.status.data),
                note=form.note.data or None,
            )
        except ValueError as problem:
            form.note.errors = [str(problem)]
        else:
            flash("Action updated", "success")
            return redirect(url_for("actions.tracker"))
    return render_template(
        "actions/update.html", action=action, form=form, may_update=may_update, today=today()
    )


@bp.route("/<uuid:action_id>/chase", methods=["POST"])
@login_required
def chase(action_id: uuid.UUID) -> Any:
    action = _action_or_404(action_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.chase(action, by=current_user)
    flash(f"Reminder sent to {action.owner_agency.name}", "success")
    return redirect(url_for("actions.tracker"))
