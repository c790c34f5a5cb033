"""Who is at a meeting: joining it (the confidentiality statement), the register, apologies.

People join a released meeting from its day on, or as many days before as the
area allows (``policy.join_opens_on``); joining is accepting the statement.
The coordinator and the chair see the register by invited agency (present,
apologies, no response) and record the apologies an agency sends. The warning
about key agencies counts only agencies with someone present.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from emarac.agencies.models import Agency, AgencyKind, User
from emarac.auditing import record_event
from emarac.clock import utcnow
from emarac.extensions import db
from emarac.meetings.models import Apology, Attendance, Meeting
from emarac.protocol import policy
from emarac.protocol.policy import NotAllowed

CONFIDENTIALITY_STATEMENT = (
    "Information shared at this meeting is confidential. It is shared to protect people at "
    "risk of serious harm, under the partnership's information-sharing protocol. I will use "
    "it only for that purpose, share it only with people in my agency who need it to act on "
    "this meeting's decisions, record it securely, and never pass it to the victim's abuser "
    "or to anyone acting for them."
)


def attendance_of(meeting: Meeting, user: User) -> Attendance | None:
    return db.session.scalar(
        select(Attendance).where(Attendance.meeting_id == meeting.id, Attendance.user_id == user.id)
    )


def join_opens_on(meeting: Meeting) -> date:
    """The first day the meeting can be joined (the area's setting in force today)."""
    return policy.join_opens_on(meeting)


def joining_opens_message(meeting: Meeting) -> str:
    return f"You can join this meeting on {join_opens_on(meeting):%-d %B %Y}"


def accept_confidentiality(meeting: Meeting, *, by: User) -> Attendance:
    """Join the register, accepting the statement; required before any case is shown.

    Refused (``NotAllowed``, saying when joining opens) before the meeting's day,
    or the area's days before it. Accepting again changes nothing.
    """
    if not policy.may_see_meeting(by, meeting) or not meeting.is_released:
        raise NotAllowed
    attendance = attendance_of(meeting, by)
    if attendance is not None:
        return attendance
    if not policy.may_join_meeting(by, meeting):
        raise NotAllowed(
            "meeting",
            meeting.id,
            purpose="joining not open yet",
            message=joining_opens_message(meeting),
        )
    attendance = Attendance(
        meeting_id=meeting.id,
        user_id=by.id,
        agency_id=by.agency_id,
        confidentiality_accepted_at=utcnow(),
    )
    db.session.add(attendance)
    db.session.flush()
    record_event(
        "meeting.confidentiality_accept",
        object_type="meeting",
        object_id=meeting.id,
        fields=("attendance",),
    )
    db.session.commit()
    return attendance


def register_of(meeting: Meeting) -> list[Attendance]:
    """Everyone who joined, in the order they joined."""
    return list(
        db.session.scalars(
            select(Attendance)
            .where(Attendance.meeting_id == meeting.id)
            .options(selectinload(Attendance.agency))
            .order_by(Attendance.confidentiality_accepted_at)
        )
    )


def apologies_of(meeting: Meeting) -> list[Apology]:
    """The apologies recorded for the meeting, in the order they were recorded."""
    return list(
        db.session.scalars(
            select(Apology)
            .where(Apology.meeting_id == meeting.id)
            .options(selectinload(Apology.agency))
            .order_by(Apology.recorded_at, Apology.id)
        )
    )


# --- the register by agency --------------------------------------------------------


@dataclass(frozen=True)
class Present:
    """One person who joined: name, roles and when they accepted the statement."""

    name: str
    roles: str
    joined_at: datetime


@dataclass(frozen=True)
class AgencyRegister:
    """One agency's line of the register."""

    agency: Agency
    invited: bool
    present: list[Present]
    apologies: list[Apology]

    @property
    def status(self) -> str:
        if self.present:
            return "present"
        if self.apologies:
            return "apologies"
        return "no response"

    @property
    def status_label(self) -> str:
        return {"present": "Present", "apologies": "Apologies", "no response": "No response"}[
            self.status
        ]


def register_by_agency(meeting: Meeting) -> list[AgencyRegister]:
    """Each invited agency by name, then any agency present without an invitation.

    Three queries however many joined.
    """
    register = register_of(meeting)
    users = {
        u.id: u
        for u in db.session.scalars(select(User).where(User.id.in_([a.user_id for a in register])))
    }
    present: dict[uuid.UUID, list[Present]] = {}
    agencies: dict[uuid.UUID, Agency] = {}
    for a in register:
        user = users[a.user_id]
        agencies[a.agency_id] = a.agency
        present.setdefault(a.agency_id, []).append(
            Present(
                name=user.full_name,
                roles=", ".join(user.role_labels),
                joined_at=a.confidentiality_accepted_at,
            )
        )
    apologies: dict[uuid.UUID, list[Apology]] = {}
    for apology in apologies_of(meeting):
        agencies[apology.agency_id] = apology.agency
        apologies.setdefault(apology.agency_id, []).append(apology)
    invited = sorted((i.agency for i in meeting.invites), key=lambda a: a.name)
    invited_ids = {a.id for a in invited}
    others = sorted((a for a in agencies.values() if a.id not in invited_ids), key=lambda a: a.name)
    return [
        AgencyRegister(
            agency=agency,
            invited=agency.id in invited_ids,
            present=present.get(agency.id, []),
            apologies=apologies.get(agency.id, []),
        )
        for agency in [*invited, *others]
    ]


def register_for(meeting: Meeting, *, by: User) -> list[AgencyRegister]:
    """The register page: coordinators and chairs of the area; the view is audited."""
    if not policy.may_see_register(by, meeting):
        raise NotAllowed("meeting", meeting.id, purpose="register")
    lines = register_by_agency(meeting)
    record_event(
        "meeting.register_view",
        object_type="meeting",
        object_id=meeting.id,
        fields=("attendance", "apologies"),
    )
    db.session.commit()
    return lines


def check_keeper(meeting: Meeting, *, by: User) -> None:
    """Raise ``NotAllowed`` unless ``by`` may record and remove apologies for the meeting."""
    if not policy.may_keep_register(by, meeting):
        raise NotAllowed("meeting", meeting.id, purpose="register")


def record_apology(
    meeting: Meeting, *, by: User, agency_id: uuid.UUID, name: str, note: str | None
) -> Apology:
    """The coordinator or chair records apologies sent for an invited agency; commits."""
    check_keeper(meeting, by=by)
    if agency_id not in {i.agency_id for i in meeting.invites}:
        raise NotAllowed("agency", agency_id, purpose="not invited to the meeting")
    apology = Apology(
        meeting_id=meeting.id, agency_id=agency_id, recorded_by_id=by.id, recorded_at=utcnow()
    )
    apology.name = name
    apology.note = note or None
    db.session.add(apology)
    db.session.flush()
    record_event(
        "meeting.apology_record",
        object_type="meeting_apology",
        object_id=apology.id,
        fields=("agency_id", "name", "note"),
        purpose=f"meeting {meeting.id}",
        recipient=f"agency:{agency_id}",
    )
    db.session.commit()
    return apology


def remove_apology(meeting: Meeting, apology_id: uuid.UUID, *, by: User) -> None:
    """Remove apologies recorded by mistake; commits."""
    check_keeper(meeting, by=by)
    apology = db.session.get(Apology, apology_id)
    if apology is None or apology.meeting_id != meeting.id:
        raise NotAllowed("meeting_apology", apology_id)
    db.session.delete(apology)
    record_event(
        "meeting.apology_remove",
        object_type="meeting_apology",
        object_id=apology_id,
        fields=("agency_id", "name", "note"),
        purpose=f"meeting {meeting.id}",
    )
    db.session.commit()


# --- the key agencies ------------------------------------------------------------------

# Agencies a MARAC should not sit without (DOMAIN.md): the chair is warned while
# none of their people has joined.
KEY_AGENCY_KINDS = (AgencyKind.POLICE, AgencyKind.IDVA_SERVICE, AgencyKind.CHILDRENS_SOCIAL_CARE)


def key_agencies_absent(meeting: Meeting) -> list[str]:
    """The key kinds of agency (police, IDVA, children's social care) with no one present.

    Named by kind ("Police"), as the warning reads; a kind whose agency sent
    apologies reads "Police (apologies sent)". Two queries.
    """
    present = set(
        db.session.scalars(
            select(Agency.kind)
            .join(Attendance, Attendance.agency_id == Agency.id)
            .where(Attendance.meeting_id == meeting.id)
        )
    )
    apologised = set(
        db.session.scalars(
            select(Agency.kind)
            .join(Apology, Apology.agency_id == Agency.id)
            .where(Apology.meeting_id == meeting.id)
        )
    )
    return [
        f"{kind.label} (apologies sent)" if kind in apologised else kind.label
        for kind in KEY_AGENCY_KINDS
        if kind not in present
    ]


def apologies_by_agency(meeting: Meeting) -> list[dict[str, object]]:
    """For the minutes: each agency that sent apologies, by name, with who sent them."""
    found: dict[str, list[str]] = {}
    for apology in apologies_of(meeting):
        found.setdefault(apology.agency.name, []).append(apology.name or "")
    return [{"agency": agency, "names": names} for agency, names in sorted(found.items())]
