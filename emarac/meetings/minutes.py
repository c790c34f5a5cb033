"""The minutes after the conference: a draft, the chair's approval, sending, corrections.

1. When every case has its outcome (heard, deferred or withdrawn), a
   coordinator of the area makes the draft: one set of minutes per case,
   built from the conference record. Until the
   chair approves it only the area's coordinators and chairs can read it (the
   policy's ``may_read_minutes``: nobody else has it sent to them yet).
2. The coordinator edits each case's discussion in the draft. A chair of the
   area approves the draft (who and when are kept on every case's minutes) or
   returns it with a comment.
3. After approval the coordinator sees who the minutes will go to, in numbers
   and agency names, and confirms. They go to the people who attended for their
   agencies, never to anyone on the case's must-not-receive list; each copy is
   a disclosure in the register and the ledger.
4. A correction of sent minutes makes a new version of that case's minutes (the
   one replaced is kept whole) and sends it to everyone who had the earlier one,
   with the change marked (``minutes_changes``), checking the must-not-receive
   list again.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from emarac.agencies.models import User
from emarac.auditing import record_event
from emarac.cases.models import Case
from emarac.clock import utcnow
from emarac.disclosures.models import DisclosureKind
from emarac.disclosures.services import record_disclosure
from emarac.extensions import db
from emarac.meetings import attendance, conference, services
from emarac.meetings.minutes_changes import Changes, compare
from emarac.meetings.models import (
    Meeting,
    MeetingStatus,
    Minutes,
    MinutesDistribution,
    MinutesVersion,
)
from emarac.notifications import services as notify
from emarac.protocol import policy
from emarac.protocol.policy import NotAllowed

MAX_TEXT = 20_000
MAX_REASON = 1_000


class Invalid(ValueError):
    """Input the service refuses; ``field`` names the form field it belongs to."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def of_meeting(meeting: Meeting) -> list[Minutes]:
    """The meeting's minutes, in agenda order."""
    order = {item.case_id: item.position for item in meeting.items}
    rows = db.session.scalars(select(Minutes).where(Minutes.meeting_id == meeting.id))
    return sorted(rows, key=lambda m: order.get(m.case_id, 0))


# --- 1. the draft ---------------------------------------------------------------


def draft(meeting: Meeting, *, by: User) -> list[Minutes]:
    """Draft the minutes of every case on the agenda; the meeting is "minutes drafted"; commits.

    Refused until the meeting has decided every case: heard, deferred or
    withdrawn (a deferred or withdrawn case's minutes say so). Nothing is sent.
    """
    if not policy.may_draft_minutes(by, meeting):
        raise NotAllowed("meeting", meeting.id, purpose="minutes draft refused")
    unheard = [item for item in meeting.items if not item.is_decided]
    if unheard:
        raise ValueError(
            f"{len(unheard)} case{'s' if len(unheard) != 1 else ''} on the agenda "
            "not heard yet: record each case as heard, deferred or withdrawn first"
        )
    register = attendance.register_of(meeting)
    attending = sorted({a.agency.name for a in register})
    apologies = attendance.apologies_by_agency(meeting)
    made = []
    now = utcnow()
    for item in meeting.items:
        minutes = Minutes(
            meeting_id=meeting.id, case_id=item.case_id, produced_by_id=by.id, produced_at=now
        )
        minutes.content = conference.minutes_content(meeting, item, attending) | {
            "apologies": apologies
        }
        db.session.add(minutes)
        db.session.flush()
        record_event(
            "minutes.draft",
            object_type="minutes",
            object_id=minutes.id,
            fields=("content",),
            purpose=f"meeting {meeting.id} case {item.case_id}",
        )
        made.append(minutes)
    meeting.status = MeetingStatus.MINUTES_DRAFTED
    record_event(
        "meeting.minutes_drafted", object_type="meeting", object_id=meeting.id, fields=("status",)
    )
    db.session.commit()
    return made


def edit_draft(minutes: Minutes, *, by: User, discussion: str) -> None:
    """Change the discussion in one case's draft minutes; commits. Unchanged text writes nothing."""
    if not policy.may_edit_draft_minutes(by, minutes):
        raise NotAllowed("minutes", minutes.id, purpose="draft edit refused")
    text = _text(discussion, field="discussion", empty="Enter the discussion for the minutes")
    content = dict(minutes.content or {})
    if content.get("discussion") == text:
        return
    content["discussion"] = text
    minutes.content = content
    record_event(
        "minutes.edit",
        object_type="minutes",
        object_id=minutes.id,
        fields=("discussion",),
        purpose=f"draft minutes of meeting {minutes.meeting_id}",
    )
    db.session.commit()


# --- 2. approval ---------------------------------------------------------------


def approve(meeting: Meeting, *, by: User) -> None:
    """The chair approves the draft: who and when on every case's minutes; commits."""
    if not policy.may_approve_minutes(by, meeting):
        raise NotAllowed("meeting", meeting.id, purpose="minutes approval refused")
    now = utcnow()
    for minutes in of_meeting(meeting):
        minutes.approved_by_id = by.id
        minutes.approved_at = now
        record_event(
            "minutes.approve",
            object_type="minutes",
            object_id=minutes.id,
            fields=("approved_by", "approved_at"),
            purpose=f"meeting {meeting.id}",
        )
    meeting.status = MeetingStatus.MINUTES_APPROVED
    record_event(
        "meeting.minutes_approved", object_type="meeting", object_id=meeting.id, fields=("status",)
    )
    db.session.commit()


def return_draft(meeting: Meeting, *, by: User, comment: str) -> None:
    """The chair returns the draft to the coordinator with a comment; it stays a draft; commits."""
    if not policy.may_approve_minutes(by, meeting):
        raise NotAllowed("meeting", meeting.id, purpose="minutes return refused")
    text = _text(
        comment, field="comment", empty="Enter what the coordinator should change", limit=MAX_REASON
    )
    now = utcnow()
    for minutes in of_meeting(meeting):
        minutes.return_comment = text
        minutes.returned_by_id = by.id
        minutes.returned_at = now
    record_event(
        "minutes.return",
        object_type="meeting",
        object_id=meeting.id,
        fields=("return_comment",),
        purpose="draft minutes returned to the coordinator",
    )
    db.session.commit()


def return_comment(meeting: Meeting) -> tuple[str, Any] | None:
    """The chair's latest comment on the draft and when it was made, if it was returned."""
    found = [(m.returned_at, m) for m in of_meeting(meeting) if m.returned_at is not None]
    if not found:
        return None
    at, latest = max(found, key=lambda pair: pair[0])
    return latest.return_comment or "", at


# --- 3. sending ----------------------------------------------------------------


@dataclass(frozen=True)
class SendPlan:
    """Who the minutes will go to, in numbers and agency names only."""

    cases: int
    people: int
    agencies: tuple[str, ...]
    withheld: int

    @property
    def sentence(self) -> str:
        cases = f"{self.cases} case{'s' if self.cases != 1 else ''}"
        people = f"{self.people} {'person' if self.people == 1 else 'people'}"
        agencies = f"{len(self.agencies)} agenc{'y' if len(self.agencies) == 1 else 'ies'}"
        return f"You are about to send the minutes of {cases} to {people} in {agencies}."


def send_plan(meeting: Meeting, *, by: User) -> SendPlan:
    """What sending would do, for the confirmation page; refused as sending would be."""
    if not policy.may_send_minutes(by, meeting):
        raise NotAllowed("meeting", meeting.id, purpose="minutes sending refused")
    register = services.register_of(meeting)
    people: set[uuid.UUID] = set()
    agencies: set[str] = set()
    withheld = 0
    found = of_meeting(meeting)
    for minutes in found:
        for recipient in conference.distribution_list(register, minutes.case_id):
            if recipient.excluded:
                withheld += 1
                continue
            people.add(recipient.user.id)
            agencies.add(recipient.user.agency.name)
    return SendPlan(len(found), len(people), tuple(sorted(agencies)), withheld)


def send(meeting: Meeting, *, by: User) -> list[Minutes]:
    """Send the approved minutes to the attendees; the meeting is minuted; commits."""
    if not policy.may_send_minutes(by, meeting):
        raise NotAllowed("meeting", meeting.id, purpose="minutes sending refused")
    register = services.register_of(meeting)
    sent = of_meeting(meeting)
    for minutes in sent:
        _send_to(minutes, meeting, conference.distribution_list(register, minutes.case_id), by=by)
    meeting.status = MeetingStatus.MINUTED
    record_event("meeting.minuted", object_type="meeting", object_id=meeting.id, fields=("status",))
    db.session.commit()
    return sent


def _send_to(
    minutes: Minutes, meeting: Meeting, recipients: list[conference.Recipient], *, by: User
) -> None:
    """Send the version ``minutes`` holds: a disclosure per recipient; withheld ones recorded."""
    case = db.session.get(Case, minutes.case_id)
    now = utcnow()
    corrected = minutes.version > 1
    held = {d.user_id: d for d in minutes.distributions}
    for recipient in recipients:
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
        row = held.get(user.id)
        if row is None:
            minutes.distributions.append(
                MinutesDistribution(
                    user_id=user.id,
                    agency_id=user.agency_id,
                    distributed_at=now,
                    version=minutes.version,
                )
            )
        else:
            row.distributed_at, row.version = now, minutes.version
        record_event(
            "minutes.distribute",
            object_type="minutes",
            object_id=minutes.id,
            fields=("content",),
            recipient=f"user:{user.id} agency:{user.agency_id}",
            purpose=conference.DISCLOSURE_PURPOSE,
        )
        on = f"{meeting.held_on:%-d %B %Y}"
        record_disclosure(
            DisclosureKind.MINUTES_SENT,
            by=by,
            object_type="minutes",
            object_id=minutes.id,
            case=case,
            to_user=user,
            purpose=f"Corrected minutes (version {minutes.version}) of the MARAC of {on}"
            if corrected
            else f"Minutes of the MARAC of {on}",
        )
        reference = case.reference if case is not None else "a case"
        notify.to_users(
            [user],
            case=case,
            kind="minutes.distributed",
            text=f"Corrected minutes (version {minutes.version}) of {reference} "
            f"from the MARAC of {on}"
            if corrected
            else f"Minutes of {reference} from the MARAC of {on}",
        )
    minutes.distributed_at = now


# --- 4. corrections ------------------------------------------------------------


def correct(minutes: Minutes, *, by: User, discussion: str, reason: str) -> None:
    """Make the next version of sent minutes and send it to those who had them; commits."""
    if not policy.may_correct_minutes(by, minutes):
        raise NotAllowed("minutes", minutes.id, purpose="correction refused")
    text = _text(discussion, field="discussion", empty="Enter the corrected discussion")
    why = _text(
        reason, field="reason", empty="Enter why the minutes are being corrected", limit=MAX_REASON
    )
    content = dict(minutes.content or {})
    if content.get("discussion") == text:
        raise Invalid("discussion", "Change the discussion to correct the minutes")
    kept = MinutesVersion(
        number=minutes.version,
        made_by_id=minutes.corrected_by_id or minutes.produced_by_id,
        made_at=minutes.corrected_at or minutes.produced_at,
        distributed_at=minutes.distributed_at,
    )
    minutes.earlier.append(kept)
    db.session.flush()  # the kept version's id binds its ciphertexts
    kept.content = minutes.content
    kept.reason = minutes.correction_reason
    content["discussion"] = text
    minutes.content = content
    minutes.version += 1
    minutes.corrected_by_id = by.id
    minutes.corrected_at = utcnow()
    minutes.correction_reason = why
    record_event(
        "minutes.correct",
        object_type="minutes",
        object_id=minutes.id,
        fields=("discussion", "version", "correction_reason"),
        purpose=f"version {minutes.version}",
    )
    # The same people as before, each checked again against the must-not-receive
    # list (an entry may have been added since) and for a usable account.
    earlier = [d.user_id for d in minutes.distributions]
    users = [u for u in db.session.scalars(select(User).where(User.id.in_(earlier))) if u.is_active]
    users.sort(key=lambda u: earlier.index(u.id))
    excluded = policy.excluded_users(minutes.case_id, users)
    recipients = [conference.Recipient(user=u, excluded=u.id in excluded) for u in users]
    _send_to(minutes, minutes.meeting, recipients, by=by)
    db.session.commit()


# --- reading ---------------------------------------------------------------------


@dataclass(frozen=True)
class VersionShown:
    """One version of a case's minutes as a reader sees it."""

    number: int
    content: dict[str, Any]
    made_at: Any
    made_by: str | None
    reason: str | None
    distributed_at: Any
    is_latest: bool
    changes: Changes | None


def version_of(minutes: Minutes, number: int | None = None) -> VersionShown:
    """Version ``number`` (the latest when None), with what changed since the one before.

    A number the minutes never had raises ``NotAllowed`` (a 404, like any unknown id).
    """
    earlier = {v.number: v for v in minutes.earlier}
    latest = number is None or number == minutes.version
    if latest:
        content, reason = minutes.content or {}, minutes.correction_reason
        made_at = minutes.corrected_at or minutes.produced_at
        who = minutes.corrected_by if minutes.version > 1 else None
        distributed_at = minutes.distributed_at
        shown = minutes.version
    elif number in earlier:
        version = earlier[number]
        content, reason, made_at = version.content or {}, version.reason, version.made_at
        who = version.made_by if number > 1 else None
        distributed_at = version.distributed_at
        shown = number
    else:
        raise NotAllowed("minutes", minutes.id, purpose="no such version")
    before = earlier.get(shown - 1)
    changes = (
        compare((before.content or {}).get("discussion"), content.get("discussion"))
        if before is not None
        else None
    )
    return VersionShown(
        number=shown,
        content=content,
        made_at=made_at,
        made_by=who.full_name if who is not None else None,
        reason=reason,
        distributed_at=distributed_at,
        is_latest=latest,
        changes=changes,
    )


def record_read(minutes: Minutes, *, number: int | None = None) -> None:
    """Record that the signed-in user read the minutes (an earlier version: named); commits."""
    record_event(
        "minutes.view",
        object_type="minutes",
        object_id=minutes.id,
        fields=("content",),
        purpose=f"version {number}" if number is not None else None,
    )
    db.session.commit()


def _text(value: str | None, *, field: str, empty: str, limit: int = MAX_TEXT) -> str:
    text = (value or "").strip()
    if not text:
        raise Invalid(field, empty)
    if len(text) > limit:
        raise Invalid(field, f"Enter no more than {limit:,} characters")
    return text


@dataclass(frozen=True)
class Panel:
    """What the meeting page offers about its minutes to the signed-in user."""

    status: str
    may_draft: bool
    may_approve: bool
    may_send: bool
    returned: tuple[str, Any] | None


def panel_for(actor: User, meeting: Meeting) -> Panel:
    """The minutes buttons of the meeting page, and the chair's comment on a returned draft."""
    drafted = meeting.status == MeetingStatus.MINUTES_DRAFTED
    sees_comment = drafted and (
        policy.may_approve_minutes(actor, meeting)
        or policy.coordinates_area(actor, meeting.area_id)
    )
    return Panel(
        status=str(meeting.status),
        may_draft=policy.may_draft_minutes(actor, meeting),
        may_approve=policy.may_approve_minutes(actor, meeting),
        may_send=policy.may_send_minutes(actor, meeting),
        returned=return_comment(meeting) if sees_comment else None,
    )
