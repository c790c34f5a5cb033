"""Break-glass pages: ask for emergency access, end it, and the coordinators' review."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from emarac.auth.sessions import fresh_login_required
from emarac.cases import emergency
from emarac.cases.forms import EmergencyAccessForm, EmergencyReviewForm
from emarac.cases.models import Case, EmergencyAccess
from emarac.protocol import policy
from emarac.protocol.guard import get_or_404

bp = Blueprint("emergency", __name__, url_prefix="/emergency-access")


@bp.route("/cases/<uuid:case_id>", methods=["GET", "POST"])
@login_required
@fresh_login_required
def request_access(case_id: uuid.UUID) -> Any:
    case = get_or_404(Case, case_id, may=policy.may_request_emergency_access)
    form = EmergencyAccessForm()
    if form.validate_on_submit():
        try:
            emergency.request_access(
                case, by=current_user, reason=form.reason.data or "", hours=int(form.hours.data)
            )
        except emergency.Invalid as problem:
            getattr(form, problem.field).errors = [problem.message]
        else:
            flash(
                "Emergency access open, read only. The owning agency and the coordinators "
                "have been told.",
                "success",
            )
            return redirect(url_for("cases.show", case_id=case.id))
    return render_template("cases/emergency_request.html", case=case, form=form)


@bp.route("/<uuid:access_id>/end", methods=["POST"])
@login_required
def end(access_id: uuid.UUID) -> Any:
    access = get_or_404(EmergencyAccess, access_id, may=policy.may_end_emergency_access)
    emergency.end_access(access, by=current_user)
    flash("Emergency access ended", "success")
    return redirect(url_for("people.search"))


@bp.route("/")
@login_required
def queue() -> Any:
    if not policy.may_review_any_emergency_access(current_user):
        raise policy.NotAllowed("emergency_access")
    return render_template(
        "cases/emergency_queue.html",
        uses=emergency.review_queue(current_user),
        outcomes=emergency.REVIEW_OUTCOMES,
    )


@bp.route("/<uuid:access_id>", methods=["GET", "POST"])
@login_required
def review(access_id: uuid.UUID) -> Any:
    access = get_or_404(EmergencyAccess, access_id, may=policy.may_review_emergency_access)
    form = EmergencyReviewForm()
    if form.validate_on_submit():
        try:
            emergency.review(
                access, by=current_user, outcome=form.outcome.data or "", note=form.note.data
            )
        except emergency.Invalid as problem:
            getattr(form, problem.field).errors = [problem.message]
        else:
            flash(f"Review saved for {access.case.reference}", "success")
            return redirect(url_for("emergency.queue"))
    return render_template(
        "cases/emergency_review.html",
        access=access,
        form=form,
        outcomes=emergency.REVIEW_OUTCOMES,
    )
