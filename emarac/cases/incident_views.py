"""An incident read back in full from its case, and its correction as a new version."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from emarac.cases import services as case_services
from emarac.incidents import services
from emarac.incidents.forms import IncidentCorrectionForm
from emarac.protocol import policy

bp = Blueprint("incidents", __name__, url_prefix="/cases")

SHOWN = ("occurred_at", "types", "perpetrator_id", *services.ENCRYPTED, *services.PLAIN)


@bp.route("/<uuid:case_id>/incidents/<uuid:incident_id>")
@login_required
def show(case_id: uuid.UUID, incident_id: uuid.UUID) -> Any:
    """The incident as it stands, who recorded it, and every earlier version."""
    case = case_services.get_case(current_user, case_id)
    incident = services.get_incident(current_user, incident_id, victim_id=case.victim_id)
    services.record_view(incident, shown=(*SHOWN, "versions"))
    case = case_services.load_for_page(case_id)
    versions = services.versions_of(incident)
    return render_template(
        "cases/incident.html",
        case=case,
        incident=incident,
        versions=versions,
        names={p.person_id: p.person.display_name for p in case.perpetrators},
        may_correct=policy.may_correct_incident(current_user, incident),
        emergency=policy.live_emergency_access(current_user, case),
    )


@bp.route("/<uuid:case_id>/incidents/<uuid:incident_id>/correct", methods=["GET", "POST"])
@login_required
def correct(case_id: uuid.UUID, incident_id: uuid.UUID) -> Any:
    """Correct the incident: the earlier version is kept and shown as changed."""
    case = case_services.get_case(current_user, case_id)
    incident = services.get_incident(
        current_user, incident_id, victim_id=case.victim_id, to_correct=True
    )
    case = case_services.load_for_page(case_id)
    form = IncidentCorrectionForm()
    form.perpetrator_id.choices = [("", "Not known")] + [
        (str(p.person_id), p.person.display_name) for p in case.perpetrators
    ]
    if not form.is_submitted():
        form.fill(services.details_of(incident))
    if form.validate_on_submit():
        perpetrators = {str(p.person_id): p.person for p in case.perpetrators}
        try:
            kept = services.correct_incident(
                incident,
                by=current_user,
                details=form.details(perpetrators),
                reason=form.reason.data or "",
            )
        except services.NothingChanged as problem:
            form.reason.errors = [str(problem)]
        else:
            flash(f"Incident corrected: version {kept.number} is kept", "success")
            return redirect(url_for("incidents.show", case_id=case.id, incident_id=incident.id))
    return render_template("cases/incident_correct.html", case=case, incident=incident, form=form)
