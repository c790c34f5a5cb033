"""After the meeting: the draft minutes, the chair's approval, sending, reading, corrections."""

from __future__ import annotations

import uuid
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from emarac.agencies.forms import ConfirmForm
from emarac.meetings import conference
from emarac.meetings import minutes as minutes_service
from emarac.meetings.blueprint import bp, meeting_or_404, watermark
from emarac.meetings.minutes_forms import CorrectMinutesForm, DraftMinutesForm, ReturnMinutesForm
from emarac.meetings.models import Meeting, Minutes
from emarac.protocol import policy
from emarac.protocol.guard import get_or_404


@bp.route("/<uuid:meeting_id>/minutes", methods=["POST"])
@login_required
def draft_minutes(meeting_id: uuid.UUID) -> Any:
    """The coordinator makes the draft minutes of every case heard; nothing is sent."""
    meeting = meeting_or_404(meeting_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        minutes_service.draft(meeting, by=current_user)
    except ValueError as problem:
        flash(str(problem))
    else:
        flash("Draft minutes made: check each case, then the chair approves them", "success")
    return redirect(url_for("meetings.show", meeting_id=meeting.id, _anchor="agenda"))


def _minutes_or_404(minutes_id: uuid.UUID) -> Minutes:
    return get_or_404(Minutes, minutes_id, may=policy.may_read_minutes)


@bp.route("/minutes/<uuid:minutes_id>/edit", methods=["GET", "POST"])
@login_required
def edit_draft(minutes_id: uuid.UUID) -> Any:
    """The coordinator changes one case's discussion in the draft."""
    found = get_or_404(Minutes, minutes_id, may=policy.may_edit_draft_minutes)
    form = DraftMinutesForm()
    if not form.is_submitted():
        form.discussion.data = (found.content or {}).get("discussion", "")
    elif form.validate():
        try:
            minutes_service.edit_draft(found, by=current_user, discussion=form.discussion.data)
        except minutes_service.Invalid as problem:
            form.discussion.errors = [problem.message]
        else:
            flash("Draft saved", "success")
            return redirect(url_for("meetings.minutes", minutes_id=found.id))
    if not form.errors:
        minutes_service.record_read(found)
    return render_template("meetings/minutes_edit.html", minutes=found, form=form)


@bp.route("/<uuid:meeting_id>/minutes/approve", methods=["POST"])
@login_required
def approve_minutes(meeting_id: uuid.UUID) -> Any:
    """The chair approves the draft minutes."""
    meeting = meeting_or_404(meeting_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    minutes_service.approve(meeting, by=current_user)
    flash("Minutes approved: the coordinator can now send them", "success")
    return redirect(url_for("meetings.show", meeting_id=meeting.id))


@bp.route("/<uuid:meeting_id>/minutes/return", methods=["GET", "POST"])
@login_required
def return_minutes(meeting_id: uuid.UUID) -> Any:
    """The chair returns the draft to the coordinator with a comment."""
    meeting = get_or_404(Meeting, meeting_id, may=policy.may_approve_minutes)
    form = ReturnMinutesForm()
    if form.validate_on_submit():
        try:
            minutes_service.return_draft(meeting, by=current_user, comment=form.comment.data)
        except minutes_service.Invalid as problem:
            form.comment.errors = [problem.message]
        else:
            flash("Draft returned to the coordinator", "success")
            return redirect(url_for("meetings.show", meeting_id=meeting.id))
    return render_template("meetings/minutes_return.html", meeting=meeting, form=form)


@bp.route("/<uuid:meeting_id>/minutes/send", methods=["GET", "POST"])
@login_required
def send_minutes(meeting_id: uuid.UUID) -> Any:
    """Who the approved minutes go to, in numbers and agency names; then, confirmed, send."""
    meeting = meeting_or_404(meeting_id)
    if request.method == "POST":
        if not ConfirmForm().validate_on_submit():
            abort(400)
        minutes_service.send(meeting, by=current_user)
        flash("Minutes sent to the attending agencies", "success")
        return redirect(url_for("meetings.show", meeting_id=meeting.id))
    plan = minutes_service.send_plan(meeting, by=current_user)
    return render_template("meetings/minutes_send.html", meeting=meeting, plan=plan)


@bp.route("/minutes/<uuid:minutes_id>")
@login_required
def minutes(minutes_id: uuid.UUID) -> Any:
    """The latest version of a case's minutes, what changed in it, and links to earlier ones."""
    found = _minutes_or_404(minutes_id)
    minutes_service.record_read(found)
    return _render_minutes(found, minutes_service.version_of(found))


@bp.route("/minutes/<uuid:minutes_id>/versions/<int:number>")
@login_required
def minutes_version(minutes_id: uuid.UUID, number: int) -> Any:
    """One version of a case's minutes, as it was sent."""
    found = _minutes_or_404(minutes_id)
    shown = minutes_service.version_of(found, number)
    minutes_service.record_read(found, number=number)
    return _render_minutes(found, shown)


def _render_minutes(found: Minutes, shown: minutes_service.VersionShown) -> Any:
    return render_template(
        "meetings/minutes.html",
        minutes=found,
        shown=shown,
        content=shown.content,
        may_edit=policy.may_edit_draft_minutes(current_user, found),
        may_correct=policy.may_correct_minutes(current_user, found),
    )


@bp.route("/minutes/<uuid:minutes_id>/correct", methods=["GET", "POST"])
@login_required
def correct_minutes(minutes_id: uuid.UUID) -> Any:
    """The coordinator corrects sent minutes: a new version, sent to the same people."""
    found = get_or_404(Minutes, minutes_id, may=policy.may_correct_minutes)
    form = CorrectMinutesForm()
    if not form.is_submitted():
        form.discussion.data = (found.content or {}).get("discussion", "")
    elif form.validate():
        try:
            minutes_service.correct(
                found,
                by=current_user,
                discussion=form.discussion.data,
                reason=form.reason.data,
            )
        except minutes_service.Invalid as problem:
            getattr(form, problem.field).errors = [problem.message]
        else:
            flash(f"Version {found.version} of the minutes sent", "success")
            return redirect(url_for("meetings.minutes", minutes_id=found.id))
    if not form.errors:
        minutes_service.record_read(found)
    return render_template("meetings/minutes_correct.html", minutes=found, form=form)


@bp.route("/minutes/<uuid:minutes_id>/print")
@login_required
def minutes_print(minutes_id: uuid.UUID) -> Any:
    found = _minutes_or_404(minutes_id)
    conference.record_minutes_read(found, action="minutes.print", by=current_user)
    return render_template(
        "meetings/minutes_print.html",
        minutes=found,
        content=found.content,
        watermark=watermark(),
    )


@bp.route("/minutes")
@login_required
def my_minutes() -> Any:
    """Minutes sent to me, newest first (coordinators and chairs see their area's)."""
    rows = conference.open_my_minutes(current_user)
    return render_template("meetings/my_minutes.html", rows=rows)
