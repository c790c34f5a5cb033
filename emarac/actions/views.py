"""The action tracker and updating an action."""

from __future__ import annotations

import uuid
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from emarac.actions import services
from emarac.actions.forms import ActionUpdateForm, TrackerFilterForm
from emarac.actions.models import Action, ActionStatus
from emarac.agencies.forms import ConfirmForm
from emarac.auth.sessions import fresh_login_required
from emarac.clock import today
from emarac.protocol import policy
from emarac.protocol.guard import get_or_404
from emarac.query_args import page_number

bp = Blueprint("actions", __name__, url_prefix="/actions")


def _chosen(raw: str | None, allowed: list[tuple[uuid.UUID, str]]) -> uuid.UUID | None:
    """The id picked from a list, or None for "any" and for anything not on the list."""
    try:
        value = uuid.UUID(raw or "")
    except ValueError:
        return None
    return value if value in {i for i, _ in allowed} else None


def _filters() -> tuple[TrackerFilterForm, services.TrackerFilter | None]:
    """The filter form read from the query string; None as the filter when it is invalid.

    An agency or meeting id that is not on the reader's list (a hand-edited URL)
    is read as "any", and the form shows it so.
    """
    form = TrackerFilterForm(request.args)
    choices = services.tracker_choices(current_user)
    form.agency.choices = [("", "Any agency"), *((str(i), n) for i, n in choices.agencies)]
    form.meeting.choices = [("", "Any meeting"), *((str(i), t) for i, t in choices.meetings)]
    agency_id = _chosen(form.agency.data, choices.agencies)
    meeting_id = _chosen(form.meeting.data, choices.meetings)
    form.agency.data = str(agency_id) if agency_id else ""
    form.meeting.data = str(meeting_id) if meeting_id else ""
    if not form.validate():
        return form, None
    return form, services.TrackerFilter(
        status=ActionStatus(form.status.data) if form.status.data else None,
        agency_id=agency_id,
        reference=form.reference.data or None,
        meeting_id=meeting_id,
        overdue_only=bool(form.overdue.data),
    )


@bp.route("/")
@login_required
def tracker() -> Any:
    form, flt = _filters()
    args: dict[str, Any] = {k: v for k, v in request.args.items() if k not in ("page", "submit")}
    page = (
        services.open_tracker(current_user, flt, page=page_number(request.args))
        if flt is not None
        else services.TrackerPage(rows=[], number=1, total=0)
    )
    return render_template(
        "actions/tracker.html",
        form=form,
        page=page,
        filtered=bool(flt.fields_used()) if flt is not None else True,
        today=today(),
        is_coordinator=policy.tracks_area_actions(current_user),
        page_url=lambda n: url_for("actions.tracker", page=n, **args),
    ), (200 if flt is not None else 400)


def _action_or_404(action_id: uuid.UUID) -> Action:
    return get_or_404(Action, action_id, may=policy.may_view_action)


@bp.route("/<uuid:action_id>", methods=["GET", "POST"])
@login_required
def update(action_id: uuid.UUID) -> Any:
    action = _action_or_404(action_id)
    form = ActionUpdateForm()
    if form.validate_on_submit():
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
    page = services.open_action(action, by=current_user)
    if not form.is_submitted():
        form.status.data = page.action.status
        form.note.data = page.action.completion_note if page.readable else None
    return render_template("actions/update.html", page=page, form=form, today=today()), (
        400 if form.errors else 200
    )


@bp.route("/export.csv")
@login_required
@fresh_login_required
def export() -> Any:
    """The reader's own agency's open actions as CSV (a fresh sign-in first)."""
    body = services.export_open_actions(by=current_user)
    filename = f"open-actions-{today().isoformat()}.csv"  # no name, no reference
    return Response(
        body,
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


@bp.route("/<uuid:action_id>/chase", methods=["POST"])
@login_required
def chase(action_id: uuid.UUID) -> Any:
    action = _action_or_404(action_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    agency = action.owner_agency.name
    outcome = services.chase(action, by=current_user)
    if outcome is services.Chase.SENT:
        flash(f"Reminder sent to {agency}", "success")
    elif outcome is services.Chase.ALREADY_TODAY:
        flash(f"{agency} was already chased today: no second reminder sent")
    else:
        flash("This action is no longer open: no reminder sent")
    return redirect(url_for("actions.tracker"))
