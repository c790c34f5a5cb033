"""The retention review pages: the queue, one case's review, and erasing it."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from emarac.auth.sessions import fresh_login_required
from emarac.query_args import last_page, page_number
from emarac.retention import services
from emarac.retention.forms import EraseForm, RetainForm

bp = Blueprint("retention", __name__, url_prefix="/retention")


@bp.route("/")
@login_required
def queue() -> Any:
    page = page_number(request.args)
    cases, total = services.review_queue(current_user, page=page)
    return render_template(
        "retention/queue.html",
        cases=cases,
        total=total,
        page=page,
        pages=last_page(total, services.PER_PAGE),
        page_url=lambda n: url_for("retention.queue", page=n),
    )


def _show(case: Any, form: Any) -> Any:
    return render_template(
        "retention/review.html", case=case, form=form, decisions=services.decisions_of(case)
    )


@bp.route("/cases/<uuid:case_id>", methods=["GET", "POST"])
@login_required
def review(case_id: uuid.UUID) -> Any:
    """The review of one due case; posting the form keeps it until a new date."""
    case = services.case_to_review(current_user, case_id)
    form = RetainForm()
    if form.validate_on_submit():
        try:
            services.retain(
                case,
                by=current_user,
                reason=form.reason.data or "",
                next_review_on=form.next_review_on.data,
            )
        except services.Invalid as problem:
            getattr(form, problem.field).errors = [problem.message]
        else:
            flash(f"{case.reference} is kept until its next review", "success")
            return redirect(url_for("retention.queue"))
    return _show(case, form)


@bp.route("/cases/<uuid:case_id>/erase", methods=["GET", "POST"])
@login_required
@fresh_login_required
def erase(case_id: uuid.UUID) -> Any:
    """Confirm, with a reason, then erase; needs a recent sign-in."""
    case = services.case_to_review(current_user, case_id)
    form = EraseForm()
    if form.validate_on_submit():
        try:
            services.erase(case, by=current_user, reason=form.reason.data or "")
        except services.Invalid as problem:
            getattr(form, problem.field).errors = [problem.message]
        else:
            flash(f"{case.reference} erased", "success")
            return redirect(url_for("cases.show", case_id=case.id))
    return render_template("retention/erase.html", case=case, form=form)
