"""Reporting a further incident from a "known to MARAC" hint, and the coordinator's look at it."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from emarac.incidents.models import IncidentType
from emarac.referrals import reported
from emarac.referrals.forms import MarkSeenForm, ReportIncidentForm

bp = Blueprint("reported", __name__)

# The same words whatever the repeat rule decided: the reporter must not learn it.
THANKS = "Thank you. The incident has been passed to the MARAC coordinator"


@bp.route("/cases/<uuid:case_id>/report-incident", methods=["GET", "POST"])
@login_required
def report(case_id: uuid.UUID) -> Any:
    """The form beside a hint: date, type and a short account, without showing the case."""
    case = reported.hinted_case(current_user, case_id)
    form = ReportIncidentForm()
    if form.validate_on_submit():
        reported.report_further_incident(
            current_user,
            case_id,
            reported.FurtherIncident(
                occurred_on=form.occurred_on.data,
                type=IncidentType(form.type.data),
                account=form.account.data,
            ),
        )
        flash(THANKS, "success")
        return redirect(url_for("people.search"))
    return render_template("referrals/report_incident.html", reference=case.reference, form=form)


@bp.route("/referrals/reported/<uuid:item_id>/seen", methods=["POST"])
@login_required
def mark_seen(item_id: uuid.UUID) -> Any:
    item = reported.to_review(item_id, by=current_user)
    if MarkSeenForm().validate_on_submit():
        reported.mark_seen(item, by=current_user)
        flash(f"Reported incident on {item.case.reference} marked as seen", "success")
    return redirect(url_for("referrals.triage"))
