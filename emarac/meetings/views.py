"""Meetings and their agendas."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from emarac.agencies.forms import ConfirmForm
from emarac.auditing import record_event
from emarac.extensions import db
from emarac.meetings import conference, services
from emarac.meetings.forms import ConferenceForm, MeetingForm, ResearchForm
from emarac.meetings.models import Meeting, MeetingStatus, Minutes
from emarac.protocol import policy
from emarac.protocol.guard import get_or_404

bp = Blueprint("meetings", __name__, url_prefix="/meetings")


def _meeting_or_404(meeting_id: uuid.UUID) -> Meeting:
    return get_or_404(Meeting, meeting_id, may=policy.may_see_meeting)


@bp.route("/")
@login_required
def index() -> Any:
    meetings = services.visible_meetings(current_user)
    return render_template(
        "meetings/index.html", meetings=meetings, may_create=policy.may_create_meeting(current_user)
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> Any:
    if not policy.may_create_meeting(current_user):
        raise policy.NotAllowed("meeting", purpose="create refused")
    form = MeetingForm()
    form.chair_id.choices = [("", "Choose later")] + [
        (str(u.id), f"{u.full_name}, {u.agency.name}")
        for u in services.chairs_of(current_user.agency.area_id)
    ]
    if form.validate_on_submit():
        meeting = services.create_meeting(
            by=current_user,
            held_on=form.held_on.data,
            starts_at=form.start_time(),
            place=form.place.data or None,
            online_link=form.online_link.data or None,
            chair_id=uuid.UUID(form.chair_id.data) if form.chair_id.data else None,
        )
        flash("Meeting created", "success")
        return redirect(url_for("meetings.show", meeting_id=meeting.id))
    return render_template("meetings/new.html", form=form)


@bp.route("/<uuid:meeting_id>")
@login_required
def show(meeting_id: uuid.UUID) -> Any:
    meeting = _meeting_or_404(meeting_id)
    is_coordinator = policy.coordinates_area(current_user, meeting.area_id)
    if is_coordinator and not meeting.is_released:
        services.build_agenda(meeting)
        db.session.commit()
    record_event("meeting.view", object_type="meeting", object_id=meeting.id, fields=("agenda",))
    db.session.commit()
    minutes = conference.minutes_for(meeting)
    return render_template(
        "meetings/show.html",
        meeting=meeting,
        is_coordinator=is_coordinator,
        may_reorder=is_coordinator
        and meeting.status in (MeetingStatus.PLANNED, MeetingStatus.AGENDA_RELEASED),
        may_run=policy.may_run_conference(current_user, meeting),
        readable_minutes={
            case_id: m for case_id, m in minutes.items() if policy.may_read_minutes(current_user, m)
        },
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
    services.release_agenda(meeting, by=current_user)
    flash("Agenda released to the invited agencies", "success")
    return redirect(url_for("meetings.show", meeting_id=meeting.id))


@bp.route("/<uuid:meeting_id>/cases/<uuid:case_id>/research", methods=["GET", "POST"])
@login_required
def research(meeting_id: uuid.UUID, case_id: uuid.UUID) -> Any:
    """Our agency's section of research on one agenda case; the other sections to read."""
    meeting = _meeting_or_404(meeting_id)
    if not policy.may_research(current_user, meeting, case_id):
        raise policy.NotAllowed("marac_case", case_id, purpose="research refused")
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
                    "meetings.conference_case",
                    meeting_id=meeting.id,
                    case_id=meeting.items[0].case_id,
                )
            )
        return redirect(url_for("meetings.show", meeting_id=meeting.id))
    return render_template(
        "meetings/attend.html",
        meeting=meeting,
        statement=services.CONFIDENTIALITY_STATEMENT,
        register=services.register_of(meeting),
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
    meeting = _meeting_or_404(meeting_id)
    index = _agenda_position(meeting, case_id)
    if services.attendance_of(meeting, current_user) is None:
        return redirect(url_for("meetings.attend", meeting_id=meeting.id))
    return _show_case(meeting, index)


def _show_case(
    meeting: Meeting,
    index: int,
    *,
    record_form: ConferenceForm | None = None,
    action_form: Any = None,
) -> Any:
    """Render conference mode for the case at ``index`` (with any forms that failed)."""
    from emarac.actions.forms import ActionForm
    from emarac.actions.models import Action
    from emarac.cases import services as case_services

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
    if policy.is_excluded(current_user, item.case_id):
        record_event(
            "access.denied",
            object_type="marac_case",
            object_id=item.case_id,
            purpose="must not receive: conference content withheld",
        )
        db.session.commit()
        return render_template("meetings/conference_withheld.html", **pager)
    record_event(
        "case.view",
        object_type="marac_case",
        object_id=item.case_id,
        fields=("reference", "victim", "perpetrators", "children", "research", "actions"),
        purpose=f"conference of meeting {meeting.id}",
    )
    db.session.commit()
    case = case_services.load_for_page(item.case_id)
    if action_form is None:
        action_form = ActionForm(formdata=None)
    action_form.owner_agency_id.choices = _agency_choices(meeting)
    if record_form is None:
        record_form = ConferenceForm(
            formdata=None, data={"discussion": item.discussion, "agreed_risk": item.agreed_risk}
        )
    case_actions = db.session.scalars(
        select(Action)
        .where(Action.case_id == item.case_id)
        .options(selectinload(Action.owner_agency))
        .order_by(Action.due_on)
    ).all()
    may_run = policy.may_run_conference(current_user, meeting)
    return render_template(
        "meetings/conference.html",
        action_form=action_form,
        record_form=record_form,
        case_actions=case_actions,
        may_add_actions=may_run,
        may_record=may_run,
        case=case,
        research=services.research_for(meeting, item.case_id),
        **pager,
    )


@bp.route("/<uuid:meeting_id>/cases/<uuid:case_id>/record", methods=["POST"])
@login_required
def record(meeting_id: uuid.UUID, case_id: uuid.UUID) -> Any:
    """The chair saves the discussion and agreed risk, then moves to the next case."""
    meeting = _meeting_or_404(meeting_id)
    index = _agenda_position(meeting, case_id)
    if not policy.may_run_conference(current_user, meeting):
        abort(404)
    items = list(meeting.items)
    form = ConferenceForm()
    if not form.validate_on_submit():
        return _show_case(meeting, index, record_form=form), 400
    conference.record_discussion(
        meeting,
        items[index],
        by=current_user,
        discussion=form.discussion.data or "",
        agreed_risk=form.agreed_risk.data or "",
    )
    flash(f"Case {index + 1} of {len(items)} saved", "success")
    if index + 1 < len(items):
        following = items[index + 1].case_id
        return redirect(
            url_for("meetings.conference_case", meeting_id=meeting.id, case_id=following)
        )
    return redirect(url_for("meetings.show", meeting_id=meeting.id))


@bp.route("/<uuid:meeting_id>/agenda/<uuid:case_id>/move", methods=["POST"])
@login_required
def move(meeting_id: uuid.UUID, case_id: uuid.UUID) -> Any:
    meeting = _meeting_or_404(meeting_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    step = -1 if request.form.get("direction") == "up" else 1
    services.move_item(meeting, case_id, by=current_user, step=step)
    return redirect(url_for("meetings.show", meeting_id=meeting.id, _anchor="agenda"))


@bp.route("/<uuid:meeting_id>/close", methods=["POST"])
@login_required
def close(meeting_id: uuid.UUID) -> Any:
    meeting = _meeting_or_404(meeting_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.close_meeting(meeting, by=current_user)
    flash("Meeting closed", "success")
    return redirect(url_for("meetings.show", meeting_id=meeting.id))


@bp.route("/<uuid:meeting_id>/minutes", methods=["POST"])
@login_required
def produce_minutes(meeting_id: uuid.UUID) -> Any:
    meeting = _meeting_or_404(meeting_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        conference.produce_minutes(meeting, by=current_user)
    except ValueError as problem:
        flash(str(problem))
    else:
        flash("Minutes produced and sent to the attending agencies", "success")
    return redirect(url_for("meetings.show", meeting_id=meeting.id))


def _minutes_or_404(minutes_id: uuid.UUID) -> Minutes:
    return get_or_404(Minutes, minutes_id, may=policy.may_read_minutes)


@bp.route("/minutes/<uuid:minutes_id>")
@login_required
def minutes(minutes_id: uuid.UUID) -> Any:
    found = _minutes_or_404(minutes_id)
    record_event("minutes.view", object_type="minutes", object_id=found.id, fields=("content",))
    db.session.commit()
    return render_template("meetings/minutes.html", minutes=found, content=found.content)


@bp.route("/minutes/<uuid:minutes_id>/print")
@login_required
def minutes_print(minutes_id: uuid.UUID) -> Any:
    found = _minutes_or_404(minutes_id)
    record_event("minutes.print", object_type="minutes", object_id=found.id, fields=("content",))
    db.session.commit()
    return render_template(
        "meetings/minutes_print.html",
        minutes=found,
        content=found.content,
        watermark=_watermark(),
    )


@bp.route("/<uuid:meeting_id>/agenda/print")
@login_required
def agenda_print(meeting_id: uuid.UUID) -> Any:
    meeting = _meeting_or_404(meeting_id)
    record_event(
        "meeting.agenda_print", object_type="meeting", object_id=meeting.id, fields=("agenda",)
    )
    db.session.commit()
    return render_template("meetings/agenda_print.html", meeting=meeting, watermark=_watermark())


@bp.route("/minutes")
@login_required
def my_minutes() -> Any:
    """Minutes sent to me, newest first (coordinators and chairs see their area's)."""
    rows = conference.minutes_visible_to(current_user)
    record_event("minutes.list", object_type="minutes", fields=("reference",))
    db.session.commit()
    return render_template("meetings/my_minutes.html", rows=rows)


def _watermark() -> str:
    """Who printed it and when, repeated across printed pages."""
    from emarac.clock import utcnow

    return f"{current_user.full_name} · {current_user.agency.name} · {utcnow():%-d %b %Y %H:%M} UTC"


@bp.route("/<uuid:meeting_id>/cases/<uuid:case_id>/actions", methods=["POST"])
@login_required
def add_action(meeting_id: uuid.UUID, case_id: uuid.UUID) -> Any:
    """The chair or coordinator records an agreed action from conference mode."""
    from emarac.actions import services as actions
    from emarac.actions.forms import ActionForm
    from emarac.cases import services as case_services

    meeting = _meeting_or_404(meeting_id)
    index = _agenda_position(meeting, case_id)
    if not policy.may_run_conference(current_user, meeting):
        abort(404)
    form = ActionForm()
    form.owner_agency_id.choices = _agency_choices(meeting)
    if not form.validate_on_submit():
        return _show_case(meeting, index, action_form=form), 400
    case = case_services.load_for_page(case_id)
    actions.add_action(
        case,
        by=current_user,
        meeting=meeting,
        owner_agency_id=uuid.UUID(form.owner_agency_id.data),
        description=form.description.data or "",
        due_on=form.due_on.data,
    )
    flash("Action added", "success")
    return redirect(
        url_for(
            "meetings.conference_case", meeting_id=meeting.id, case_id=case_id, _anchor="actions"
        )
    )


def _agency_choices(meeting: Meeting) -> list[tuple[str, str]]:
    return [("", "Choose an agency")] + sorted(
        ((str(i.agency_id), i.agency.name) for i in meeting.invites), key=lambda c: c[1]
    )
