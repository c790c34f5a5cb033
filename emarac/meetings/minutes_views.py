"""After the meeting: producing the minutes, reading, listing and printing them."""

from __future__ import annotations

import uuid
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from emarac.agencies.forms import ConfirmForm
from emarac.meetings import conference
from emarac.meetings.blueprint import bp, meeting_or_404, watermark
from emarac.meetings.models import Minutes
from emarac.protocol import policy
from emarac.protocol.guard import get_or_404


@bp.route("/<uuid:meeting_id>/minutes", methods=["POST"])
@login_required
def produce_minutes(meeting_id: uuid.UUID) -> Any:
    """Produce the minutes and send them to the attending agencies, after a confirmation page."""
    meeting = meeting_or_404(meeting_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if not policy.may_run_conference(current_user, meeting):
        raise policy.NotAllowed("meeting", meeting.id, purpose="minutes refused")
    if request.form.get("confirmed") != "yes":
        return render_template(
            "meetings/confirm.html",
            meeting=meeting,
            heading="Produce and send the minutes?",
            points=[
                "The minutes of every case heard go to the agencies that attended, "
                "except anyone on a case's must-not-receive list.",
                "Each sending is recorded as a disclosure. This cannot be undone.",
            ],
            button="Yes, produce and send the minutes",
            action=url_for("meetings.produce_minutes", meeting_id=meeting.id),
        )
    try:
        conference.produce_minutes(meeting, by=current_user)
    except ValueError as problem:
        flash(str(problem))
    else:
        flash("Minutes produced and sent to the attending agencies", "success")
    return redirect(url_for("meetings.show", meeting_id=meeting.id))


def _minutes_or_404(minutes_id: uuid.UUID) -> Minutes:
    return get_or_404(Minutes, minutes_id, may=policy.may_read_minutes)


@bp.route("/minutes/<uuid:minutes_id>")
@login_required
def minutes(minutes_id: uuid.UUID) -> Any:
    found = _minutes_or_404(minutes_id)
    conference.record_minutes_read(found)
    return render_template("meetings/minutes.html", minutes=found, content=found.content)


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
