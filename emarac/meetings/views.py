"""Meetings and their agendas."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from emarac.agencies.forms import ConfirmForm
from emarac.agencies.models import Role
from emarac.auditing import record_event
from emarac.extensions import db
from emarac.meetings import services
from emarac.meetings.forms import MeetingForm
from emarac.meetings.models import Meeting

bp = Blueprint("meetings", __name__, url_prefix="/meetings")


def _meeting_or_404(meeting_id: uuid.UUID) -> Meeting:
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None or not services.may_see_meeting(current_user, meeting):
        record_event("access.denied", object_type="meeting", object_id=meeting_id)
        db.session.commit()
        abort(404)
    return meeting


@bp.route("/")
@login_required
def index() -> Any:
    meetings = services.visible_meetings(current_user)
    return render_template(
        "meetings/index.html", meetings=meetings, may_create=current_user.has_role(Role.COORDINATOR)
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> Any:
    if not current_user.has_role(Role.COORDINATOR):
        abort(404)
    form = MeetingForm()
    if form.validate_on_submit():
        meeting = services.create_meeting(by=current_user, held_on=form.held_on.data)
        flash("Meeting created", "success")
        return redirect(url_for("meetings.show", meeting_id=meeting.id))
    return render_template("meetings/new.html", form=form)


@bp.route("/<uuid:meeting_id>")
@login_required
def show(meeting_id: uuid.UUID) -> Any:
    meeting = _meeting_or_404(meeting_id)
    is_coordinator = (
        current_user.has_role(Role.COORDINATOR) and current_user.agency.area_id == meeting.area_id
    )
    if is_coordinator and not meeting.is_released:
        services.build_agenda(meeting)
        db.session.commit()
    record_event("meeting.view", object_type="meeting", object_id=meeting.id, fields=("agenda",))
    db.session.commit()
    return render_template(
        "meetings/show.html", meeting=meeting, is_coordinator=is_coordinator, confirm=ConfirmForm()
    )


@bp.route("/<uuid:meeting_id>/release", methods=["POST"])
@login_required
def release(meeting_id: uuid.UUID) -> Any:
    meeting = _meeting_or_404(meeting_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.release_agenda(meeting, by=current_user)
    except services.NotAllowed:
        abort(404)
    flash("Agenda released to the invited agencies", "success")
    return redirect(url_for("meetings.show", meeting_id=meeting.id))
