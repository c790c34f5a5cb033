"""The conference itself: the record of each case, the minutes and their distribution.

The chair takes the agenda one case at a time and records the discussion and
the agreed risk level (actions are added alongside, in ``emarac.actions``).
When every case has been heard the minutes are fixed, one per case, and
distributed to the people who attended for their agencies, never to anyone on
the case's "must not receive" list. Each distribution is a recorded disclosure.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from emarac.actions.models import Action
from emarac.agencies.models import User
from emarac.auditing import record_event
from emarac.cases.lifecycle import refresh_case_status
from emarac.cases.models import Case
from emarac.clock import utcnow
from emarac.disclosures.models import DisclosureKind
from emarac.disclosures.services import record_disclosure
from emarac.extensions import db
from emarac.meetings import attendance, services
from emarac.meetings.models import (
    AgendaItem,
    Attendance,
    Meeting,
    MeetingStatus,
    Minutes,
    MinutesDistribution,
)
from emarac.notifications import services as notify
from emarac.protocol import policy

RISK_LEVELS = ("standard", "medium", "high")

DISCLOSURE_PURPOSE = (
    "MARAC minutes shared under the information-sharing protocol "
    "(Crime and Disorder Act 1998 s.115) to protect a victim at high risk"
)


def record_discussion(
    meeting: Meeting, item: AgendaItem, *, by: User, discussion: str, agreed_risk: str
) -> None:
    """Record what the meeting said and the risk level it agreed for one case; commits."""
    if not policy.may_run_conference(by, meeting):
        raise services.NotAllowed
    if not discussion.strip():
        raise ValueError("Enter a summary of the discussion")
    if agreed_risk not in RISK_LEVELS:
        raise ValueError("Choose the risk level the meeting agreed")
    item.discussion = discussion.strip()
    item.agreed_risk = agreed_risk
    item.draft_discussion = None
    item.draft_risk = None
    item.draft_saved_at = None
    item.heard_at = utcnow()
    item.heard_by_id = by.id
    if meeting.status == MeetingStatus.AGENDA_RELEASED:
        meeting.status = MeetingStatus.IN_SESSION
    case = item.case
    case.risk_level = agreed_risk
    refresh_case_status(case)
    record_event(
        "conference.record",
        object_type="marac_case",
        object_id=case.id,
        fields=("discussion", "agreed_risk", "risk_level", "status"),
        purpose=f"conference of meeting {meeting.id}",
    )
    db.session.commit()


def save_draft(
    meeting: Meeting, item: AgendaItem, *, by: User, discussion: str, agreed_risk: str | None
) -> None:
    """Keep what the chair has typed for a case, before it is the meeting's decision; commits.

    Saved as they type, when they add an action and before they move to
    another case, so nothing typed is lost. Unchanged text writes nothing.
    """
    if not policy.may_run_conference(by, meeting):
        raise services.NotAllowed
    risk = agreed_risk if agreed_risk in RISK_LEVELS else None
    shown = item.decision_so_far()
    if (discussion, risk) == (shown[0] or "", shown[1]):
        return
    item.draft_discussion = discussion or None
    item.draft_risk = risk
    item.draft_saved_at = utcnow()
    record_event(
        "conference.draft",
        object_type="marac_case",
        object_id=item.case_id,
        fields=("discussion", "agreed_risk"),
        purpose=f"conference of meeting {meeting.id}",
    )
    db.session.commit()


def open_case(meeting: Meeting, case_id: uuid.UUID, *, by: User) -> bool:
    """Record what conference mode shows of one agenda case; commits.

    False (and the refusal recorded) for someone on the case's must-not-receive
    list: they stay in the meeting but its content about this case is withheld.
    """
    if policy.is_excluded(by, case_id):
        record_event(
            "access.denied",
            object_type="marac_case",
            object_id=case_id,
            purpose="must not receive: conference content withheld",
        )
        db.session.commit()
        return False
    record_event(
        "case.view",
        object_type="marac_case",
        object_id=case_id,
        fields=("reference", "victim", "perpetrators", "children", "research", "actions"),
        purpose=f"conference of meeting {meeting.id}",
    )
    db.session.commit()
    return True


@dataclass(frozen=True)
class Recipient:
    user: User
    excluded: bool


def distribution_list(register: list[Attendance], case_id: uuid.UUID) -> list[Recipient]:
    """Attendees who can still sign in, in register order, each marked if excluded.

    Excluded means on the case's "must not receive" list. Two queries, however
    many attended.
    """
    order = {a.user_id: n for n, a in enumerate(register)}
    users = sorted(
        (u for u in db.session.scalars(select(User).where(User.id.in_(order))) if u.is_active),
        key=lambda u: order[u.id],
    )
    excluded = policy.excluded_users(case_id, users)
    return [Recipient(user=u, excluded=u.id in excluded) for u in users]


def produce_minutes(meeting: Meeting, *, by: User) -> list[Minutes]:
    """Fix the minutes of every case heard and distribute them; the meeting is minuted.

    Refused until every case on the agenda has been heard.
    """
    if not policy.may_run_conference(by, meeting) or meeting.status != MeetingStatus.IN_SESSION:
        raise services.NotAllowed
    unheard = [item for item in meeting.items if item.heard_at is None]
    if unheard:
        raise ValueError(
            f"{len(unheard)} case{'s' if len(unheard) != 1 else ''} on the agenda "
            "not heard yet: record the discussion of every case first"
        )
    register = attendance.register_of(meeting)
    attending = sorted({a.agency.name for a in register})
    apologies = attendance.apologies_by_agency(meeting)
    produced = []
    for item in meeting.items:
        minutes = Minutes(
            meeting_id=meeting.id,
            case_id=item.case_id,
            produced_by_id=by.id,
            produced_at=utcnow(),
        )
        minutes.content = _content(meeting, item, attending) | {"apologies": apologies}
        db.session.add(minutes)
        db.session.flush()
        record_event(
            "minutes.produce",
            object_type="minutes",
            object_id=minutes.id,
            fields=("content",),
            purpose=f"meeting {meeting.id} case {item.case_id}",
        )
        _distribute(minutes, meeting, item.case, register, by=by)
        produced.append(minutes)
    meeting.status = MeetingStatus.MINUTED
    record_event("meeting.minuted", object_type="meeting", object_id=meeting.id, fields=("status",))
    db.session.commit()
    return produced


def _distribute(
    minutes: Minutes, meeting: Meeting, case: Case, register: list[Attendance], *, by: User
) -> None:
    for recipient in distribution_list(register, case.id):
        user = recipient.user
        if recipient.excluded:
            record_event(
                "minutes.withhold",
                object_type="minutes",
                object_id=minutes.id,
                recipient=f"user:{user.id} agency:{user.agency_id}",
                purpose="on the case's must-not-receive list",
            )
            continue
        minutes.distributions.append(
            MinutesDistribution(user_id=user.id, agency_id=user.agency_id, distributed_at=utcnow())
        )
        record_event(
            "minutes.distribute",
            object_type="minutes",
            object_id=minutes.id,
            fields=("content",),
            recipient=f"user:{user.id} agency:{user.agency_id}",
            purpose=DISCLOSURE_PURPOSE,
        )
        record_disclosure(
            DisclosureKind.MINUTES_SENT,
            by=by,
            object_type="minutes",
            object_id=minutes.id,
            case=case,
            to_user=user,
            purpose=f"Minutes of the MARAC of {meeting.held_on:%-d %B %Y}",
        )
        notify.to_users(
            [user],
            case=case,
            kind="minutes.distributed",
            text=f"Minutes of {case.reference} from the MARAC of {meeting.held_on:%-d %B %Y}",
        )


def _content(meeting: Meeting, item: AgendaItem, attending: list[str]) -> dict[str, Any]:
    """What the minutes say, fixed at the time they are produced."""
    case = db.session.scalars(
        select(Case)
        .where(Case.id == item.case_id)
        .options(selectinload(Case.victim), selectinload(Case.perpetrators))
    ).one()
    actions = db.session.scalars(
        select(Action)
        .where(Action.case_id == case.id, Action.meeting_id == meeting.id)
        .options(selectinload(Action.owner_agency))
        .order_by(Action.due_on)
    )
    return {
        "reference": case.reference,
        "meeting": meeting.title,
        "victim": case.victim.display_name,
        "perpetrators": [p.person.display_name for p in case.perpetrators],
        "repeat": item.is_repeat,
        "agreed_risk": item.agreed_risk,
        "discussion": item.discussion,
        "research": [
            {
                "agency": r.agency.name,
                "no_information": r.no_information,
                "victim": r.about_victim,
                "perpetrator": r.about_perpetrator,
                "children": r.about_children,
            }
            for r in services.research_for(meeting, case.id)
        ],
        "actions": [
            {"description": a.description, "owner": a.owner_agency.name, "due_on": str(a.due_on)}
            for a in actions
        ],
        "attending": attending,
    }


def minutes_for(meeting: Meeting) -> dict[uuid.UUID, Minutes]:
    rows = db.session.scalars(select(Minutes).where(Minutes.meeting_id == meeting.id))
    return {m.case_id: m for m in rows}


def record_minutes_read(
    minutes: Minutes, *, action: str = "minutes.view", by: User | None = None
) -> None:
    """Record that the signed-in user read (``minutes.print``: printed) the minutes; commits.

    Printed minutes leave the system on paper: they go in the disclosure register.
    """
    record_event(action, object_type="minutes", object_id=minutes.id, fields=("content",))
    if action == "minutes.print" and by is not None:
        record_disclosure(
            DisclosureKind.MINUTES_PRINTED,
            by=by,
            object_type="minutes",
            object_id=minutes.id,
            case=db.session.get(Case, minutes.case_id),
            to_user=by,
            purpose="Minutes printed",
        )
    db.session.commit()


def open_my_minutes(actor: User) -> list[Minutes]:
    """:func:`minutes_visible_to`, the listing recorded first (one commit, rows loaded after)."""
    record_event("minutes.list", object_type="minutes", fields=("reference",))
    db.session.commit()
    return minutes_visible_to(actor)


def minutes_visible_to(actor: User) -> list[Minutes]:
    """Minutes sent to the actor; coordinators and chairs also see their area's.

    Minutes of cases the actor must not receive are left out whatever the role.
    """

    query = (
        select(Minutes)
        .join(Meeting, Meeting.id == Minutes.meeting_id)
        .options(selectinload(Minutes.case), selectinload(Minutes.meeting))
    )
    query = query.where(policy.minutes_filter(actor))
    return list(db.session.scalars(query.order_by(Meeting.held_on.desc(), Minutes.produced_at)))
