"""What is waiting for the signed-in user, for the home page.

Each role sees its own part (DOMAIN.md, roles): a practitioner or IDVA their
agency's open cases, their referrals and the decisions on them, research due
for meetings their agency is invited to, and actions due; a coordinator the
triage counts, the next meeting's readiness and the area's overdue actions; a
chair the next meeting; a manager the indicators' headline. Which parts a user
gets is the policy's decision; the counts are one query each and no personal
value is decrypted here (cases are named by reference).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select

from emarac.actions.models import Action, ActionStatus
from emarac.agencies.models import Agency, User
from emarac.cases.models import Case, CaseStatus
from emarac.clock import today
from emarac.extensions import db
from emarac.indicators import services as indicators
from emarac.indicators.report import Headline
from emarac.meetings.models import AgendaItem, Meeting, MeetingInvite, MeetingStatus, Research
from emarac.meetings.services import agenda_waiting
from emarac.protocol import policy
from emarac.referrals.models import Referral, ReferralStatus, RepeatReview, RepeatStatus
from emarac.referrals.reported import ReportedIncident, ReportedStatus

RECENT_REFERRALS = 5
DUE_SOON_DAYS = 14
UPCOMING = (MeetingStatus.PLANNED, MeetingStatus.AGENDA_RELEASED, MeetingStatus.IN_SESSION)


@dataclass(frozen=True)
class ReferralLine:
    referral_id: uuid.UUID
    reference: str
    submitted_on: date
    status: str
    meeting: str | None


@dataclass(frozen=True)
class ResearchDue:
    meeting_id: uuid.UUID
    held_on: date
    cases: int
    answered: int

    @property
    def outstanding(self) -> int:
        return self.cases - self.answered


@dataclass(frozen=True)
class ActionsDue:
    agency_id: uuid.UUID
    overdue: int
    due_soon: int


@dataclass(frozen=True)
class Readiness:
    """The next meeting of an area and how ready it is."""

    meeting_id: uuid.UUID
    held_on: date
    status: str
    place: str | None
    cases: int
    waiting_for_agenda: int
    research_expected: int
    research_received: int
    agencies_outstanding: tuple[str, ...]


@dataclass(frozen=True)
class Triage:
    referrals: int
    repeats: int
    reported: int


@dataclass(frozen=True)
class MinutesToDo:
    """A meeting whose minutes wait for the signed-in user: to approve, or to send."""

    meeting_id: uuid.UUID
    held_on: date
    what: str


@dataclass
class Home:
    """The parts of the home page for one user; a part left as None is not theirs."""

    open_cases: int | None = None
    referrals: list[ReferralLine] | None = None
    research_due: list[ResearchDue] | None = None
    actions: ActionsDue | None = None
    triage: Triage | None = None
    next_meeting: Readiness | None = None
    area_overdue_actions: int | None = None
    minutes_to_do: list[MinutesToDo] | None = None
    headlines: tuple[Headline, ...] | None = None
    headline_period: str | None = None


def home_for(actor: User) -> Home:
    on = today()
    home = Home()
    if policy.does_casework(actor):
        home.open_cases = _open_cases(actor)
        home.referrals = _my_referrals(actor)
        home.research_due = _research_due(actor, on)
        home.actions = _actions_due(actor, on)
    if policy.may_triage(actor):
        home.triage = _triage(actor)
        home.area_overdue_actions = _area_overdue(actor, on)
    if policy.may_triage(actor) or policy.chairs_meetings(actor):
        home.next_meeting = _next_meeting(actor, on)
        home.minutes_to_do = _minutes_to_do(actor)
    if policy.sees_headlines(actor):
        period, headlines = indicators.headlines(by=actor, area_id=actor.agency.area_id)
        home.headlines, home.headline_period = headlines, period.label
    return home


def _open_cases(actor: User) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Case)
            .where(
                policy.case_filter(actor, emergency=False),
                Case.owning_agency_id == actor.agency_id,
                Case.status != CaseStatus.CLOSED,
            )
        )
        or 0
    )


def _my_referrals(actor: User) -> list[ReferralLine]:
    rows = db.session.execute(
        select(
            Referral.id,
            Case.reference,
            Referral.submitted_on,
            Referral.status,
            Meeting.held_on,
        )
        .join(Case, Case.id == Referral.case_id)
        .outerjoin(Meeting, Meeting.id == Referral.meeting_id)
        .where(Referral.referred_by_id == actor.id)
        .order_by(Referral.submitted_on.desc(), Referral.created_at.desc())
        .limit(RECENT_REFERRALS)
    )
    return [
        ReferralLine(
            referral_id=rid,
            reference=reference,
            submitted_on=submitted,
            status=ReferralStatus(status).label,
            meeting=f"{held:%-d %B %Y}" if held else None,
        )
        for rid, reference, submitted, status, held in rows
    ]


def _research_due(actor: User, on: date) -> list[ResearchDue]:
    """Released meetings still to come that invite the actor's agency, with its answers so far."""
    answered = (
        select(func.count(Research.id))
        .where(Research.meeting_id == Meeting.id, Research.agency_id == actor.agency_id)
        .correlate(Meeting)
        .scalar_subquery()
    )
    cases = (
        select(func.count(AgendaItem.id))
        .where(AgendaItem.meeting_id == Meeting.id)
        .correlate(Meeting)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(Meeting, cases, answered)
        .join(MeetingInvite, MeetingInvite.meeting_id == Meeting.id)
        .where(
            MeetingInvite.agency_id == actor.agency_id,
            Meeting.status == MeetingStatus.AGENDA_RELEASED,
            Meeting.held_on >= on,
        )
        .order_by(Meeting.held_on)
    )
    return [
        ResearchDue(meeting.id, meeting.held_on, int(n), int(done))
        for meeting, n, done in rows
        if n > done
    ]


def _actions_due(actor: User, on: date) -> ActionsDue:
    soon = on + timedelta(days=DUE_SOON_DAYS)
    overdue, due_soon = db.session.execute(
        select(
            func.count().filter(Action.due_on < on),
            func.count().filter(Action.due_on >= on, Action.due_on <= soon),
        ).where(Action.owner_agency_id == actor.agency_id, Action.status == ActionStatus.OPEN)
    ).one()
    return ActionsDue(actor.agency_id, int(overdue or 0), int(due_soon or 0))


def _triage(actor: User) -> Triage:
    area = actor.agency.area_id
    referrals = db.session.scalar(
        select(func.count())
        .select_from(Referral)
        .where(Referral.area_id == area, Referral.status == ReferralStatus.SUBMITTED)
    )
    repeats = db.session.scalar(
        select(func.count())
        .select_from(RepeatReview)
        .where(policy.repeat_review_filter(actor), RepeatReview.status == RepeatStatus.TO_CONFIRM)
    )
    reported = db.session.scalar(
        select(func.count())
        .select_from(ReportedIncident)
        .where(
            policy.reported_incident_filter(actor),
            ReportedIncident.status == ReportedStatus.TO_REVIEW,
            ReportedIncident.is_repeat.is_(False),
        )
    )
    return Triage(int(referrals or 0), int(repeats or 0), int(reported or 0))


def _area_overdue(actor: User, on: date) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Action)
            .join(Case, Case.id == Action.case_id)
            .where(
                policy.action_filter(actor),
                Action.status == ActionStatus.OPEN,
                Action.due_on < on,
            )
        )
        or 0
    )


def _minutes_to_do(actor: User) -> list[MinutesToDo]:
    """The area's meetings whose minutes wait: a chair approves a draft, a coordinator sends
    approved minutes (and sees drafts waiting for the chair). One query."""
    waiting = {
        MeetingStatus.MINUTES_DRAFTED: "Draft minutes to approve"
        if policy.chairs_meetings(actor)
        else "Draft minutes waiting for the chair's approval",
        MeetingStatus.MINUTES_APPROVED: "Approved minutes to send"
        if policy.may_triage(actor)
        else "Approved minutes waiting to be sent",
    }
    rows = db.session.execute(
        select(Meeting.id, Meeting.held_on, Meeting.status)
        .where(
            policy.meeting_filter(actor),
            Meeting.area_id == actor.agency.area_id,
            Meeting.status.in_(list(waiting)),
        )
        .order_by(Meeting.held_on)
    ).all()
    return [MinutesToDo(i, held_on, waiting[MeetingStatus(status)]) for i, held_on, status in rows]


def _next_meeting(actor: User, on: date) -> Readiness | None:
    meeting = db.session.scalar(
        select(Meeting)
        .where(
            policy.meeting_filter(actor),
            Meeting.area_id == actor.agency.area_id,
            Meeting.status.in_(UPCOMING),
            Meeting.held_on >= on,
        )
        .order_by(Meeting.held_on)
        .limit(1)
    )
    if meeting is None:
        return None
    case_ids = set(
        db.session.scalars(select(AgendaItem.case_id).where(AgendaItem.meeting_id == meeting.id))
    )
    invited: dict[uuid.UUID, str] = {
        agency: name
        for agency, name in db.session.execute(
            select(Agency.id, Agency.name)
            .join(MeetingInvite, MeetingInvite.agency_id == Agency.id)
            .where(MeetingInvite.meeting_id == meeting.id)
        )
    }
    answers = db.session.execute(
        select(Research.agency_id, func.count(Research.id))
        .where(Research.meeting_id == meeting.id, Research.case_id.in_(case_ids))
        .group_by(Research.agency_id)
    ).all()
    received = {agency: int(n) for agency, n in answers if agency in invited}
    outstanding = tuple(
        sorted(name for agency, name in invited.items() if received.get(agency, 0) < len(case_ids))
    )
    planned_waiting = agenda_waiting(meeting) if meeting.status == MeetingStatus.PLANNED else 0
    return Readiness(
        meeting_id=meeting.id,
        held_on=meeting.held_on,
        status=meeting.status_label,
        place=meeting.place,
        cases=len(case_ids),
        waiting_for_agenda=planned_waiting,
        research_expected=len(case_ids) * len(invited),
        research_received=sum(received.values()),
        agencies_outstanding=outstanding if case_ids else (),
    )
