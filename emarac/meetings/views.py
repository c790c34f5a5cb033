"""Meetings and their agendas."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from emarac.agencies.forms import ConfirmForm
from emarac.agencies.models import Role
from emarac.auditing import record_event
from emarac.extensions import db
from emarac.meetings import services
from emarac.meetings.forms import MeetingForm, ResearchForm
from emarac.meetings.models import Meeting
from emarac.protocol import policy

bp = Blueprint("meetings", __name__, url_prefix="/meetings")


def _meeting_or_404(meeting_id: uuid.UUID) -> Meeting:
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None or not policy.may_see_meeting(current_user, meeting):
        record_event("access.denied", object_type="meeting", object_id=meeting_id)
        db.session.commit()
        abort(404)
    return meeting


@bp.route("/")
@login_required
def index() -> Any:
    meetings = services.visible_meetings(current_user)
    return render_template(
        "meetings/index.html", meetings=meetings, may_create=current_user.has_role(Role.COORDINATOR)
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> Any:
    if not current_user.has_role(Role.COORDINATOR):
        abort(404)
    form = MeetingForm()
    if form.validate_on_submit():
        meeting = services.create_meeting(by=current_user, held_on=form.held_on.data)
        flash("Meeting created", "success")
        return redirect(url_for("meetings.show", meeting_id=meeting.id))
    return render_template("meetings/new.html", form=form)


@bp.route("/<uuid:meeting_id>")
@login_required
def show(meeting_id: uuid.UUID) -> Any:
    meeting = _meeting_or_404(meeting_id)
    is_coordinator = (
        current_user.has_role(Role.COORDINATOR) and current_user.agency.area_id == meeting.area_id
    )
    if is_coordinator and not meeting.is_released:
        services.build_agenda(meeting)
        db.session.commit()
    record_event("meeting.view", object_type="meeting", object_id=meeting.id, fields=("agenda",))
    db.session.commit()
    return render_template(
        "meetings/show.html",
        meeting=meeting,
        is_coordinator=is_coordinator,
        responded=services.research_status(meeting) if is_coordinator else {},
        may_research=meeting.is_released
        and any(i.agency_id == current_user.agency_id for i in meeting.invites),
    )


@bp.route("/<uuid:meeting_id>/release", methods=["POST"])
@login_required
def release(meeting_id: uuid.UUID) -> Any:
    meeting = _meeting_or_404(meeting_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.release_agenda(meeting, by=current_user)
    except services.NotAllowed:
        abort(404)
    flash("Agenda released to the invited agencies", "success")
    return redirect(url_for("meetings.show", meeting_id=meeting.id))


@bp.route("/<uuid:meeting_id>/cases/<uuid:case_id>/research", methods=["GET", "POST"])
@login_required
def research(meeting_id: uuid.UUID, case_id: uuid.UUID) -> Any:
    """Our agency's section of research on one agenda case; the other sections to read."""
    meeting = _meeting_or_404(meeting_id)
    if not policy.may_research(current_user, meeting, case_id):
        record_event(
            "access.denied", object_type="marac_case", object_id=case_id, purpose="research refused"
        )
        db.session.commit()
        abort(404)
    item = next(i for i in meeting.items if i.case_id == case_id)
    sections = services.research_for(meeting, case_id)
    mine = next((r for r in sections if r.agency_id == current_user.agency_id), None)
    form = ResearchForm(obj=mine)
    if form.validate_on_submit():
        try:
            services.save_research(
                meeting,
                case_id,
                by=current_user,
                no_information=bool(form.no_information.data),
                about_victim=form.about_victim.data or None,
                about_perpetrator=form.about_perpetrator.data or None,
                about_children=form.about_children.data or None,
            )
        except ValueError as problem:
            form.about_victim.errors = [str(problem)]
        else:
            flash("Research saved", "success")
            return redirect(url_for("meetings.research", meeting_id=meeting.id, case_id=case_id))
    record_event(
        "research.view",
        object_type="marac_case",
        object_id=case_id,
        fields=("research",),
        purpose=f"meeting {meeting.id}",
    )
    db.session.commit()
    others = [r for r in sections if r.agency_id != current_user.agency_id]
    return render_template(
        "meetings/research.html", meeting=meeting, item=item, form=form, others=others
    )


@bp.route("/<uuid:meeting_id>/attend", methods=["GET", "POST"])
@login_required
def attend(meeting_id: uuid.UUID) -> Any:
    """The confidentiality statement every attendee accepts before seeing any case."""
    meeting = _meeting_or_404(meeting_id)
    if not meeting.is_released:
        abort(404)
    if ConfirmForm().validate_on_submit():
        services.accept_confidentiality(meeting, by=current_user)
        if meeting.items:
            return redirect(
                url_for(
                    "meetings.conference", meeting_id=meeting.id, case_id=meeting.items[0].case_id
                )
            )
        return redirect(url_for("meetings.show", meeting_id=meeting.id))
    return render_template(
        "meetings/attend.html",
        meeting=meeting,
        statement=services.CONFIDENTIALITY_STATEMENT,
        register=services.register_of(meeting),
    )


@bp.route("/<uuid:meeting_id>/cases/<uuid:case_id>/conference")
@login_required
def conference(meeting_id: uuid.UUID, case_id: uuid.UUID) -> Any:
    """One agenda case at a time, for the meeting; only after the statement is accepted."""
    meeting = _meeting_or_404(meeting_id)
    items = list(meeting.items)
    index = next((n for n, i in enumerate(items) if i.case_id == case_id), None)
    if index is None or not meeting.is_released:
        abort(404)
    if services.attendance_of(meeting, current_user) is None:
        return redirect(url_for("meetings.attend", meeting_id=meeting.id))
    from emarac.cases import services as case_services

    case = case_services.load_for_page(case_id)
    record_event(
        "case.view",
        object_type="marac_case",
        object_id=case_id,
        fields=("reference", "victim", "perpetrators", "children", "research"),
        purpose=f"conference of meeting {meeting.id}",
    )
    db.session.commit()
    from emarac.actions.forms import ActionForm
    from emarac.actions.models import Action

    action_form = ActionForm()
    action_form.owner_agency_id.choices = _agency_choices(meeting)
    case_actions = list(
        db.session.scalars(
            select(Action)
            .where(Action.case_id == case_id)
            .options(selectinload(Action.owner_agency))
            .order_by(Action.due_on)
        )
    )
    may_add_actions = current_user.has_role(Role.CHAIR, Role.COORDINATOR) and (
        current_user.agency.area_id == meeting.area_id
    )
    return render_template(
        "meetings/conference.html",
        action_form=action_form,
        case_actions=case_actions,
        may_add_actions=may_add_actions,
        meeting=meeting,
        case=case,
        item=items[index],
        research=services.research_for(meeting, case_id),
        previous=items[index - 1] if index > 0 else None,
        following=items[index + 1] if index + 1 < len(items) else None,
        position=index + 1,
        total=len(items),
    )


@bp.route("/<uuid:meeting_id>/cases/<uuid:case_id>/actions", methods=["POST"])
@login_required
def add_action(meeting_id: uuid.UUID, case_id: uuid.UUID) -> Any:
    """The chair or coordinator records an agreed action from conference mode."""
    from emarac.actions import services as actions
    from emarac.actions.forms import ActionForm
    from emarac.cases import services as case_services

    meeting = _meeting_or_404(meeting_id)
    if not any(i.case_id == case_id for i in meeting.items):
        abort(404)
    form = ActionForm()
    form.owner_agency_id.choices = _agency_choices(meeting)
    if form.validate_on_submit():
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
        except actions.NotAllowed:
            abort(404)
        flash("Action added", "success")
    else:
        for field in form:
            for error in field.errors:
                flash(error)
    return redirect(url_for("meetings.conference", meeting_id=meeting.id, case_id=case_id))


def _agency_choices(meeting: Meeting) -> list[tuple[str, str]]:
    return [("", "Choose an agency")] + sorted(
        ((str(i.agency_id), i.agency.name) for i in meeting.invites), key=lambda c: c[1]
    )
