"""The risk checklist, completed for a case (its page lives under the case's URL)."""

from __future__ import annotations

import uuid
from functools import partial
from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from emarac.cases import services as case_services
from emarac.protocol import policy
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


@bp.route("/<uuid:case_id>/risk")
@login_required
def index(case_id: uuid.UUID) -> Any:
    """Every checklist completed for the case, and the score over time."""
    case = case_services.get_case(current_user, case_id)
    case_services.record_view(case, shown=("risk_assessments",))
    return render_template(
        "risk/index.html",
        case=case,
        assessments=services.assessments_of(case),
        emergency=policy.live_emergency_access(current_user, case),
    )


@bp.route("/<uuid:case_id>/risk/<uuid:assessment_id>")
@login_required
def show(case_id: uuid.UUID, assessment_id: uuid.UUID) -> Any:
    """A completed checklist read back: answers by topic, score, band and judgement."""
    case = case_services.get_case(current_user, case_id)
    assessment = services.get_assessment(current_user, case, assessment_id)
    services.record_view(assessment)
    return render_template(
        "risk/show.html",
        case=case,
        assessment=assessment,
        topics=services.topics_of(assessment),
        emergency=policy.live_emergency_access(current_user, case),
    )
