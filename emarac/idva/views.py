"""The IDVA's workspace: the service's queue, a caseload, and one case's IDVA record."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from emarac.cases.models import Case
from emarac.idva import services
from emarac.idva.forms import (
    AllocateForm,
    ContactForm,
    SafetyPlanForm,
    StatusForm,
    VoiceForm,
)
from emarac.idva.models import (
    ConsentStatus,
    ContactMethod,
    ContactOutcome,
    Engagement,
    PlanItemStatus,
)
from emarac.protocol import policy
from emarac.protocol.guard import get_or_404

bp = Blueprint("idva", __name__, url_prefix="/idva")


def _case_or_404(case_id: uuid.UUID) -> Case:
    return get_or_404(Case, case_id, may=policy.may_read_idva_record)


def _back(case: Case) -> Any:
    return redirect(url_for("idva.case", case_id=case.id))


@bp.route("/queue")
@login_required
def queue() -> Any:
    return render_template("idva/queue.html", rows=services.queue(by=current_user))


@bp.route("/caseload")
@login_required
def caseload() -> Any:
    return render_template("idva/caseload.html", rows=services.caseload(by=current_user))


def _render_case(case: Case, *, allocate_form: AllocateForm | None = None) -> Any:
    page = services.open_case(case, by=current_user)
    form = allocate_form or AllocateForm(formdata=None)
    form.idva_id.choices = [("", "Choose an IDVA"), *((str(u.id), u.full_name) for u in page.idvas)]
    if allocate_form is None and page.idva_case and page.idva_case.allocated_to_id:
        form.idva_id.data = str(page.idva_case.allocated_to_id)
    return render_template("idva/case.html", page=page, allocate_form=form), (
        400 if form.errors else 200
    )


@bp.route("/cases/<uuid:case_id>")
@login_required
def case(case_id: uuid.UUID) -> Any:
    return _render_case(_case_or_404(case_id))


@bp.route("/cases/<uuid:case_id>/allocate", methods=["POST"])
@login_required
def allocate(case_id: uuid.UUID) -> Any:
    case = _case_or_404(case_id)
    form = AllocateForm()
    form.idva_id.choices = [(form.idva_id.data or "", "")]  # checked against the service below
    if form.validate_on_submit():
        try:
            idva = services.allocate(case, by=current_user, idva_id=uuid.UUID(form.idva_id.data))
        except (services.Invalid, ValueError) as problem:
            form.idva_id.errors = [getattr(problem, "message", "Choose an IDVA of this service")]
        else:
            flash(f"Allocated to {idva.full_name}", "success")
            return _back(case)
    return _render_case(case, allocate_form=form)


@bp.route("/cases/<uuid:case_id>/status", methods=["GET", "POST"])
@login_required
def status(case_id: uuid.UUID) -> Any:
    case = _case_or_404(case_id)
    page = services.open_case(case, by=current_user)
    form = StatusForm()
    if page.may_work and form.validate_on_submit():
        try:
            services.record_status(
                case,
                by=current_user,
                data=services.StatusInput(
                    consent=ConsentStatus(form.consent.data),
                    consent_on=form.consent_on.data,
                    engagement=Engagement(form.engagement.data),
                    note=form.note.data or None,
                ),
            )
        except services.Invalid as problem:
            getattr(form, problem.field).errors = [problem.message]
        else:
            flash("Consent and engagement saved", "success")
            return _back(case)
    elif not form.is_submitted() and page.idva_case is not None:
        form.consent.data = page.idva_case.consent
        form.consent_on.data = page.idva_case.consent_on
        form.engagement.data = page.idva_case.engagement
    return render_template("idva/status.html", page=page, form=form), (400 if form.errors else 200)


@bp.route("/cases/<uuid:case_id>/voice", methods=["GET", "POST"])
@login_required
def voice(case_id: uuid.UUID) -> Any:
    case = _case_or_404(case_id)
    page = services.open_case(case, by=current_user)
    form = VoiceForm()
    if page.may_work and form.validate_on_submit():
        try:
            services.save_voice(
                case,
                by=current_user,
                data=services.VoiceInput(
                    wishes=form.wishes.data or "",
                    fears=form.fears.data or "",
                    wants_from_marac=form.wants_from_marac.data or "",
                ),
            )
        except services.Invalid as problem:
            getattr(form, problem.field).errors = [problem.message]
        else:
            flash("The victim's voice is saved as a new version", "success")
            return _back(case)
    elif not form.is_submitted() and page.voice is not None:
        form.wishes.data = page.voice.wishes
        form.fears.data = page.voice.fears
        form.wants_from_marac.data = page.voice.wants_from_marac
    return render_template("idva/voice.html", page=page, form=form), (400 if form.errors else 200)


@bp.route("/cases/<uuid:case_id>/voice/versions")
@login_required
def voice_versions(case_id: uuid.UUID) -> Any:
    case = _case_or_404(case_id)
    versions = services.voice_history(case, by=current_user)
    return render_template("idva/voice_versions.html", case=case, versions=versions)


@bp.route("/cases/<uuid:case_id>/safety-plan", methods=["GET", "POST"])
@login_required
def plan(case_id: uuid.UUID) -> Any:
    case = _case_or_404(case_id)
    page = services.open_case(case, by=current_user)
    form = SafetyPlanForm()
    if page.may_work and form.validate_on_submit():
        items = [
            services.PlanItem(
                measure=form[f"measure_{n}"].data or "",
                who=form[f"who_{n}"].data or "",
                status=PlanItemStatus(form[f"status_{n}"].data),
            )
            for n in form.rows
        ]
        try:
            services.save_plan(case, by=current_user, items=items)
        except services.Invalid as problem:
            form[problem.field].errors = [problem.message]
        else:
            flash("The safety plan is saved as a new version", "success")
            return _back(case)
    elif not form.is_submitted() and page.plan is not None:
        for n, row in enumerate(page.plan.items or [], start=1):
            if n in form.rows:
                form[f"measure_{n}"].data = row.get("measure")
                form[f"who_{n}"].data = row.get("who")
                form[f"status_{n}"].data = row.get("status")
    return render_template("idva/plan.html", page=page, form=form), (400 if form.errors else 200)


@bp.route("/cases/<uuid:case_id>/safety-plan/versions")
@login_required
def plan_versions(case_id: uuid.UUID) -> Any:
    case = _case_or_404(case_id)
    versions = services.plan_history(case, by=current_user)
    return render_template("idva/plan_versions.html", case=case, versions=versions)


@bp.route("/cases/<uuid:case_id>/contacts", methods=["GET", "POST"])
@login_required
def contacts(case_id: uuid.UUID) -> Any:
    case = _case_or_404(case_id)
    page = services.open_contacts(case, by=current_user)
    form = ContactForm()
    if page.may_work and form.validate_on_submit():
        try:
            services.log_contact(
                case,
                by=current_user,
                data=services.ContactInput(
                    contacted_at=form.contacted_at(),
                    method=ContactMethod(form.method.data),
                    outcome=ContactOutcome(form.outcome.data),
                    notes=form.notes.data or None,
                    safety_confirmed=bool(form.safety_confirmed.data),
                ),
            )
        except services.Invalid as problem:
            form[problem.field].errors = [problem.message]
        else:
            flash("Contact logged", "success")
            return redirect(url_for("idva.contacts", case_id=case.id))
    return render_template("idva/contacts.html", page=page, form=form), (
        400 if form.errors else 200
    )
