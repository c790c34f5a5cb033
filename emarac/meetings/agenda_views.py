"""Before the meeting: the list, creating one, its page, the agenda, research, closing."""

from __future__ import annotations

import uuid
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from emarac.agencies.forms import ConfirmForm
from emarac.idva import services as idva_services
from emarac.meetings import attendance, conference, outcomes, pack, services
from emarac.meetings import minutes as minutes_service
from emarac.meetings import research as research_service
from emarac.meetings.blueprint import bp, meeting_or_404, watermark
from emarac.meetings.forms import MeetingEditForm, MeetingForm
from emarac.meetings.models import MeetingStatus
from emarac.meetings.research_forms import research_form_class
from emarac.protocol import policy


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
    """The meeting and its agenda. Reading it changes nothing (building is a POST)."""
    meeting = meeting_or_404(meeting_id)
    services.record_view(meeting)
    is_coordinator = policy.coordinates_area(current_user, meeting.area_id)
    may_build = is_coordinator and meeting.status == MeetingStatus.PLANNED
    minutes = conference.minutes_for(meeting)
    may_chase = policy.may_chase_research(current_user, meeting)
    return render_template(
        "meetings/show.html",
        meeting=meeting,
        rows=pack.agenda_rows(meeting, by=current_user),
        is_coordinator=is_coordinator,
        may_build=may_build,
        waiting=services.agenda_waiting(meeting) if may_build else 0,
        may_reorder=is_coordinator
        and meeting.status in (MeetingStatus.PLANNED, MeetingStatus.AGENDA_RELEASED),
        may_run=policy.may_run_conference(current_user, meeting),
        may_edit=policy.may_edit_meeting(current_user, meeting),
        may_join=policy.may_join_meeting(current_user, meeting),
        join_opens=attendance.joining_opens_message(meeting),
        sees_register=policy.may_see_register(current_user, meeting),
        readable_minutes={
            case_id: m for case_id, m in minutes.items() if policy.may_read_minutes(current_user, m)
        },
        responded=services.research_status(meeting) if is_coordinator else {},
        carried=outcomes.carried_onto(meeting, by=current_user),
        panel=minutes_service.panel_for(current_user, meeting),
        may_research=meeting.is_released
        and meeting.status != MeetingStatus.CLOSED
        and any(i.agency_id == current_user.agency_id for i in meeting.invites),
        may_chase=may_chase,
        by_agency=research_service.outstanding_by_agency(meeting) if may_chase else [],
    )


@bp.route("/<uuid:meeting_id>/agenda/build", methods=["POST"])
@login_required
def build_agenda(meeting_id: uuid.UUID) -> Any:
    """The coordinator puts the accepted referrals on the planned agenda."""
    meeting = meeting_or_404(meeting_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.refresh_agenda(meeting, by=current_user)
    flash("Agenda updated with the accepted referrals", "success")
    return redirect(url_for("meetings.show", meeting_id=meeting.id, _anchor="agenda"))


@bp.route("/<uuid:meeting_id>/edit", methods=["GET", "POST"])
@login_required
def edit(meeting_id: uuid.UUID) -> Any:
    """The area's coordinator changes the date, time, place, chair, coordinator and invitees."""
    meeting = meeting_or_404(meeting_id)
    if not policy.may_edit_meeting(current_user, meeting):
        raise policy.NotAllowed("meeting", meeting.id, purpose="edit refused")
    form = MeetingEditForm()
    area = meeting.area_id
    form.chair_id.choices = [("", "Choose later")] + [
        (str(u.id), f"{u.full_name}, {u.agency.name}") for u in services.chairs_of(area)
    ]
    form.coordinator_id.choices = [("", "Not set")] + [
        (str(u.id), f"{u.full_name}, {u.agency.name}") for u in services.coordinators_of(area)
    ]
    form.invited.choices = [(str(a.id), a.name) for a in services.invitable_agencies(area)]
    if not form.is_submitted():
        form.process(
            data={
                "held_on": meeting.held_on,
                "starts_at": meeting.starts_at,
                "place": meeting.place,
                "online_link": meeting.online_link,
                "chair_id": str(meeting.chair_id or ""),
                "coordinator_id": str(meeting.coordinator_id or ""),
                "invited": [str(i.agency_id) for i in meeting.invites],
            }
        )
    elif form.validate():
        details = services.MeetingDetails(
            held_on=form.held_on.data,
            starts_at=form.start_time(),
            place=form.place.data or None,
            online_link=form.online_link.data or None,
            chair_id=uuid.UUID(form.chair_id.data) if form.chair_id.data else None,
            coordinator_id=uuid.UUID(form.coordinator_id.data)
            if form.coordinator_id.data
            else None,
            invited=frozenset(uuid.UUID(v) for v in form.invited.data or ()),
        )
        try:
            services.update_meeting(meeting, details, by=current_user)
        except ValueError as problem:
            field, _, message = str(problem).partition(":")
            getattr(form, field).errors = [message]
        else:
            flash("Meeting changed", "success")
            return redirect(url_for("meetings.show", meeting_id=meeting.id))
    return render_template("meetings/edit.html", meeting=meeting, form=form), (
        400 if form.errors else 200
    )


@bp.route("/<uuid:meeting_id>/release", methods=["POST"])
@login_required
def release(meeting_id: uuid.UUID) -> Any:
    """Release the agenda to the invited agencies, after a confirmation page."""
    meeting = meeting_or_404(meeting_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if not policy.may_release_agenda(current_user, meeting):
        raise policy.NotAllowed("meeting", meeting.id, purpose="release refused")
    if request.form.get("confirmed") != "yes":
        return render_template(
            "meetings/confirm.html",
            meeting=meeting,
            heading="Release the agenda?",
            points=[
                f"{len(meeting.items)} case{'s' if len(meeting.items) != 1 else ''} "
                "on the agenda become visible to the invited agencies, who are told at once.",
                "Invited: " + ", ".join(sorted(i.agency.name for i in meeting.invites)) + ".",
                "This cannot be undone.",
            ],
            button="Yes, release the agenda",
            action=url_for("meetings.release", meeting_id=meeting.id),
        )
    services.release_agenda(meeting, by=current_user)
    flash("Agenda released to the invited agencies", "success")
    return redirect(url_for("meetings.show", meeting_id=meeting.id))


@bp.route("/<uuid:meeting_id>/agenda/<uuid:case_id>/move", methods=["POST"])
@login_required
def move(meeting_id: uuid.UUID, case_id: uuid.UUID) -> Any:
    meeting = meeting_or_404(meeting_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    step = -1 if request.form.get("direction") == "up" else 1
    services.move_item(meeting, case_id, by=current_user, step=step)
    return redirect(url_for("meetings.show", meeting_id=meeting.id, _anchor="agenda"))


@bp.route("/<uuid:meeting_id>/agenda/print")
@login_required
def agenda_print(meeting_id: uuid.UUID) -> Any:
    meeting = meeting_or_404(meeting_id)
    services.record_view(meeting, action="meeting.agenda_print", by=current_user)
    return render_template(
        "meetings/agenda_print.html",
        meeting=meeting,
        rows=pack.agenda_rows(meeting, by=current_user),
        watermark=watermark(),
    )


@bp.route("/<uuid:meeting_id>/cases/<uuid:case_id>/research", methods=["GET", "POST"])
@login_required
def research(meeting_id: uuid.UUID, case_id: uuid.UUID) -> Any:
    """Our agency's section of research on one agenda case; the other sections to read."""
    meeting = meeting_or_404(meeting_id)
    if not policy.may_research(current_user, meeting, case_id):
        raise policy.NotAllowed("marac_case", case_id, purpose="research refused")
    item = next(i for i in meeting.items if i.case_id == case_id)
    sections = services.research_for(meeting, case_id)
    mine = next((r for r in sections if r.agency_id == current_user.agency_id), None)
    form = research_form_class(current_user.agency.kind)()
    if not form.is_submitted():
        form.fill(mine)
    elif form.validate():
        try:
            services.save_research(
                meeting,
                case_id,
                by=current_user,
                no_information=bool(form.no_information.data),
                about_victim=form.about_victim.data or None,
                about_perpetrator=form.about_perpetrator.data or None,
                about_children=form.about_children.data or None,
                answers=form.answers(),
            )
        except ValueError as problem:
            form.about_victim.errors = [str(problem)]
        else:
            flash("Research saved", "success")
            return redirect(url_for("meetings.research_due", _anchor=f"meeting-{meeting.id}"))
    services.record_research_view(meeting, case_id)
    others = [r for r in sections if r.agency_id != current_user.agency_id]
    return render_template(
        "meetings/research.html",
        meeting=meeting,
        item=item,
        form=form,
        others=others,
        kind_label=current_user.agency.kind_label,
        victims_voice=idva_services.voice_for_conference(
            meeting, item.case, by=current_user, place="research"
        ),
    ), (400 if form.errors else 200)


@bp.route("/research-due")
@login_required
def research_due() -> Any:
    """The research due from the signed-in user's agency, meeting by meeting."""
    return render_template(
        "meetings/research_due.html", due=research_service.research_due(current_user)
    )


@bp.route("/<uuid:meeting_id>/chase/<uuid:agency_id>", methods=["POST"])
@login_required
def chase(meeting_id: uuid.UUID, agency_id: uuid.UUID) -> Any:
    """The coordinator reminds one agency of its outstanding research (once a day)."""
    meeting = meeting_or_404(meeting_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        done = research_service.chase_agency(meeting, agency_id, by=current_user)
    except ValueError as problem:
        flash(str(problem), "important")
    else:
        if done.sent:
            flash(
                f"{done.agency_name} chased for research on {done.cases_outstanding} "
                f"case{'s' if done.cases_outstanding != 1 else ''}",
                "success",
            )
        else:
            flash(
                f"{done.agency_name} was already chased today at "
                f"{done.chased_at:%H:%M} UTC: nothing sent again",
                "important",
            )
    return redirect(url_for("meetings.show", meeting_id=meeting.id, _anchor="outstanding"))


@bp.route("/<uuid:meeting_id>/close", methods=["POST"])
@login_required
def close(meeting_id: uuid.UUID) -> Any:
    meeting = meeting_or_404(meeting_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.close_meeting(meeting, by=current_user)
    flash("Meeting closed", "success")
    return redirect(url_for("meetings.show", meeting_id=meeting.id))
