"""The meeting itself: the confidentiality statement, then one agenda case at a time."""

from __future__ import annotations

import uuid
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from emarac.actions import services as actions
from emarac.actions.forms import ActionForm
from emarac.agencies.forms import ConfirmForm
from emarac.cases import services as case_services
from emarac.idva import services as idva_services
from emarac.meetings import attendance, conference, outcomes, services
from emarac.meetings.blueprint import bp, meeting_or_404
from emarac.meetings.forms import SUMMARY_REQUIRED, ConferenceForm
from emarac.meetings.models import AgendaOutcome, Meeting
from emarac.protocol import policy


@bp.route("/<uuid:meeting_id>/attend", methods=["GET", "POST"])
@login_required
def attend(meeting_id: uuid.UUID) -> Any:
    """The confidentiality statement every attendee accepts before seeing any case.

    Offered from the meeting's day (or the area's days before it); before then
    the page says when joining opens. Those who have joined see when they did.
    """
    meeting = meeting_or_404(meeting_id)
    if not meeting.is_released:
        abort(404)
    if ConfirmForm().validate_on_submit():
        attendance.accept_confidentiality(meeting, by=current_user)
        if meeting.items:
            return redirect(
                url_for(
                    "meetings.conference_case",
                    meeting_id=meeting.id,
                    case_id=meeting.items[0].case_id,
                )
            )
        return redirect(url_for("meetings.show", meeting_id=meeting.id))
    return render_template(
        "meetings/attend.html",
        meeting=meeting,
        statement=attendance.CONFIDENTIALITY_STATEMENT,
        register=attendance.register_of(meeting),
        absent=attendance.key_agencies_absent(meeting),
        joined=attendance.attendance_of(meeting, current_user),
        may_join=policy.may_join_meeting(current_user, meeting),
        opens=attendance.joining_opens_message(meeting),
        sees_register=policy.may_see_register(current_user, meeting),
    )


def _agenda_position(meeting: Meeting, case_id: uuid.UUID) -> int:
    """Where the case sits on this released agenda; 404 when it is not there."""
    index = next((n for n, i in enumerate(meeting.items) if i.case_id == case_id), None)
    if index is None or not meeting.is_released:
        abort(404)
    return index


@bp.route("/<uuid:meeting_id>/cases/<uuid:case_id>/conference")
@login_required
def conference_case(meeting_id: uuid.UUID, case_id: uuid.UUID) -> Any:
    """One agenda case at a time, for the meeting; only after the statement is accepted."""
    meeting = meeting_or_404(meeting_id)
    index = _agenda_position(meeting, case_id)
    if services.attendance_of(meeting, current_user) is None:
        return redirect(url_for("meetings.attend", meeting_id=meeting.id))
    return _show_case(meeting, index)


def _show_case(
    meeting: Meeting,
    index: int,
    *,
    record_form: ConferenceForm | None = None,
    action_form: ActionForm | None = None,
) -> Any:
    """Render conference mode for the case at ``index`` (with any forms that failed)."""
    items = list(meeting.items)
    item = items[index]
    pager = {
        "meeting": meeting,
        "item": item,
        "previous": items[index - 1] if index > 0 else None,
        "following": items[index + 1] if index + 1 < len(items) else None,
        "position": index + 1,
        "total": len(items),
    }
    if not conference.open_case(meeting, item.case_id, by=current_user):
        return render_template("meetings/conference_withheld.html", **pager)
    case = case_services.load_for_page(item.case_id)
    if action_form is None:
        action_form = ActionForm(formdata=None)
    action_form.owner_agency_id.choices = _agency_choices(meeting)
    if record_form is None:
        discussion, agreed_risk = item.decision_so_far()
        outcome = item.outcome or AgendaOutcome.HEARD.value
        record_form = ConferenceForm(
            formdata=None,
            data={
                "discussion": discussion,
                "agreed_risk": agreed_risk,
                "outcome": outcome,
                f"{outcome}_reason": item.outcome_reason,
            },
        )
    may_run = policy.may_run_conference(current_user, meeting)
    return render_template(
        "meetings/conference.html",
        action_form=action_form,
        record_form=record_form,
        case_actions=actions.actions_of_case(item.case_id),
        may_add_actions=may_run,
        may_record=may_run,
        case=case,
        research=services.research_for(meeting, item.case_id),
        carried=outcomes.carried_onto(meeting, by=current_user, case_id=item.case_id).get(
            item.case_id
        ),
        victims_voice=idva_services.voice_for_conference(meeting, case, by=current_user),
        draft_saved_at=item.draft_saved_at,
        absent=services.key_agencies_absent(meeting),
        **pager,
    )


@bp.route("/<uuid:meeting_id>/cases/<uuid:case_id>/record", methods=["POST"])
@login_required
def record(meeting_id: uuid.UUID, case_id: uuid.UUID) -> Any:
    """The chair saves the discussion and agreed risk, then moves to the next case.

    Refused, with everything kept (and the decision kept as a draft), when the
    form is incomplete or an action was typed and not added.
    """
    meeting = meeting_or_404(meeting_id)
    index = _agenda_position(meeting, case_id)
    if not policy.may_run_conference(current_user, meeting):
        abort(404)
    items = list(meeting.items)
    form = ConferenceForm()
    action_form = _typed_action(meeting)
    valid = form.validate_on_submit()
    if action_form.description.data:
        action_form.description.errors = [
            "Add this action first (Add action), or clear it, before saving the case"
        ]
        valid = False
    if not valid:
        _keep_draft(meeting, items[index], form)
        return _show_case(meeting, index, record_form=form, action_form=action_form), 400
    outcome = AgendaOutcome(form.outcome.data)
    try:
        outcomes.record_outcome(
            meeting,
            items[index],
            by=current_user,
            outcome=outcome,
            discussion=form.discussion.data or "",
            agreed_risk=form.agreed_risk.data or "",
            reason=form.reason(),
        )
    except ValueError as problem:  # a deferral already carried: shown by the outcome
        form.outcome.errors = [str(problem)]
        return _show_case(meeting, index, record_form=form, action_form=action_form), 400
    said = "" if outcome == AgendaOutcome.HEARD else f": {outcome.label.lower()}"
    flash(f"Case {index + 1} of {len(items)} saved{said}", "success")
    if index + 1 < len(items):
        following = items[index + 1].case_id
        return redirect(
            url_for("meetings.conference_case", meeting_id=meeting.id, case_id=following)
        )
    return redirect(url_for("meetings.show", meeting_id=meeting.id))


@bp.route("/<uuid:meeting_id>/cases/<uuid:case_id>/actions", methods=["POST"])
@login_required
def add_action(meeting_id: uuid.UUID, case_id: uuid.UUID) -> Any:
    """The chair or coordinator records an agreed action from conference mode.

    The action and the decision share one form, so what the chair has typed for
    the decision comes along and is kept as a draft, whether or not the action
    is accepted.
    """
    meeting = meeting_or_404(meeting_id)
    index = _agenda_position(meeting, case_id)
    if not policy.may_run_conference(current_user, meeting):
        abort(404)
    form = _typed_action(meeting)
    record_form = ConferenceForm()
    record_form.discussion.errors = _keep_draft(meeting, list(meeting.items)[index], record_form)
    if not form.validate_on_submit():
        return _show_case(meeting, index, action_form=form, record_form=record_form), 400
    case = case_services.load_for_page(case_id)
    try:
        actions.add_action(
            case,
            by=current_user,
            meeting=meeting,
            owner_agency_id=uuid.UUID(form.owner_agency_id.data),
            description=form.description.data or "",
            due_on=form.due_on.data,
        )
    except ValueError as problem:  # a due date on or before the meeting: shown by the field
        form.due_on.errors = [str(problem)]
        return _show_case(meeting, index, action_form=form, record_form=record_form), 400
    flash("Action added", "success")
    return redirect(
        url_for(
            "meetings.conference_case", meeting_id=meeting.id, case_id=case_id, _anchor="actions"
        )
    )


@bp.route("/<uuid:meeting_id>/cases/<uuid:case_id>/draft", methods=["POST"])
@login_required
def save_draft(meeting_id: uuid.UUID, case_id: uuid.UUID) -> Any:
    """Keep what the chair has typed: the page's script as they type (JSON), or the
    "Save draft" button without JavaScript (back to the case)."""
    meeting = meeting_or_404(meeting_id)
    index = _agenda_position(meeting, case_id)
    if not policy.may_run_conference(current_user, meeting):
        abort(404)
    form = ConferenceForm()
    problems = _keep_draft(meeting, list(meeting.items)[index], form)
    if request.accept_mimetypes.best == "application/json":
        return {"saved": not problems}, 400 if problems else 200
    if problems:
        form.discussion.errors = problems
        return _show_case(meeting, index, record_form=form), 400
    flash("Draft saved", "success")
    return redirect(
        url_for(
            "meetings.conference_case", meeting_id=meeting.id, case_id=case_id, _anchor="record"
        )
    )


def _typed_action(meeting: Meeting) -> ActionForm:
    form = ActionForm()
    form.owner_agency_id.choices = _agency_choices(meeting)
    return form


def _keep_draft(meeting: Meeting, item: Any, form: ConferenceForm) -> list[str]:
    """Save the decision typed so far as a draft.

    Returns the problems that stop it being kept (hidden characters, too long),
    for the caller to show by the field; an empty summary is fine in a draft.
    The form's own messages are left as they were.
    """
    before = form.discussion.errors
    form.discussion.validate(form)
    problems = [e for e in form.discussion.errors if e != SUMMARY_REQUIRED]
    form.discussion.errors = before
    if not problems:
        conference.save_draft(
            meeting,
            item,
            by=current_user,
            discussion=form.discussion.data or "",
            agreed_risk=form.agreed_risk.data,
        )
    return list(problems)


def _agency_choices(meeting: Meeting) -> list[tuple[str, str]]:
    return [("", "Choose an agency")] + sorted(
        ((str(i.agency_id), i.agency.name) for i in meeting.invites), key=lambda c: c[1]
    )
