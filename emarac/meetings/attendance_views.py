"""The register of a meeting: who joined for each invited agency, and apologies sent."""

from __future__ import annotations

import uuid
from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from emarac.agencies.forms import ConfirmForm
from emarac.meetings import attendance
from emarac.meetings.attendance_forms import ApologyForm
from emarac.meetings.blueprint import bp, meeting_or_404
from emarac.meetings.models import Meeting
from emarac.protocol import policy


def _apology_form(meeting: Meeting, *, formdata: bool = True) -> ApologyForm:
    form = ApologyForm() if formdata else ApologyForm(formdata=None)
    form.agency_id.choices = [("", "Choose an agency")] + sorted(
        ((str(i.agency_id), i.agency.name) for i in meeting.invites), key=lambda c: c[1]
    )
    return form


def _register_page(meeting: Meeting, form: ApologyForm) -> Any:
    return render_template(
        "meetings/register.html",
        meeting=meeting,
        lines=attendance.register_for(meeting, by=current_user),
        absent=attendance.key_agencies_absent(meeting),
        may_keep=policy.may_keep_register(current_user, meeting),
        form=form,
    )


@bp.route("/<uuid:meeting_id>/register")
@login_required
def register(meeting_id: uuid.UUID) -> Any:
    """The coordinator and chair: each invited agency present, with apologies, or silent."""
    meeting = meeting_or_404(meeting_id)
    return _register_page(meeting, _apology_form(meeting, formdata=False))


@bp.route("/<uuid:meeting_id>/register/apologies", methods=["POST"])
@login_required
def record_apology(meeting_id: uuid.UUID) -> Any:
    """Record apologies for one invited agency; bad input keeps what was typed."""
    meeting = meeting_or_404(meeting_id)
    form = _apology_form(meeting)
    if not form.validate_on_submit():
        attendance.check_keeper(meeting, by=current_user)  # a refusal before any error message
        return _register_page(meeting, form), 400
    attendance.record_apology(
        meeting,
        by=current_user,
        agency_id=uuid.UUID(form.agency_id.data),
        name=form.name.data or "",
        note=form.note.data,
    )
    flash("Apologies recorded", "success")
    return redirect(url_for("meetings.register", meeting_id=meeting.id))


@bp.route("/<uuid:meeting_id>/register/apologies/<uuid:apology_id>/remove", methods=["POST"])
@login_required
def remove_apology(meeting_id: uuid.UUID, apology_id: uuid.UUID) -> Any:
    """Remove apologies recorded by mistake."""
    meeting = meeting_or_404(meeting_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    attendance.remove_apology(meeting, apology_id, by=current_user)
    flash("Apologies removed", "success")
    return redirect(url_for("meetings.register", meeting_id=meeting.id))
