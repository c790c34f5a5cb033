"""Referring a case, the referrer's view of it, and the coordinator's triage queue."""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from emarac.agencies.forms import ConfirmForm
from emarac.cases.models import Case
from emarac.meetings.models import Meeting
from emarac.protocol import policy
from emarac.protocol.guard import get_or_404
from emarac.referrals import repeats, reported, services
from emarac.referrals.forms import (
    AcceptForm,
    ConfirmRepeatForm,
    DismissRepeatForm,
    MarkSeenForm,
    ReferralForm,
    ReturnForm,
)
from emarac.referrals.models import Consent, Referral, ReferralStatus, RepeatReview, VictimAware
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
        referrer_name=form.referrer_name.data or None,
        referrer_phone=form.referrer_phone.data or None,
        referrer_email=form.referrer_email.data or None,
        victim_aware=VictimAware(form.victim_aware.data) if form.victim_aware.data else None,
        other_agencies=list(form.other_agencies.data or []),
        language=form.language.data or None,
        interpreter_needed=bool(form.interpreter_needed.data),
        children_notes=form.children_notes.data or None,
    )


def _fill(form: ReferralForm, data: services.ReferralInput) -> None:
    """Start the form from a returned referral's answers."""
    form.criteria.data = sorted(c.value for c in data.criteria)
    form.consent.data = data.consent.value
    form.victim_aware.data = data.victim_aware.value if data.victim_aware else None
    form.other_agencies.data = list(data.other_agencies)
    for name in (*services.FREE_TEXT, *services.PLAIN_ANSWERS):
        if name != "victim_aware":
            getattr(form, name).data = getattr(data, name)


@bp.route("/cases/<uuid:case_id>/refer", methods=["GET", "POST"])
@login_required
def refer(case_id: uuid.UUID) -> Any:
    """The referral form, then check answers, then submit."""
    case = get_or_404(Case, case_id, may=policy.may_refer_case)
    automatic = services.criteria_for(case)
    form = ReferralForm()
    if not form.is_submitted():
        form.criteria.data = sorted(c.value for c in automatic)
        for name, value in services.starting_answers(case, by=current_user).items():
            getattr(form, name).data = value
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
            return render_template(
                "referrals/check.html",
                case=case,
                form=form,
                data=data,
                people=services.people_on(case),
            )
    return render_template(
        "referrals/refer.html",
        case=case,
        form=form,
        automatic={c.value for c in automatic},
        people=services.people_on(case),
    )


def _referral_or_404(referral_id: uuid.UUID) -> Referral:
    return get_or_404(Referral, referral_id, may=policy.may_view_referral)


@bp.route("/referrals/<uuid:referral_id>", methods=["GET", "POST"])
@login_required
def show(referral_id: uuid.UUID) -> Any:
    """The referral and its status; a returned one can be corrected and resubmitted."""
    referral = _referral_or_404(referral_id)
    services.record_view(referral)
    form = ReferralForm(obj=None)
    editable = services.is_correctable(referral, by=current_user)
    if editable and not form.is_submitted():
        _fill(form, services.answers_of(referral))
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
        history=services.status_history(referral),
        agency_kinds=form.other_agencies.choices,
        people=services.people_on(referral.case),
    )


@bp.route("/referrals/triage")
@login_required
def triage() -> Any:
    if not policy.may_triage(current_user):
        abort(404)
    return render_template(
        "referrals/triage.html",
        queue=services.open_triage_queue(current_user),
        repeats=repeats.repeats_to_confirm(current_user),
        reported=reported.reported_to_review(current_user),
        seen_form=MarkSeenForm(),
    )


# Triage: one page (decide) and one endpoint per decision, each posting its own form.


def _triage_referral_or_404(referral_id: uuid.UUID) -> Referral:
    if not policy.may_triage(current_user):
        abort(404)
    return _referral_or_404(referral_id)


def _accept_form(meetings: list[Meeting]) -> AcceptForm:
    return _offering(AcceptForm(prefix="accept"), meetings)


FormWithMeeting = TypeVar("FormWithMeeting", AcceptForm, ConfirmRepeatForm)


def _offering(form: FormWithMeeting, meetings: list[Meeting]) -> FormWithMeeting:
    """The form with the planned meetings to choose from."""
    form.meeting_id.choices = [("", "Choose a meeting")] + [(str(m.id), m.title) for m in meetings]
    return form


def _chosen(meetings: list[Meeting], form: AcceptForm | ConfirmRepeatForm) -> Meeting | None:
    """The planned meeting picked in the form, if any."""
    return next((m for m in meetings if str(m.id) == form.meeting_id.data), None)


def _decide_page(
    referral: Referral,
    *,
    accept_form: AcceptForm | None = None,
    return_form: ReturnForm | None = None,
) -> Any:
    """The triage page, with any form that failed keeping its answers and errors."""
    if accept_form is None:
        accept_form = _accept_form(services.planned_meetings(current_user))
    return render_template(
        "referrals/decide.html",
        referral=referral,
        accept_form=accept_form,
        return_form=return_form or ReturnForm(prefix="return", formdata=None),
        others=services.possible_duplicates(referral, by=current_user),
    )


@bp.route("/referrals/<uuid:referral_id>/triage")
@login_required
def decide(referral_id: uuid.UUID) -> Any:
    """The coordinator's decision on one referral: accept, return or merge as a duplicate."""
    return _decide_page(_triage_referral_or_404(referral_id))


@bp.route("/referrals/<uuid:referral_id>/accept", methods=["POST"])
@login_required
def accept(referral_id: uuid.UUID) -> Any:
    referral = _triage_referral_or_404(referral_id)
    meetings = services.planned_meetings(current_user)
    form = _accept_form(meetings)
    if form.validate_on_submit():
        try:
            services.accept(
                referral,
                by=current_user,
                meeting=_chosen(meetings, form),
                new_meeting_on=form.new_meeting_on.data,
            )
        except services.Invalid as problem:
            form.meeting_id.errors = [problem.message]
        else:
            flash(f"{referral.case.reference} accepted", "success")
            return redirect(url_for("referrals.triage"))
    return _decide_page(referral, accept_form=form)


@bp.route("/referrals/<uuid:referral_id>/return", methods=["POST"])
@login_required
def return_to_referrer(referral_id: uuid.UUID) -> Any:
    referral = _triage_referral_or_404(referral_id)
    form = ReturnForm(prefix="return")
    if form.validate_on_submit():
        try:
            services.return_to_referrer(referral, by=current_user, reason=form.reason.data or "")
        except services.Invalid as problem:
            form.reason.errors = [problem.message]
        else:
            flash(f"{referral.case.reference} returned to the referrer", "success")
            return redirect(url_for("referrals.triage"))
    return _decide_page(referral, return_form=form)


@bp.route("/referrals/<uuid:referral_id>/duplicate", methods=["POST"])
@login_required
def mark_duplicate(referral_id: uuid.UUID) -> Any:
    referral = _triage_referral_or_404(referral_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        of_id = uuid.UUID(request.form.get("duplicate_of", ""))
    except ValueError:
        abort(400)
    try:
        services.mark_duplicate_of(referral, of_id=of_id, by=current_user)
    except services.Invalid as problem:
        flash(problem.message)
        return _decide_page(referral)
    flash(f"{referral.case.reference} merged as a duplicate", "success")
    return redirect(url_for("referrals.triage"))


# Repeats to confirm: one page (the repeat) and one endpoint per decision.


def _review_or_404(review_id: uuid.UUID) -> RepeatReview:
    return get_or_404(RepeatReview, review_id, may=policy.may_decide_repeat)


def _confirm_form(meetings: list[Meeting]) -> ConfirmRepeatForm:
    return _offering(ConfirmRepeatForm(prefix="confirm"), meetings)


def _repeat_page(
    review: RepeatReview,
    *,
    confirm_form: ConfirmRepeatForm | None = None,
    dismiss_form: DismissRepeatForm | None = None,
) -> Any:
    if confirm_form is None:
        confirm_form = _confirm_form(services.planned_meetings(current_user))
    return render_template(
        "referrals/repeat.html",
        review=review,
        confirm_form=confirm_form,
        dismiss_form=dismiss_form or DismissRepeatForm(prefix="dismiss", formdata=None),
    )


@bp.route("/referrals/repeats/<uuid:review_id>")
@login_required
def repeat(review_id: uuid.UUID) -> Any:
    """A repeat to confirm: onto a meeting, or dismissed with a reason."""
    return _repeat_page(_review_or_404(review_id))


@bp.route("/referrals/repeats/<uuid:review_id>/confirm", methods=["POST"])
@login_required
def confirm_repeat(review_id: uuid.UUID) -> Any:
    review = repeats.waiting(review_id, by=current_user)
    meetings = services.planned_meetings(current_user)
    form = _confirm_form(meetings)
    if form.validate_on_submit():
        try:
            repeats.confirm(
                review,
                by=current_user,
                meeting=_chosen(meetings, form),
                new_meeting_on=form.new_meeting_on.data,
            )
        except services.Invalid as problem:
            form.meeting_id.errors = [problem.message]
        else:
            flash(f"Repeat on {review.case.reference} confirmed onto the meeting", "success")
            return redirect(url_for("referrals.triage"))
    return _repeat_page(review, confirm_form=form)


@bp.route("/referrals/repeats/<uuid:review_id>/dismiss", methods=["POST"])
@login_required
def dismiss_repeat(review_id: uuid.UUID) -> Any:
    review = repeats.waiting(review_id, by=current_user)
    form = DismissRepeatForm(prefix="dismiss")
    if form.validate_on_submit():
        try:
            repeats.dismiss(review, by=current_user, reason=form.reason.data or "")
        except services.Invalid as problem:
            form.reason.errors = [problem.message]
        else:
            flash(f"Repeat on {review.case.reference} dismissed", "success")
            return redirect(url_for("referrals.triage"))
    return _repeat_page(review, dismiss_form=form)
