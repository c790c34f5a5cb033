"""Meetings: creating them, the agenda built from accepted referrals, releasing it.

Releasing the agenda opens its cases to the invited agencies for research
(the access policy reads the agenda and its invitations), until each case closes.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import date, time

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import selectinload

from emarac.actions.models import Action, ActionStatus
from emarac.agencies.models import Agency, Area, Role, User, UserRole
from emarac.auditing import record_event
from emarac.cases.models import Case, CaseTransfer
from emarac.cases.services import Hearing
from emarac.disclosures.models import DisclosureKind
from emarac.disclosures.services import record_disclosure
from emarac.extensions import db
from emarac.hooks import Hook
from emarac.meetings import questions

# Joining and the register live in ``attendance``; these names stay for their callers.
from emarac.meetings.attendance import CONFIDENTIALITY_STATEMENT as CONFIDENTIALITY_STATEMENT
from emarac.meetings.attendance import accept_confidentiality as accept_confidentiality
from emarac.meetings.attendance import attendance_of as attendance_of
from emarac.meetings.attendance import key_agencies_absent as key_agencies_absent
from emarac.meetings.attendance import register_of as register_of
from emarac.meetings.models import (
    NOT_HEARD_OUTCOMES,
    AgendaItem,
    AgendaOutcome,
    Meeting,
    MeetingInvite,
    MeetingStatus,
    Research,
    meeting_title,
)
from emarac.notifications import services as notify
from emarac.protocol import policy
from emarac.protocol.policy import NotAllowed


def _coordinator_of(by: User, area_id: uuid.UUID) -> None:
    if not policy.coordinates_area(by, area_id):
        raise NotAllowed("area", area_id, purpose="coordinator only")


def create_meeting(
    *,
    by: User,
    held_on: date,
    starts_at: time | None = None,
    place: str | None = None,
    online_link: str | None = None,
    chair_id: uuid.UUID | None = None,
) -> Meeting:
    """A meeting of the coordinator's area; the area's active agencies are invited."""
    _coordinator_of(by, by.agency.area_id)
    if chair_id is not None and chair_id not in {u.id for u in chairs_of(by.agency.area_id)}:
        raise NotAllowed
    meeting = Meeting(
        area_id=by.agency.area_id,
        held_on=held_on,
        starts_at=starts_at,
        place=place,
        online_link=online_link,
        chair_id=chair_id,
        coordinator_id=by.id,
    )
    db.session.add(meeting)
    db.session.flush()
    invite_core_members(meeting)
    record_event(
        "meeting.create",
        object_type="meeting",
        object_id=meeting.id,
        fields=("held_on", "starts_at", "place", "online_link", "chair_id", "invites"),
    )
    db.session.commit()
    return meeting


@dataclass(frozen=True)
class MeetingDetails:
    """What the coordinator may set on a meeting before it is minuted."""

    held_on: date
    starts_at: time | None
    place: str | None
    online_link: str | None
    chair_id: uuid.UUID | None
    coordinator_id: uuid.UUID | None
    invited: frozenset[uuid.UUID]


def invitable_agencies(area_id: uuid.UUID) -> list[Agency]:
    """The area's agencies a meeting may invite (those that hold accounts), by name."""
    agencies = db.session.scalars(select(Agency).where(Agency.area_id == area_id))
    return sorted((a for a in agencies if a.may_hold_accounts), key=lambda a: a.name)


def coordinators_of(area_id: uuid.UUID) -> list[User]:
    """Active coordinators of the area, by name."""
    users = db.session.scalars(
        select(User)
        .join(Agency, Agency.id == User.agency_id)
        .join(UserRole, UserRole.user_id == User.id)
        .where(Agency.area_id == area_id, UserRole.role == Role.COORDINATOR)
        .distinct()
    )
    return sorted((u for u in users if u.is_active), key=lambda u: u.full_name)


def update_meeting(meeting: Meeting, details: MeetingDetails, *, by: User) -> None:
    """The area's coordinator changes a meeting's details and invited agencies; commits.

    Possible until the minutes are produced. An agency that has already sent
    research stays invited; an agency invited after the agenda's release is told
    of it at once. Refusals are ``ValueError`` with a message for the field named.
    """
    if not policy.may_edit_meeting(by, meeting):
        raise NotAllowed("meeting", meeting.id, purpose="edit refused")
    area = meeting.area_id
    if details.chair_id is not None and details.chair_id not in {u.id for u in chairs_of(area)}:
        raise NotAllowed("meeting", meeting.id, purpose="chair not of the area")
    coordinators = {u.id for u in coordinators_of(area)}
    if details.coordinator_id is not None and details.coordinator_id not in coordinators:
        raise NotAllowed("meeting", meeting.id, purpose="coordinator not of the area")
    allowed = {a.id for a in invitable_agencies(area)}
    if not details.invited or not details.invited <= allowed:
        raise ValueError("invited:Choose at least one agency of the area to invite")
    researched = set(
        db.session.scalars(
            select(Research.agency_id).where(Research.meeting_id == meeting.id).distinct()
        )
    )
    if researched - details.invited:
        raise ValueError("invited:An agency that has already sent research stays invited")
    changed = [
        name
        for name in ("held_on", "starts_at", "place", "online_link", "chair_id", "coordinator_id")
        if getattr(meeting, name) != getattr(details, name)
    ]
    before = {i.agency_id for i in meeting.invites}
    for name in changed:
        setattr(meeting, name, getattr(details, name))
    added = details.invited - before
    meeting.invites[:] = [i for i in meeting.invites if i.agency_id in details.invited]
    meeting.invites.extend(MeetingInvite(agency_id=agency_id) for agency_id in sorted(added))
    if before != details.invited:
        changed.append("invites")
    if not changed:
        return
    record_event(
        "meeting.update",
        object_type="meeting",
        object_id=meeting.id,
        fields=tuple(changed),
        recipient=",".join(sorted(str(a) for a in added)) or None,
    )
    if meeting.is_released:
        for agency_id in sorted(added):
            notify.to_agency(
                agency_id,
                case=None,
                kind="meeting.agenda",
                text=f"You are invited to the MARAC of {meeting.held_on:%-d %B %Y}",
            )
    db.session.commit()


def chairs_of(area_id: uuid.UUID) -> list[User]:
    """Active users of the area who may chair a meeting."""
    users = db.session.scalars(
        select(User)
        .join(Agency, Agency.id == User.agency_id)
        .join(UserRole, UserRole.user_id == User.id)
        .where(Agency.area_id == area_id, UserRole.role == Role.CHAIR)
        .distinct()
    )
    return sorted((u for u in users if u.is_active), key=lambda u: u.full_name)


def move_item(meeting: Meeting, case_id: uuid.UUID, *, by: User, step: int) -> None:
    """The coordinator moves one case up (-1) or down (+1) the agenda; commits."""
    _coordinator_of(by, meeting.area_id)
    if meeting.status not in (MeetingStatus.PLANNED, MeetingStatus.AGENDA_RELEASED):
        raise NotAllowed
    items = list(meeting.items)
    index = next((n for n, i in enumerate(items) if i.case_id == case_id), None)
    if index is None:
        raise NotAllowed
    other = index + step
    if 0 <= other < len(items):
        items[index], items[other] = items[other], items[index]
        for position, item in enumerate(items, start=1):
            item.position = position
        meeting.items = items
        record_event(
            "meeting.agenda_reorder",
            object_type="meeting",
            object_id=meeting.id,
            fields=("agenda",),
        )
    db.session.commit()


def invite_core_members(meeting: Meeting) -> None:
    have = {i.agency_id for i in meeting.invites}
    agencies = db.session.scalars(select(Agency).where(Agency.area_id == meeting.area_id))
    for agency in agencies:
        if agency.may_hold_accounts and agency.id not in have:
            meeting.invites.append(MeetingInvite(agency_id=agency.id))


def was_heard(case_id: uuid.UUID) -> bool:
    """Whether any meeting has recorded its discussion of the case (for ``cases.lifecycle``)."""
    heard = db.session.scalar(
        select(AgendaItem.id)
        .where(
            AgendaItem.case_id == case_id,
            AgendaItem.heard_at.is_not(None),
            or_(AgendaItem.outcome.is_(None), AgendaItem.outcome.not_in(NOT_HEARD_OUTCOMES)),
        )
        .limit(1)
    )
    return heard is not None


def hearings_of(case: Case) -> list[Hearing]:
    """The meetings the case was on, oldest first, with the outcome and the actions agreed
    there (for the case page, through ``cases.services.hearings_of``)."""
    rows = db.session.execute(
        select(AgendaItem, Meeting)
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .where(AgendaItem.case_id == case.id)
        .options(selectinload(Meeting.area))
        .order_by(Meeting.held_on, Meeting.created_at)
    ).all()
    counts: dict[uuid.UUID, tuple[int, int]] = {}
    for meeting_id, status, number in db.session.execute(
        select(Action.meeting_id, Action.status, func.count())
        .where(Action.case_id == case.id, Action.meeting_id.is_not(None))
        .group_by(Action.meeting_id, Action.status)
    ):
        total, still_open = counts.get(meeting_id, (0, 0))
        counts[meeting_id] = (
            total + number,
            still_open + (number if status == ActionStatus.OPEN else 0),
        )
    found = []
    for item, meeting in rows:
        if item.outcome in NOT_HEARD_OUTCOMES:
            outcome = AgendaOutcome(item.outcome).label
        elif item.heard_at is not None:
            risk = f": {item.agreed_risk} risk agreed" if item.agreed_risk else ""
            outcome = f"Heard{risk}"
        elif meeting.status not in (
            MeetingStatus.PLANNED,
            MeetingStatus.AGENDA_RELEASED,
            MeetingStatus.IN_SESSION,
        ):
            outcome = "Not heard"
        else:
            outcome = "On the agenda"
        total, still_open = counts.get(meeting.id, (0, 0))
        found.append(
            Hearing(meeting.id, meeting.title, meeting.held_on, outcome, total, still_open)
        )
    return found


def next_meeting_cases(area_id: uuid.UUID, on: date) -> Select[tuple[uuid.UUID]]:
    """The cases on the agenda of the area's next meeting not yet over (held on ``on`` or later)."""
    upcoming = (MeetingStatus.PLANNED, MeetingStatus.AGENDA_RELEASED, MeetingStatus.IN_SESSION)
    next_meeting = (
        select(Meeting.id)
        .where(Meeting.area_id == area_id, Meeting.status.in_(upcoming), Meeting.held_on >= on)
        .order_by(Meeting.held_on, Meeting.created_at)
        .limit(1)
        .scalar_subquery()
    )
    return select(AgendaItem.case_id).where(AgendaItem.meeting_id == next_meeting)


def next_hearings(case_ids: Collection[uuid.UUID], on: date) -> dict[uuid.UUID, date]:
    """For each case on the agenda of a meeting not yet over, that meeting's date
    (the earliest, held on ``on`` or later): for ``idva.services.next_hearings``."""
    if not case_ids:
        return {}
    upcoming = (MeetingStatus.PLANNED, MeetingStatus.AGENDA_RELEASED, MeetingStatus.IN_SESSION)
    rows = db.session.execute(
        select(AgendaItem.case_id, func.min(Meeting.held_on))
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .where(
            AgendaItem.case_id.in_(list(case_ids)),
            Meeting.status.in_(upcoming),
            Meeting.held_on >= on,
        )
        .group_by(AgendaItem.case_id)
    )
    return {case_id: held_on for case_id, held_on in rows}


def titles_of(meeting_ids: Collection[uuid.UUID]) -> list[tuple[uuid.UUID, str]]:
    """Each meeting's title, newest first (for ``actions.services.meeting_titles``).

    The caller has already limited the ids to meetings of actions it may follow.
    """
    # Columns, not meetings: a meeting brings its invites and agenda (and each
    # item its case) with it, thousands of rows for an area's action tracker.
    rows = db.session.execute(
        select(Meeting.id, Area.name, Meeting.held_on)
        .join(Area, Area.id == Meeting.area_id)
        .where(Meeting.id.in_(list(meeting_ids)))
        .order_by(Meeting.held_on.desc(), Meeting.id)
    )
    return [(meeting_id, meeting_title(area, held_on)) for meeting_id, area, held_on in rows]


def visible_meetings(actor: User) -> list[Meeting]:
    """Coordinators and chairs: their area's meetings; others: released ones they are invited to."""
    query = select(Meeting).where(policy.meeting_filter(actor)).order_by(Meeting.held_on.desc())
    return list(db.session.scalars(query))


@dataclass(frozen=True)
class AgendaCandidate:
    """A case waiting for a meeting's agenda (an accepted referral), and how it ranks."""

    case_id: uuid.UUID
    referral_id: uuid.UUID | None
    is_repeat: bool
    yes_count: int
    submitted_on: date
    deferred_from_id: uuid.UUID | None = None
    """The agenda item of an earlier meeting that deferred the case to this one."""


agenda_sources: Hook[Callable[[Meeting], list[AgendaCandidate]]] = Hook("meetings.agenda_sources")
"""Each lists the cases waiting for a meeting. Referrals plug in (they stand above meetings)."""


def build_agenda(meeting: Meeting) -> None:
    """Add every accepted referral for this meeting, and every case deferred to it.

    Repeats come first, then cases deferred from an earlier meeting (they have
    waited a meeting already), then by score. The order is set again only when
    new cases join, so a coordinator's own ordering holds until then.
    """
    on_agenda = {item.case_id: item for item in meeting.items}
    candidates = [c for source in agenda_sources.items() for c in source(meeting)]
    for candidate in candidates:
        if candidate.case_id in on_agenda:
            # Referred again as well as deferred: one item, which says it was deferred.
            known = on_agenda[candidate.case_id]
            if candidate.deferred_from_id and known.deferred_from_id is None:
                known.deferred_from_id = candidate.deferred_from_id
            continue
        transfer = db.session.scalar(
            select(CaseTransfer)
            .where(CaseTransfer.case_id == candidate.case_id)
            .order_by(CaseTransfer.transferred_at.desc())
            .limit(1)
        )
        item = AgendaItem(
            case_id=candidate.case_id,
            referral_id=candidate.referral_id,
            position=0,
            is_repeat=candidate.is_repeat,
            from_area=transfer.from_area.name if transfer is not None else None,
            deferred_from_id=candidate.deferred_from_id,
        )
        meeting.items.append(item)
        on_agenda[candidate.case_id] = item
    if all(item.position for item in meeting.items):
        return
    scores: dict[uuid.UUID, tuple[int, date]] = {}
    for c in candidates:
        scores.setdefault(c.case_id, (c.yes_count, c.submitted_on))
    ordered = sorted(
        meeting.items,
        key=lambda item: (
            not item.is_repeat,
            item.deferred_from_id is None,
            -scores.get(item.case_id, (0, date.min))[0],
            scores.get(item.case_id, (0, date.max))[1],
        ),
    )
    for position, item in enumerate(ordered, start=1):
        item.position = position
    meeting.items = ordered
    db.session.flush()


def agenda_waiting(meeting: Meeting) -> int:
    """Accepted referrals for this meeting whose case is not on its agenda yet."""
    on_agenda = {item.case_id for item in meeting.items}
    waiting = {c.case_id for source in agenda_sources.items() for c in source(meeting)}
    return len(waiting - on_agenda)


def refresh_agenda(meeting: Meeting, *, by: User) -> None:
    """The coordinator puts the accepted referrals on the planned agenda; commits.

    Releasing the agenda does this too; before then the coordinator asks for it
    (a page view never changes the agenda).
    """
    _coordinator_of(by, meeting.area_id)
    if meeting.status != MeetingStatus.PLANNED:
        raise NotAllowed("meeting", meeting.id, purpose="agenda already released")
    build_agenda(meeting)
    record_event(
        "meeting.agenda_build", object_type="meeting", object_id=meeting.id, fields=("agenda",)
    )
    db.session.commit()


def record_view(meeting: Meeting, *, action: str = "meeting.view", by: User | None = None) -> None:
    """Record that the signed-in user read the agenda (``meeting.agenda_print``: printed it).

    A printed agenda leaves the system on paper: it goes in the disclosure register.
    """
    record_event(action, object_type="meeting", object_id=meeting.id, fields=("agenda",))
    if action == "meeting.agenda_print" and by is not None:
        record_disclosure(
            DisclosureKind.AGENDA_PRINTED,
            by=by,
            object_type="meeting",
            object_id=meeting.id,
            area_id=meeting.area_id,
            to_user=by,
            purpose=f"Agenda of the MARAC of {meeting.held_on:%-d %B %Y} printed",
        )
    db.session.commit()


def release_agenda(meeting: Meeting, *, by: User) -> None:
    """Open the agenda's cases to the invited agencies and tell them."""
    if not policy.may_release_agenda(by, meeting):
        raise NotAllowed("meeting", meeting.id, purpose="release refused")
    build_agenda(meeting)
    meeting.status = MeetingStatus.AGENDA_RELEASED
    record_event(
        "meeting.release_agenda",
        object_type="meeting",
        object_id=meeting.id,
        fields=("status", "agenda"),
        recipient=",".join(sorted(str(i.agency_id) for i in meeting.invites)),
    )
    for invite in meeting.invites:
        record_disclosure(
            DisclosureKind.AGENDA_RELEASED,
            by=by,
            object_type="meeting",
            object_id=meeting.id,
            area_id=meeting.area_id,
            to_agency=invite.agency,
            purpose=f"Agenda of the MARAC of {meeting.held_on:%-d %B %Y}, for research",
        )
    for invite in meeting.invites:
        notify.to_agency(
            invite.agency_id,
            case=None,
            kind="meeting.agenda",
            text=f"Agenda released for the MARAC of {meeting.held_on:%-d %B %Y}",
        )
    db.session.commit()


def save_research(
    meeting: Meeting,
    case_id: uuid.UUID,
    *,
    by: User,
    no_information: bool,
    about_victim: str | None,
    about_perpetrator: str | None,
    about_children: str | None,
    answers: Mapping[str, str] | None = None,
) -> Research:
    """Create or replace the actor's agency section for this case; commits.

    ``answers`` are the answers to the questions of the actor's kind of agency
    (``meetings.questions``), by code; empty answers are left out.
    """
    if not policy.may_research(by, meeting, case_id):
        raise NotAllowed
    given = {code: value for code, value in (answers or {}).items() if value}
    problems = questions.answer_problems(by.agency.kind, given)
    if problems:
        raise ValueError(next(iter(problems.values())))
    if not no_information and not any((about_victim, about_perpetrator, about_children, given)):
        raise ValueError("Enter what your agency holds, or say it holds no information")
    research = db.session.scalar(
        select(Research).where(
            Research.meeting_id == meeting.id,
            Research.case_id == case_id,
            Research.agency_id == by.agency_id,
        )
    )
    if research is None:
        research = Research(
            meeting_id=meeting.id, case_id=case_id, agency_id=by.agency_id, author_id=by.id
        )
        db.session.add(research)
    research.author_id = by.id
    research.no_information = no_information
    research.about_victim = None if no_information else about_victim
    research.about_perpetrator = None if no_information else about_perpetrator
    research.about_children = None if no_information else about_children
    research.answers = None if no_information or not given else given
    db.session.flush()
    record_event(
        "research.save",
        object_type="research",
        object_id=research.id,
        fields=("no_information", "about_victim", "about_perpetrator", "about_children", "answers"),
        purpose=f"meeting {meeting.id} case {case_id}",
    )
    record_disclosure(
        DisclosureKind.RESEARCH_SHARED,
        by=by,
        object_type="research",
        object_id=research.id,
        case=db.session.get(Case, case_id),
        area_id=meeting.area_id,
        to_outside=f"The MARAC of {meeting.held_on:%-d %B %Y} (its invited agencies)",
        purpose=f"{by.agency.name}'s research for the meeting",
    )
    db.session.commit()
    return research


def record_research_view(meeting: Meeting, case_id: uuid.UUID) -> None:
    """Record that the signed-in user read the research on one agenda case; commits."""
    record_event(
        "research.view",
        object_type="marac_case",
        object_id=case_id,
        fields=("research",),
        purpose=f"meeting {meeting.id}",
    )
    db.session.commit()


def research_status(meeting: Meeting) -> dict[uuid.UUID, set[uuid.UUID]]:
    """For each case on the agenda, the agencies that have responded (one query)."""
    found: dict[uuid.UUID, set[uuid.UUID]] = {item.case_id: set() for item in meeting.items}
    rows = db.session.execute(
        select(Research.case_id, Research.agency_id).where(Research.meeting_id == meeting.id)
    )
    for case_id, agency_id in rows:
        found.setdefault(case_id, set()).add(agency_id)
    return found


def research_for(meeting: Meeting, case_id: uuid.UUID) -> list[Research]:
    return list(
        db.session.scalars(
            select(Research)
            .where(Research.meeting_id == meeting.id, Research.case_id == case_id)
            .options(selectinload(Research.agency))
        )
    )


def close_meeting(meeting: Meeting, *, by: User) -> None:
    """After the minutes, the coordinator closes the meeting: no more research or changes."""
    _coordinator_of(by, meeting.area_id)
    if meeting.status != MeetingStatus.MINUTED:
        raise NotAllowed
    meeting.status = MeetingStatus.CLOSED
    record_event("meeting.close", object_type="meeting", object_id=meeting.id, fields=("status",))
    db.session.commit()
