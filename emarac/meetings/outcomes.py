"""How each case on a meeting's agenda ends: heard, deferred to the next meeting, or withdrawn.

Heard is what the conference records already (discussion, agreed risk,
actions: ``conference.record_discussion``). A deferred case is not heard: the
meeting ran out of time, or waited for an agency, and the case goes on the
area's next agenda when that agenda is built (``deferred_onto`` is one of
``services.agenda_sources``). A withdrawn case is not heard and goes nowhere.
Deferring and withdrawing need a reason, kept encrypted on the agenda item as
it may name people or what happened; the ledger records the ids and the
outcome only. The chair may change an outcome while the meeting is in session.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import exists, select
from sqlalchemy.orm import aliased

from emarac.agencies.models import User
from emarac.auditing import record_event
from emarac.cases.models import Case, CaseStatus
from emarac.clock import utcnow
from emarac.extensions import db
from emarac.meetings import conference, services
from emarac.meetings.models import AgendaItem, AgendaOutcome, Meeting, MeetingStatus
from emarac.protocol import policy

REASON_REQUIRED = {
    AgendaOutcome.DEFERRED: "Enter why the case is deferred to the next meeting",
    AgendaOutcome.WITHDRAWN: "Enter why the case is withdrawn",
}


def record_outcome(
    meeting: Meeting,
    item: AgendaItem,
    *,
    by: User,
    outcome: AgendaOutcome,
    discussion: str = "",
    agreed_risk: str = "",
    reason: str = "",
) -> None:
    """Record how the meeting ended one agenda case; commits.

    Heard takes the discussion and agreed risk; deferred and withdrawn take a
    reason. Refusals are ``ValueError`` with the message for the form: among
    them, changing a deferral the next agenda has already taken.
    """
    if item.outcome == AgendaOutcome.DEFERRED and outcome != AgendaOutcome.DEFERRED:
        carried = db.session.scalar(
            select(AgendaItem.id).where(AgendaItem.deferred_from_id == item.id).limit(1)
        )
        if carried is not None:
            raise ValueError(
                "The case is already on the next meeting's agenda: "
                "ask the coordinator to take it off before changing this"
            )
    if outcome == AgendaOutcome.HEARD:
        conference.record_discussion(
            meeting, item, by=by, discussion=discussion, agreed_risk=agreed_risk
        )
        return
    set_aside(meeting, item, by=by, outcome=outcome, reason=reason)


def set_aside(
    meeting: Meeting, item: AgendaItem, *, by: User, outcome: AgendaOutcome, reason: str
) -> None:
    """Defer or withdraw one agenda case, with the reason; commits.

    A case recorded as heard before keeps what was recorded as the draft, so
    turning it back to heard loses nothing typed; it stops counting as heard.
    """
    if not policy.may_run_conference(by, meeting):
        raise services.NotAllowed("meeting", meeting.id, purpose="outcome refused")
    if outcome not in REASON_REQUIRED:
        raise ValueError("Choose how the meeting ended this case")
    if not reason.strip():
        raise ValueError(REASON_REQUIRED[outcome])
    before = item.outcome
    fields = ["outcome", "outcome_reason"]
    if item.heard_at is not None:
        if item.draft_saved_at is None:
            item.draft_discussion = item.discussion
            item.draft_risk = item.agreed_risk
            item.draft_saved_at = utcnow()
        item.discussion = None
        item.agreed_risk = None
        item.heard_at = None
        item.heard_by_id = None
        fields += ["discussion", "agreed_risk"]
    item.outcome = outcome.value
    item.outcome_reason = reason.strip()
    if meeting.status == MeetingStatus.AGENDA_RELEASED:
        meeting.status = MeetingStatus.IN_SESSION
    case = item.case
    db.session.flush()
    if case.status in (CaseStatus.HEARD, CaseStatus.ACTIONS_OPEN) and not services.was_heard(
        case.id
    ):
        # Heard only here, and now not: back to waiting for a hearing.
        case.status = CaseStatus.REFERRED
        fields.append("status")
    record_event(
        "conference.outcome",
        object_type="marac_case",
        object_id=case.id,
        fields=tuple(fields),
        purpose=f"conference of meeting {meeting.id}: {outcome.value}"
        + (f" (was {before})" if before and before != outcome.value else ""),
    )
    db.session.commit()


def deferred_onto(meeting: Meeting) -> list[services.AgendaCandidate]:
    """Cases deferred at an earlier meeting of the area, waiting for this one's agenda.

    A deferral is carried once: not when the case has been on another agenda
    since (carried there, or referred again), nor once the case is closed or
    has moved to another area.
    """
    earlier = aliased(Meeting, name="earlier")
    later_item, later = aliased(AgendaItem, name="later_item"), aliased(Meeting, name="later")
    since = exists(
        select(later_item.id)
        .join(later, later.id == later_item.meeting_id)
        .where(
            later_item.case_id == AgendaItem.case_id,
            later_item.id != AgendaItem.id,
            later_item.meeting_id != meeting.id,
            later.held_on >= earlier.held_on,
        )
    )
    rows = db.session.execute(
        select(AgendaItem.id, AgendaItem.case_id, AgendaItem.referral_id, AgendaItem.is_repeat)
        .add_columns(earlier.held_on)
        .join(earlier, earlier.id == AgendaItem.meeting_id)
        .join(Case, Case.id == AgendaItem.case_id)
        .where(
            AgendaItem.outcome == AgendaOutcome.DEFERRED.value,
            earlier.area_id == meeting.area_id,
            earlier.id != meeting.id,
            earlier.held_on <= meeting.held_on,
            Case.area_id == meeting.area_id,
            Case.status != CaseStatus.CLOSED,
            ~since,
        )
        .order_by(earlier.held_on, AgendaItem.position)
    )
    return [
        services.AgendaCandidate(
            case_id=case_id,
            referral_id=referral_id,
            is_repeat=is_repeat,
            yes_count=0,
            submitted_on=held_on,
            deferred_from_id=item_id,
        )
        for item_id, case_id, referral_id, is_repeat, held_on in rows
    ]


@dataclass(frozen=True)
class Carried:
    """Where an agenda case was deferred from; the reason only for those who may read it."""

    held_on: date
    reason: str | None


def carried_onto(
    meeting: Meeting, *, by: User, case_id: uuid.UUID | None = None
) -> dict[uuid.UUID, Carried]:
    """For each case on the agenda (or the one case) deferred from an earlier meeting:
    when, and why.

    The reason is case content: shown (and its reading recorded; commits) only
    to someone the policy lets read it. One query however long the agenda.
    """
    carried_ids = {
        i.deferred_from_id: i
        for i in meeting.items
        if i.deferred_from_id and case_id in (None, i.case_id)
    }
    if not carried_ids:
        return {}
    earlier = aliased(AgendaItem, name="earlier_item")
    rows = db.session.execute(
        select(earlier, Meeting.held_on)
        .join(Meeting, Meeting.id == earlier.meeting_id)
        .where(earlier.id.in_(list(carried_ids)))
    ).all()
    found: dict[uuid.UUID, Carried] = {}
    shown = []
    for from_item, held_on in rows:
        item = carried_ids[from_item.id]
        readable = policy.may_read_outcome_reason(by, item.case)
        found[item.case_id] = Carried(
            held_on=held_on, reason=from_item.outcome_reason if readable else None
        )
        if readable:
            shown.append(item.case_id)
    for case_id in shown:
        record_event(
            "case.view",
            object_type="marac_case",
            object_id=case_id,
            fields=("outcome_reason",),
            purpose=f"agenda of meeting {meeting.id}: deferred from an earlier meeting",
        )
    if shown:
        db.session.commit()
    return found


def outcome_of(item: AgendaItem) -> AgendaOutcome | None:
    """The item's outcome; an item heard before outcomes were recorded counts as heard."""
    if item.outcome is not None:
        return AgendaOutcome(item.outcome)
    return AgendaOutcome.HEARD if item.heard_at is not None else None
