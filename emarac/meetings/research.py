"""Research before the meeting: each agency's list of what is due, and chasing it.

An invited agency's users see the released meetings still to be held, the
cases on them and whether their agency has answered each. The coordinator
sees who has not answered, per case and per agency, and may remind an agency
of a meeting's outstanding research once a day: a second reminder the same
day sends nothing and says when the first went. Cases are named by reference
only here; nothing is decrypted.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from emarac.agencies.models import Agency, User
from emarac.auditing import record_event
from emarac.cases.models import Case, CaseExclusion
from emarac.clock import today, utcnow
from emarac.extensions import db
from emarac.meetings.models import (
    AgendaItem,
    Meeting,
    MeetingInvite,
    MeetingStatus,
    Research,
    ResearchChase,
)
from emarac.notifications import services as notify
from emarac.protocol import policy
from emarac.protocol.policy import NotAllowed

# Research is asked for once the agenda is released and taken until the meeting ends.
OPEN_FOR_RESEARCH = (MeetingStatus.AGENDA_RELEASED, MeetingStatus.IN_SESSION)


def barred(case_ids: list[uuid.UUID]) -> set[tuple[uuid.UUID, uuid.UUID]]:
    """(case, agency) pairs where the whole agency is on the case's "must not receive" list.

    Such an agency cannot research the case, so it is never counted as owing it; one query.
    """
    if not case_ids:
        return set()
    return {
        (case_id, agency_id)
        for case_id, agency_id in db.session.execute(
            select(CaseExclusion.case_id, CaseExclusion.agency_id).where(
                CaseExclusion.case_id.in_(case_ids), CaseExclusion.agency_id.is_not(None)
            )
        )
    }


@dataclass(frozen=True)
class DueCase:
    case_id: uuid.UUID
    reference: str
    position: int
    is_repeat: bool
    answered: bool


@dataclass(frozen=True)
class DueMeeting:
    meeting_id: uuid.UUID
    title: str
    held_on: date
    cases: tuple[DueCase, ...]

    @property
    def outstanding(self) -> int:
        return sum(not c.answered for c in self.cases)


def research_due(actor: User) -> list[DueMeeting]:
    """Meetings open for research that invite the actor's agency, with its answers per case.

    Three queries whatever the number of meetings and cases. Cases the actor
    must not receive (the case's exclusion list) are left out.
    """
    if not policy.does_research(actor):
        raise NotAllowed("meeting", purpose="research list refused")
    on = today()
    meetings = list(
        db.session.scalars(
            select(Meeting)
            .join(MeetingInvite, MeetingInvite.meeting_id == Meeting.id)
            .where(
                MeetingInvite.agency_id == actor.agency_id,
                Meeting.status.in_(OPEN_FOR_RESEARCH),
                Meeting.held_on >= on,
            )
            .order_by(Meeting.held_on, Meeting.id)
        )
    )
    ids = [m.id for m in meetings]
    if not ids:
        return []
    excluded = select(CaseExclusion.case_id).where(policy.excluded_clause(actor, CaseExclusion))
    rows = db.session.execute(
        select(
            AgendaItem.meeting_id,
            AgendaItem.case_id,
            Case.reference,
            AgendaItem.position,
            AgendaItem.is_repeat,
        )
        .join(Case, Case.id == AgendaItem.case_id)
        .where(AgendaItem.meeting_id.in_(ids), AgendaItem.case_id.not_in(excluded))
        .order_by(AgendaItem.position)
    ).all()
    answered = {
        (meeting_id, case_id)
        for meeting_id, case_id in db.session.execute(
            select(Research.meeting_id, Research.case_id).where(
                Research.meeting_id.in_(ids), Research.agency_id == actor.agency_id
            )
        )
    }
    by_meeting: dict[uuid.UUID, list[DueCase]] = {m: [] for m in ids}
    for meeting_id, case_id, reference, position, is_repeat in rows:
        by_meeting[meeting_id].append(
            DueCase(case_id, reference, position, is_repeat, (meeting_id, case_id) in answered)
        )
    return [
        DueMeeting(m.id, m.title, m.held_on, tuple(by_meeting[m.id]))
        for m in meetings
        if by_meeting[m.id]
    ]


@dataclass(frozen=True)
class AgencyOutstanding:
    """One invited agency and the agenda cases it has not researched."""

    agency_id: uuid.UUID
    name: str
    outstanding: tuple[str, ...]  # case references, in agenda order
    answered: int
    last_chased_at: datetime | None
    chased_today: bool


def outstanding_by_agency(meeting: Meeting) -> list[AgencyOutstanding]:
    """Every invited agency with the cases it has not answered and when it was last chased.

    Agencies with nothing outstanding are listed too (with no references), so
    the coordinator sees the whole picture; three queries.
    """
    agencies = db.session.execute(
        select(Agency.id, Agency.name)
        .join(MeetingInvite, MeetingInvite.agency_id == Agency.id)
        .where(MeetingInvite.meeting_id == meeting.id)
        .order_by(Agency.name)
    ).all()
    answered: dict[uuid.UUID, set[uuid.UUID]] = {}
    for case_id, agency_id in db.session.execute(
        select(Research.case_id, Research.agency_id).where(Research.meeting_id == meeting.id)
    ):
        answered.setdefault(agency_id, set()).add(case_id)
    chased: dict[uuid.UUID, datetime] = {}
    for agency_id, at in db.session.execute(
        select(ResearchChase.agency_id, ResearchChase.chased_at)
        .where(ResearchChase.meeting_id == meeting.id)
        .order_by(ResearchChase.chased_at)
    ):
        chased[agency_id] = at
    on = today()
    items = list(meeting.items)
    excluded = barred([i.case_id for i in items])
    return [
        AgencyOutstanding(
            agency_id=agency_id,
            name=name,
            outstanding=tuple(
                i.case.reference
                for i in items
                if i.case_id not in answered.get(agency_id, set())
                and (i.case_id, agency_id) not in excluded
            ),
            answered=len(answered.get(agency_id, set())),
            last_chased_at=chased.get(agency_id),
            chased_today=agency_id in chased and _day_of(chased[agency_id]) == on,
        )
        for agency_id, name in agencies
    ]


def _day_of(moment: datetime) -> date:
    return moment.date()


@dataclass(frozen=True)
class Chase:
    """What a press of "Chase" did: ``sent`` False means it had already gone today."""

    agency_name: str
    sent: bool
    chased_at: datetime
    cases_outstanding: int


def chase_agency(meeting: Meeting, agency_id: uuid.UUID, *, by: User) -> Chase:
    """The coordinator reminds an invited agency of its outstanding research; commits.

    Once per agency per meeting per day: a second call the same day sends no
    notice and answers with the first reminder's time. An agency with nothing
    outstanding is not chased (``ValueError``).
    """
    if not policy.may_chase_research(by, meeting):
        raise NotAllowed("meeting", meeting.id, purpose="chase refused")
    invite = next((i for i in meeting.invites if i.agency_id == agency_id), None)
    if invite is None:
        raise NotAllowed("agency", agency_id, purpose="not invited")
    on = today()
    earlier = db.session.scalar(
        select(ResearchChase).where(
            ResearchChase.meeting_id == meeting.id,
            ResearchChase.agency_id == agency_id,
            ResearchChase.chased_on == on,
        )
    )
    if earlier is not None:
        return Chase(invite.agency.name, False, earlier.chased_at, earlier.cases_outstanding)
    answered = set(
        db.session.scalars(
            select(Research.case_id).where(
                Research.meeting_id == meeting.id, Research.agency_id == agency_id
            )
        )
    )
    excluded = barred([item.case_id for item in meeting.items])
    outstanding = sum(
        item.case_id not in answered and (item.case_id, agency_id) not in excluded
        for item in meeting.items
    )
    if not outstanding:
        raise ValueError(f"{invite.agency.name} has sent research on every case")
    now = utcnow()
    try:
        # Two presses at the same moment: the unique key lets one through.
        with db.session.begin_nested():
            db.session.add(
                ResearchChase(
                    meeting_id=meeting.id,
                    agency_id=agency_id,
                    chased_on=on,
                    chased_at=now,
                    chased_by_id=by.id,
                    cases_outstanding=outstanding,
                )
            )
    except IntegrityError:
        return Chase(invite.agency.name, False, now, outstanding)
    cases = "case" if outstanding == 1 else "cases"
    notify.to_agency(
        agency_id,
        case=None,
        kind="research.chase",
        text=(
            f"Research is still due from your agency on {outstanding} {cases} "
            f"for the MARAC of {meeting.held_on:%-d %B %Y}"
        ),
    )
    record_event(
        "research.chase",
        object_type="meeting",
        object_id=meeting.id,
        fields=("research",),
        recipient=str(agency_id),
        purpose=f"{outstanding} {cases} outstanding",
    )
    db.session.commit()
    return Chase(invite.agency.name, True, now, outstanding)
