"""Referring a case, the referrer's view of it, and the coordinator's triage queue."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from emarac.auditing import record_event
from emarac.cases.models import Case
from emarac.extensions import db
from emarac.meetings.models import Meeting, MeetingStatus
from emarac.protocol import policy
from emarac.protocol.guard import get_or_404
from emarac.referrals import services
from emarac.referrals.forms import AcceptForm, ReferralForm, ReturnForm
from emarac.referrals.models import Consent, Referral, ReferralStatus
from emarac.risk.rules import Criterion

bp = Blueprint("referrals", __name__)


def _input(form: ReferralForm) -> services.ReferralInput:
    return services.ReferralInput(
        criteria={Criterion(c) for c in form.criteria.data or []},
        consent=Consent(form.consent.data),
        risks=form.risks.data or "",
        safety_measures=form.safety_measures.data or "",
        consent_reason=form.consent_reason.data or None,
        consent_decided_by=form.consent_decided_by.data or None,
        judgement_reason=form.judgement_reason.data or None,
        has_idva=bool(form.has_idva.data),
        refer_to_idva=bool(form.refer_to_idva.data),
    )


@bp.route("/cases/<uuid:case_id>/refer", methods=["GET", "POST"])
@login_required
def refer(case_id: uuid.UUID) -> Any:
    """The referral form, then check answers, then submit."""
    case = get_or_404(Case, case_id, may=policy.may_refer_case)
    automatic = services.criteria_for(case)
    form = ReferralForm()
    if not form.is_submitted():
        form.criteria.data = sorted(c.value for c in automatic)
    stage = request.form.get("stage")
    if stage != "change" and form.validate_on_submit():
        data = _input(form)
        data.criteria |= automatic  # criteria the case meets can only be added to
        try:
            services.check(data, automatic=automatic)
        except services.Invalid as problem:
            getattr(form, problem.field).errors = [problem.message]
        else:
            if stage == "confirm":
                referral = services.refer_case(case, by=current_user, data=data)
                flash("Referral sent to the MARAC coordinator", "success")
                return redirect(url_for("referrals.show", referral_id=referral.id))
            return render_template("referrals/check.html", case=case, form=form, data=data)
    return render_template(
        "referrals/refer.html", case=case, form=form, automatic={c.value for c in automatic}
    )


def _referral_or_404(referral_id: uuid.UUID) -> Referral:
    return get_or_404(Referral, referral_id, may=policy.may_view_referral)


@bp.route("/referrals/<uuid:referral_id>", methods=["GET", "POST"])
@login_required
def show(referral_id: uuid.UUID) -> Any:
    """The referral and its status; a returned one can be corrected and resubmitted."""
    referral = _referral_or_404(referral_id)
    record_event(
        "referral.view",
        object_type="referral",
        object_id=referral.id,
        fields=("criteria", "consent", "risks", "safety_measures"),
    )
    db.session.commit()
    form = ReferralForm(obj=None)
    editable = (
        referral.status == ReferralStatus.RETURNED
        and referral.referring_agency_id == current_user.agency_id
    )
    if editable and not form.is_submitted():
        form.criteria.data = referral.criteria
        form.consent.data = referral.consent
        for name in (
            "risks",
            "safety_measures",
            "consent_reason",
            "consent_decided_by",
            "judgement_reason",
        ):
            getattr(form, name).data = getattr(referral, name)
        form.has_idva.data = referral.has_idva
        form.refer_to_idva.data = referral.refer_to_idva
    if editable and form.validate_on_submit():
        try:
            services.resubmit(referral, by=current_user, data=_input(form))
        except services.Invalid as problem:
            getattr(form, problem.field).errors = [problem.message]
        else:
            flash("Referral sent again", "success")
            return redirect(url_for("referrals.show", referral_id=referral.id))
    return render_template(
        "referrals/show.html",
        referral=referral,
        form=form,
        editable=editable,
        status_label=ReferralStatus(referral.status).label,
    )


@bp.route("/referrals/triage")
@login_required
def triage() -> Any:
    if not policy.may_triage(current_user):
        abort(404)
    queue = services.triage_queue(current_user)
    record_event("referral.triage_view", object_type="referral", fields=("status",))
    db.session.commit()
    return render_template("referrals/triage.html", queue=queue)


def _meetings() -> list[Meeting]:
    return list(
        db.session.scalars(
            select(Meeting)
            .where(
                Meeting.area_id == current_user.agency.area_id,
                Meeting.status == MeetingStatus.PLANNED,
            )
            .order_by(Meeting.held_on)
        )
    )


@bp.route("/referrals/<uuid:referral_id>/triage", methods=["GET", "POST"])
@login_required
def decide(referral_id: uuid.UUID) -> Any:
    if not policy.may_triage(current_user):
        abort(404)
    referral = _referral_or_404(referral_id)
    accept_form = AcceptForm(prefix="accept")
    return_form = ReturnForm(prefix="return")
    meetings = _meetings()
    accept_form.meeting_id.choices = [("", "Choose a meeting")] + [
        (str(m.id), m.title) for m in meetings
    ]
    action = request.form.get("action")
    try:
        if action == "accept" and accept_form.validate_on_submit():
            meeting = next((m for m in meetings if str(m.id) == accept_form.meeting_id.data), None)
            services.accept(
                referral,
                by=current_user,
                meeting=meeting,
                new_meeting_on=accept_form.new_meeting_on.data,
            )
            flash(f"{referral.case.reference} accepted", "success")
            return redirect(url_for("referrals.triage"))
        if action == "return" and return_form.validate_on_submit():
            services.return_to_referrer(
                referral, by=current_user, reason=return_form.reason.data or ""
            )
            flash(f"{referral.case.reference} returned to the referrer", "success")
            return redirect(url_for("referrals.triage"))
        if action == "duplicate":
            of = db.session.get(Referral, uuid.UUID(request.form.get("duplicate_of", "")))
            if of is None:
                abort(400)
            services.mark_duplicate(referral, of=of, by=current_user)
            flash(f"{referral.case.reference} merged as a duplicate", "success")
            return redirect(url_for("referrals.triage"))
    except services.Invalid as problem:
        accept_form.meeting_id.errors = [problem.message]
    except ValueError:
        abort(404)
    others = [
        r
        for r in services.triage_queue(current_user)
        if r.id != referral.id and r.case.victim_id == referral.case.victim_id
    ]
    return render_template(
        "referrals/decide.html",
        referral=referral,
        accept_form=accept_form,
        return_form=return_form,
        others=others,
    )
