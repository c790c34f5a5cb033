"""Referral to MARAC and triage by the coordinator.

The repeat criterion and the stored ``is_repeat`` flag follow ``rules``, read
over the victim's history (``history``); detecting repeats as incidents are
recorded, and the coordinator's decision on them, live in ``repeats``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, String, cast, literal, select, update
from sqlalchemy import case as sql_case
from sqlalchemy.orm import selectinload

from emarac.agencies.models import Agency, AgencyKind, User
from emarac.auditing import record_event
from emarac.auditlog import services as auditlog
from emarac.cases.models import Case, CaseChild, CasePerpetrator, CaseStatus
from emarac.cases.services import ReferralState, TimelineSource
from emarac.clock import today, utcnow
from emarac.extensions import db
from emarac.idva import services as idva_services
from emarac.meetings.models import Meeting, MeetingStatus
from emarac.meetings.services import AgendaCandidate, invite_core_members
from emarac.notifications import services as notify
from emarac.people.rules import TOO_YOUNG, too_young
from emarac.protocol import policy
from emarac.protocol.policy import NotAllowed
from emarac.referrals import history
from emarac.referrals.models import (
    Consent,
    Referral,
    ReferralStatus,
    RepeatReview,
    RepeatStatus,
    VictimAware,
)
from emarac.risk import area_settings, rules
from emarac.risk.services import latest_assessment


class Invalid(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def criteria_for(
    case: Case, *, on: date | None = None, leave_out: uuid.UUID | None = None
) -> set[rules.Criterion]:
    """The criteria the case meets today, from its checklist, incidents and referrals.

    ``leave_out`` names a referral being resubmitted, which is not its own history.
    """
    on = on or today()
    assessment = latest_assessment(case)
    judged = (
        rules.RiskLevel(assessment.judged_level) if assessment and assessment.judged_level else None
    )
    return rules.criteria_met(
        on=on,
        yes_count=assessment.yes_count if assessment else None,
        judged=judged,
        incidents=history.victim_abuse(case.victim_id),
        referrals=[
            past for _, past in history.victim_referrals(case.victim_id, leave_out=leave_out)
        ],
        settings=area_settings.in_force(case.area_id, on),
    )


@dataclass
class ReferralInput:
    criteria: set[rules.Criterion]
    consent: Consent
    risks: str
    safety_measures: str
    consent_reason: str | None = None
    consent_decided_by: str | None = None
    judgement_reason: str | None = None
    has_idva: bool = False
    refer_to_idva: bool = False
    referrer_name: str | None = None
    referrer_phone: str | None = None
    referrer_email: str | None = None
    victim_aware: VictimAware | None = None
    other_agencies: list[str] = field(default_factory=list)
    language: str | None = None
    interpreter_needed: bool = False
    children_notes: str | None = None


def check(data: ReferralInput, *, automatic: set[rules.Criterion]) -> None:
    """The rules a referral's answers must keep; raises Invalid naming the field."""
    if not automatic <= data.criteria:
        raise Invalid("criteria", "Criteria the case meets cannot be removed")
    if rules.Criterion.REPEAT in data.criteria - automatic:
        raise Invalid(
            "criteria",
            "A repeat is worked out from the incidents recorded: record the further incident first",
        )
    if not data.criteria:
        raise Invalid(
            "criteria", "Select the criteria the case meets, or use professional judgement"
        )
    if rules.Criterion.PROFESSIONAL_JUDGEMENT in data.criteria and not data.judgement_reason:
        raise Invalid("judgement_reason", "Enter the reason for your professional judgement")
    if data.consent is Consent.OVERRIDDEN and not (data.consent_reason and data.consent_decided_by):
        raise Invalid("consent_reason", "Enter why consent was overridden and who decided")
    if not data.risks.strip():
        raise Invalid("risks", "Describe the risks in your own words")


def check_age(case: Case, *, on: date) -> None:
    """MARAC is for victims of 16 and over on the referral's date, whatever the form let in.

    Raised against the criteria: whether the case can come to MARAC at all.
    """
    if too_young(case.victim.age(on)):
        raise Invalid("criteria", TOO_YOUNG)


# The referrer's own words: encrypted on the referral, kept when it is returned.
FREE_TEXT = (
    "consent_reason",
    "consent_decided_by",
    "risks",
    "safety_measures",
    "judgement_reason",
    "referrer_name",
    "referrer_phone",
    "referrer_email",
    "language",
    "children_notes",
)
# Answers that are not free text, copied as they are.
PLAIN_ANSWERS = ("has_idva", "refer_to_idva", "victim_aware", "interpreter_needed")


# The answers' field names, for the ledger (never their values).
ANSWER_FIELDS = (
    "criteria",
    "consent",
    "risks",
    "safety_measures",
    "referrer_name",
    "referrer_phone",
    "referrer_email",
    "victim_aware",
    "other_agencies",
    "language",
    "interpreter_needed",
    "children_notes",
)


OWN_FIELDS = ("risks", "safety_measures")  # never empty in ReferralInput: "" for none


def answers_of(referral: Referral) -> ReferralInput:
    """What a referral says, as the form that corrects it starts from."""
    return ReferralInput(
        criteria={rules.Criterion(c) for c in referral.criteria},
        consent=Consent(referral.consent),
        risks=referral.risks or "",
        safety_measures=referral.safety_measures or "",
        other_agencies=list(referral.other_agencies or []),
        **{
            name: getattr(referral, name)
            for name in FREE_TEXT
            if name not in ("risks", "safety_measures")
        },
        **{name: getattr(referral, name) for name in PLAIN_ANSWERS},
    )


def _copy_answers(referral: Referral, data: ReferralInput) -> None:
    referral.consent = data.consent
    for name in PLAIN_ANSWERS:
        setattr(referral, name, getattr(data, name))
    referral.other_agencies = sorted(data.other_agencies)
    for name in FREE_TEXT:
        setattr(referral, name, getattr(data, name) or None)


def starting_answers(case: Case, *, by: User) -> dict[str, object]:
    """What the referral form can fill in before the referrer types: who they are, from
    their account, and the victim's language, from the case. All of it can be changed."""
    return {
        "referrer_name": by.full_name,
        "referrer_email": by.email,
        "language": case.victim.first_language,
        "interpreter_needed": case.victim.interpreter_needed,
    }


@dataclass(frozen=True)
class CasePeople:
    """The perpetrators and children of a case, as the referral form shows them."""

    perpetrators: list[CasePerpetrator]
    children: list[CaseChild]


def people_on(case: Case) -> CasePeople:
    """The case's perpetrators and children for the referral form; the view is audited
    (``case.view`` naming the parts shown) and committed before they are loaded."""
    record_event(
        "case.view",
        object_type="marac_case",
        object_id=case.id,
        fields=("perpetrators", "children"),
    )
    db.session.commit()
    perpetrators = db.session.scalars(
        select(CasePerpetrator)
        .where(CasePerpetrator.case_id == case.id)
        .options(selectinload(CasePerpetrator.person))
        .order_by(CasePerpetrator.created_at)
    )
    children = db.session.scalars(
        select(CaseChild)
        .where(CaseChild.case_id == case.id)
        .options(selectinload(CaseChild.person))
        .order_by(CaseChild.created_at)
    )
    return CasePeople(list(perpetrators), list(children))


def refer_case(case: Case, *, by: User, data: ReferralInput) -> Referral:
    """Refer a case to its area's MARAC; commits. Suspended agencies cannot refer."""
    if not policy.may_refer_case(by, case):
        raise NotAllowed("marac_case", case.id, purpose="referral refused")
    check_age(case, on=today())
    automatic = criteria_for(case)
    check(data, automatic=automatic)
    assessment = latest_assessment(case)
    repeat = rules.Criterion.REPEAT in automatic
    referral = Referral(
        case_id=case.id,
        area_id=case.area_id,
        referring_agency_id=by.agency_id,
        referred_by_id=by.id,
        submitted_on=today(),
        criteria=sorted(c.value for c in data.criteria),
        yes_count=assessment.yes_count if assessment else None,
        is_repeat=repeat,
        consent=data.consent,
        is_demo=by.is_demo,
    )
    _copy_answers(referral, data)
    case.status = CaseStatus.REFERRED
    case.is_repeat = case.is_repeat or repeat
    if case.referring_agency_id is None and by.agency_id != case.owning_agency_id:
        case.referring_agency_id = by.agency_id
    if data.refer_to_idva and case.idva_agency_id is None:
        idva = db.session.scalar(
            select(Agency.id).where(
                Agency.area_id == case.area_id, Agency.kind == AgencyKind.IDVA_SERVICE
            )
        )
        case.idva_agency_id = idva
    db.session.add(referral)
    db.session.flush()
    record_event(
        "referral.create",
        object_type="referral",
        object_id=referral.id,
        fields=ANSWER_FIELDS,
        purpose=f"case {case.id}",
    )
    notify.to_coordinators(
        case.area_id, case=case, kind="referral.new", text=f"New referral for {case.reference}"
    )
    if data.refer_to_idva:
        # The IDVA service's queue gains the case and its IDVAs are told.
        idva_services.receive_referral(case, by=by)
    db.session.commit()
    return referral


def record_view(referral: Referral) -> None:
    """Record that the signed-in user read the referral's answers; commits."""
    record_event(
        "referral.view",
        object_type="referral",
        object_id=referral.id,
        fields=ANSWER_FIELDS,
    )
    db.session.commit()


# The steps of a referral's life, in words, as the ledger names them.
HISTORY_STEPS = {
    "referral.create": "Submitted",
    "referral.resubmit": "Corrected and sent again",
    "referral.accept": "Accepted onto a meeting",
    "referral.return": "Returned to the referrer",
    "referral.duplicate": "Merged as a duplicate of another referral",
}


@dataclass(frozen=True)
class HistoryStep:
    what: str
    who: str
    agency: str
    at: datetime


def status_history(referral: Referral) -> list[HistoryStep]:
    """Every change of the referral's status, oldest first, from the ledger."""
    return [
        HistoryStep(HISTORY_STEPS[e.action], e.who, e.agency, e.at)
        for e in auditlog.history_of("referral", referral.id, actions=HISTORY_STEPS)
    ]


def is_correctable(referral: Referral, *, by: User) -> bool:
    """A returned referral can be corrected and sent again by its referring agency."""
    return (
        referral.status == ReferralStatus.RETURNED and referral.referring_agency_id == by.agency_id
    )


def resubmit(referral: Referral, *, by: User, data: ReferralInput) -> Referral:
    """A returned referral, corrected by its referrer, goes back to the queue."""
    if not is_correctable(referral, by=by):
        raise NotAllowed
    if not by.agency.may_hold_accounts:
        raise NotAllowed
    check_age(referral.case, on=today())
    # The referral keeps the date it was first made: the criteria are those of that
    # date, as the indicators read them, and days to hearing count from it.
    automatic = criteria_for(referral.case, on=referral.submitted_on, leave_out=referral.id)
    check(data, automatic=automatic)
    referral.criteria = sorted(c.value for c in data.criteria)
    referral.is_repeat = rules.Criterion.REPEAT in automatic
    _copy_answers(referral, data)
    referral.status = ReferralStatus.SUBMITTED
    referral.resubmitted_on = today()
    record_event(
        "referral.resubmit",
        object_type="referral",
        object_id=referral.id,
        fields=("criteria", "consent", "risks", "safety_measures", "resubmitted_on"),
    )
    db.session.commit()
    return referral


def triage_queue(coordinator: User) -> list[Referral]:
    """New referrals of the coordinator's area: repeats first, then oldest first."""
    if not policy.may_triage(coordinator):
        raise NotAllowed
    return list(
        db.session.scalars(
            select(Referral)
            .where(
                Referral.area_id == coordinator.agency.area_id,
                Referral.status == ReferralStatus.SUBMITTED,
            )
            .options(selectinload(Referral.case), selectinload(Referral.referring_agency))
            .order_by(
                sql_case((Referral.is_repeat, 0), else_=1),
                Referral.submitted_on,
                Referral.created_at,
            )
        )
    )


def open_triage_queue(coordinator: User) -> list[Referral]:
    """The triage queue, its viewing recorded first (one commit, the rows loaded after)."""
    if not policy.may_triage(coordinator):
        raise NotAllowed
    record_event("referral.triage_view", object_type="referral", fields=("status",))
    db.session.commit()
    return triage_queue(coordinator)


def possible_duplicates(referral: Referral, *, by: User) -> list[Referral]:
    """Other referrals in the coordinator's queue for the same victim."""
    return [
        r
        for r in triage_queue(by)
        if r.id != referral.id and r.case.victim_id == referral.case.victim_id
    ]


def planned_meetings(by: User) -> list[Meeting]:
    """Meetings of the coordinator's area still being planned, soonest first."""
    return list(
        db.session.scalars(
            select(Meeting)
            .where(
                Meeting.area_id == by.agency.area_id,
                Meeting.status == MeetingStatus.PLANNED,
            )
            .order_by(Meeting.held_on)
        )
    )


def _triageable(referral: Referral, by: User) -> None:
    if not policy.coordinates_area(by, referral.area_id):
        raise NotAllowed("referral", referral.id)
    if referral.status != ReferralStatus.SUBMITTED:
        raise NotAllowed


def _decide(
    referral: Referral,
    *,
    by: User,
    status: ReferralStatus,
    action: str,
    fields: tuple[str, ...],
    notice: str | None,
) -> None:
    """Record a triage decision, audit it, tell the referrer, commit."""
    referral.status = status
    referral.triaged_by_id = by.id
    referral.triaged_at = utcnow()
    record_event(action, object_type="referral", object_id=referral.id, fields=fields)
    if notice is not None:
        notify.to_agency(
            referral.referring_agency_id,
            case=referral.case,
            kind=f"referral.{status.value}",
            text=f"Referral for {referral.case.reference} {notice}",
        )
    db.session.commit()


def meeting_for(
    area_id: uuid.UUID, *, meeting: Meeting | None, new_meeting_on: date | None
) -> Meeting:
    """The chosen meeting of the area, or a new one on the date given (flushed, not committed)."""
    if meeting is None:
        if new_meeting_on is None:
            raise Invalid("meeting_id", "Choose a meeting or enter the date of a new one")
        meeting = Meeting(area_id=area_id, held_on=new_meeting_on)
        db.session.add(meeting)
        db.session.flush()
        invite_core_members(meeting)
        record_event("meeting.create", object_type="meeting", object_id=meeting.id)
    elif meeting.area_id != area_id:
        raise NotAllowed
    return meeting


def accept(
    referral: Referral,
    *,
    by: User,
    meeting: Meeting | None = None,
    new_meeting_on: date | None = None,
) -> Meeting:
    """Accept onto a meeting of the area (an existing one, or a new one on a date)."""
    _triageable(referral, by)
    meeting = meeting_for(referral.area_id, meeting=meeting, new_meeting_on=new_meeting_on)
    referral.meeting_id = meeting.id
    _decide(
        referral,
        by=by,
        status=ReferralStatus.ACCEPTED,
        action="referral.accept",
        fields=("status", "meeting_id"),
        notice="accepted onto a meeting",
    )
    return meeting


def return_to_referrer(referral: Referral, *, by: User, reason: str) -> None:
    _triageable(referral, by)
    if not reason.strip():
        raise Invalid("reason", "Enter why the referral is being returned")
    referral.returned_reason = reason
    _decide(
        referral,
        by=by,
        status=ReferralStatus.RETURNED,
        action="referral.return",
        fields=("status", "returned_reason"),
        notice="returned for correction",
    )


def mark_duplicate_of(referral: Referral, *, of_id: uuid.UUID, by: User) -> None:
    """:func:`mark_duplicate`, the other referral named by its id (as a triage form sends it)."""
    _triageable(referral, by)
    of = db.session.get(Referral, of_id)
    if of is None:
        raise Invalid("duplicate_of", "Choose an open referral for the same victim")
    mark_duplicate(referral, of=of, by=by)


def mark_duplicate(referral: Referral, *, of: Referral, by: User) -> None:
    _triageable(referral, by)
    if of.id == referral.id or of.case.victim_id != referral.case.victim_id:
        raise Invalid("duplicate_of", "Choose an open referral for the same victim")
    referral.duplicate_of_id = of.id
    _decide(
        referral,
        by=by,
        status=ReferralStatus.DUPLICATE,
        action="referral.duplicate",
        fields=("status", "duplicate_of_id"),
        notice=None,
    )


# --- what referrals add to cases and meetings (plugged in by create_app) ---


def _timeline_rows(case: Case) -> Select[Any]:
    return select(
        Referral.created_at.label("at"),
        literal("referral").label("kind"),
        cast(Referral.id, String).label("oid"),
    ).where(Referral.case_id == case.id)


TIMELINE = TimelineSource(kind="referral", title="Referred to MARAC", rows=_timeline_rows)
"""Referrals on the case timeline."""


def referral_state(case: Case) -> ReferralState | None:
    """The case's latest referral (duplicates left out) and whether the rules let the case
    page offer another (``rules.may_refer_again``)."""
    referrals = list(
        db.session.scalars(
            select(Referral)
            .where(Referral.case_id == case.id, Referral.status != ReferralStatus.DUPLICATE)
            .order_by(Referral.submitted_on, Referral.created_at)
        )
    )
    if not referrals:
        return None
    latest = referrals[-1]
    accepted = [r.submitted_on for r in referrals if r.status == ReferralStatus.ACCEPTED]
    again = rules.may_refer_again(
        latest.status,
        last_accepted_on=max(accepted) if accepted else None,
        on=today(),
        criteria=criteria_for(case) if latest.status == ReferralStatus.ACCEPTED else set(),
        settings=area_settings.in_force(case.area_id, today()),
    )
    return ReferralState(
        referral_id=latest.id,
        submitted_on=latest.submitted_on,
        status=latest.status_label,
        refer_again=again,
    )


def follow_transfer(case: Case) -> None:
    """Referrals and repeats still waiting for triage move to the queue of the case's new area."""
    db.session.execute(
        update(Referral)
        .where(Referral.case_id == case.id, Referral.status == ReferralStatus.SUBMITTED)
        .values(area_id=case.area_id)
    )
    db.session.execute(
        update(RepeatReview)
        .where(RepeatReview.case_id == case.id, RepeatReview.status == RepeatStatus.TO_CONFIRM)
        .values(area_id=case.area_id)
    )


def accepted_onto(meeting: Meeting) -> list[AgendaCandidate]:
    """The cases of referrals accepted onto this meeting, for its agenda."""
    referrals = db.session.scalars(
        select(Referral).where(
            Referral.meeting_id == meeting.id, Referral.status == ReferralStatus.ACCEPTED
        )
    )
    return [
        AgendaCandidate(
            case_id=r.case_id,
            referral_id=r.id,
            is_repeat=r.is_repeat,
            yes_count=r.yes_count or 0,
            submitted_on=r.submitted_on,
        )
        for r in referrals
    ]
