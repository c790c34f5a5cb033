"""The risk checklist, completed for a case (its page lives under the case's URL)."""

from __future__ import annotations

import uuid
from functools import partial
from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from emarac.cases import services as case_services
from emarac.risk import area_settings, rules, services
from emarac.risk.forms import assessment_form

bp = Blueprint("risk", __name__, url_prefix="/cases")


@bp.route("/<uuid:case_id>/risk/new", methods=["GET", "POST"])
@login_required
def assess(case_id: uuid.UUID) -> Any:
    """Complete the risk checklist for a case (the current version)."""
    case = case_services.editable_case(current_user, case_id)
    version = services.current_checklist()
    if version is None:
        flash("The risk checklist has not been set up yet: ask your system administrator", "error")
        return redirect(url_for("cases.show", case_id=case.id))
    form = assessment_form(version, partial(area_settings.in_force, case.area_id))
    if form.validate_on_submit():
        data = services.AssessmentInput(
            completed_on=form.completed_on.data,
            victim_present=form.victim_present.data == "yes",
            answers=form.answers(),
            notes=form.notes(),
            judged_level=rules.RiskLevel(form.judged_level.data)
            if form.judged_level.data
            else None,
            judgement_reason=form.judgement_reason.data or None,
        )
        assessment = services.record_assessment(case, by=current_user, version=version, data=data)
        flash(
            f"Checklist saved: {assessment.yes_count} yes answers, {assessment.final_level} risk",
            "success",
        )
        return redirect(url_for("cases.show", case_id=case.id))
    return render_template(
        "risk/assess.html",
        case=case,
        form=form,
        version=version,
        yes_count=form.core_yes(),
        unanswered=form.unanswered(),
    )
