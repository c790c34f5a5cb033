"""The IDVA service's work on a case: the queue, allocation, consent and engagement,
the victim's voice, the safety plan, the contact log and each IDVA's caseload.

Every function here asks the policy first (``NotAllowed`` is the one denial),
records a ledger event naming ids and fields only, and commits once; reading
functions record the view. ``receive_referral`` is the exception: it runs
inside the MARAC referral's own transaction, and the referral commits.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from emarac.agencies.models import Role, User, UserRole
from emarac.auditing import record_event
from emarac.cases.models import Case
from emarac.clock import today, utcnow
from emarac.extensions import db
from emarac.hooks import Hook
from emarac.idva import rules
from emarac.idva.models import (
    ConsentStatus,
    ContactAttempt,
    ContactMethod,
    ContactOutcome,
    Engagement,
    IdvaCase,
    IdvaStatusChange,
    PlanItemStatus,
    SafetyPlan,
    VictimsVoice,
)
from emarac.notifications import services as notify
from emarac.protocol import policy
from emarac.protocol.policy import NotAllowed
from emarac.risk import area_settings
from emarac.risk import rules as risk_rules
from emarac.risk.services import latest_assessment

# The meetings feature stands beside this one and calls it (the conference shows
# the victim's voice), so the date each case is next heard comes back through a
# hook: case ids and a day in, {case id: meeting date} out.
NextHearings = Callable[[Collection[uuid.UUID], date], dict[uuid.UUID, date]]
next_hearings: Hook[NextHearings] = Hook("idva.next_hearings")

QUEUE_LIMIT = 500
PLAN_ROWS = 6


class Invalid(ValueError):
    """Answers the rules refuse, naming the form field to show the message next to."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


# --- the referral arrives ----------------------------------------------------------


def idvas_of(agency_id: uuid.UUID) -> list[User]:
    """The active IDVAs of a service, by name: who can be told and allocated."""
    users = db.session.scalars(
        select(User)
        .join(UserRole)
        .where(User.agency_id == agency_id, UserRole.role == Role.IDVA)
        .distinct()
    )
    return sorted((u for u in users if u.is_active), key=lambda u: u.full_name)


def receive_referral(case: Case, *, by: User) -> IdvaCase | None:
    """Put a case referred to the IDVA service in the service's queue and tell its IDVAs.

    Runs inside the caller's transaction (the MARAC referral) and does not
    commit. A case already in the queue stays as it is; its IDVAs are told again.
    """
    if case.idva_agency_id is None:
        return None
    row = db.session.scalar(
        select(IdvaCase).where(
            IdvaCase.case_id == case.id, IdvaCase.idva_agency_id == case.idva_agency_id
        )
    )
    if row is None:
        row = IdvaCase(
            case_id=case.id,
            idva_agency_id=case.idva_agency_id,
            referring_agency_id=by.agency_id,
            referred_by_id=by.id,
            referred_on=today(),
        )
        db.session.add(row)
        db.session.flush()
    record_event(
        "idva.referral.receive",
        object_type="idva_case",
        object_id=row.id,
        fields=("idva_agency_id", "referring_agency_id"),
        purpose=f"case {case.id}",
    )
    notify.to_users(
        idvas_of(case.idva_agency_id),
        case=case,
        kind="idva.referral",
        text=f"New IDVA referral for {case.reference}",
    )
    return row


# --- the queue and the caseload ----------------------------------------------------


@dataclass(frozen=True)
class QueueRow:
    idva_case: IdvaCase
    victim_name: str | None  # None: not shown to this reader
    risk: str
    last_contact: datetime | None = None
    next_hearing: date | None = None

    @property
    def case(self) -> Case:
        return self.idva_case.case


def risk_of(case: Case) -> str:
    """The case's risk in words: the level agreed or judged, with the checklist score."""
    assessment = latest_assessment(case)
    if assessment is None:
        return case.risk_level.capitalize() if case.risk_level else "Not assessed"
    level = case.risk_level or assessment.judged_level
    if level is None:
        settings = area_settings.in_force(case.area_id, assessment.completed_on)
        level = risk_rules.risk_band(assessment.yes_count, settings).value
    return f"{level.capitalize()} ({assessment.yes_count} yes answers)"


def _rows(found: list[IdvaCase], *, reader: User) -> list[QueueRow]:
    case_ids = [r.case_id for r in found]
    last = _last_contacts(case_ids)
    hearings: dict[uuid.UUID, date] = {}
    for source in next_hearings.items():
        hearings.update(source(case_ids, today()))
    return [
        QueueRow(
            idva_case=r,
            victim_name=r.case.victim.display_name
            if policy.may_view_case(reader, r.case)
            else None,
            risk=risk_of(r.case),
            last_contact=last.get(r.case_id),
            next_hearing=hearings.get(r.case_id),
        )
        for r in found
    ]


def _last_contacts(case_ids: list[uuid.UUID]) -> dict[uuid.UUID, datetime]:
    if not case_ids:
        return {}
    rows = db.session.execute(
        select(ContactAttempt.case_id, func.max(ContactAttempt.contacted_at))
        .where(ContactAttempt.case_id.in_(case_ids))
        .group_by(ContactAttempt.case_id)
    )
    return {case_id: at for case_id, at in rows}


def _load() -> list[object]:
    return [
        selectinload(IdvaCase.case).selectinload(Case.victim),
        selectinload(IdvaCase.referring_agency),
        selectinload(IdvaCase.allocated_to),
    ]


def queue(*, by: User) -> list[QueueRow]:
    """The IDVA referrals the reader's service (or a coordinator's area) holds; newest first."""
    if not policy.may_use_idva_queue(by):
        raise NotAllowed("idva_queue", None)
    found = list(
        db.session.scalars(
            select(IdvaCase)
            .where(policy.idva_queue_filter(by))
            .options(*_load())  # type: ignore[arg-type]
            .order_by(IdvaCase.allocated_to_id.is_not(None), IdvaCase.referred_on.desc())
            .limit(QUEUE_LIMIT)
        )
    )
    record_event("idva.queue.view", object_type="idva_queue", fields=("cases",))
    db.session.commit()
    return _rows(found, reader=by)


def caseload(*, by: User) -> list[QueueRow]:
    """The cases allocated to the reader, with consent, engagement, last contact and hearing."""
    if not policy.has_idva_caseload(by):
        raise NotAllowed("idva_caseload", None)
    found = list(
        db.session.scalars(
            select(IdvaCase)
            .where(IdvaCase.allocated_to_id == by.id, policy.idva_queue_filter(by))
            .options(*_load())  # type: ignore[arg-type]
            .order_by(IdvaCase.referred_on.desc())
            .limit(QUEUE_LIMIT)
        )
    )
    record_event("idva.caseload.view", object_type="user_account", object_id=by.id)
    db.session.commit()
    return _rows(found, reader=by)


# --- one case ------------------------------------------------------------------------


def idva_case_of(case: Case) -> IdvaCase | None:
    if case.idva_agency_id is None:
        return None
    return db.session.scalar(
        select(IdvaCase).where(
            IdvaCase.case_id == case.id, IdvaCase.idva_agency_id == case.idva_agency_id
        )
    )


def _working(case: Case, by: User) -> IdvaCase:
    """The case's IDVA record, for an IDVA of its service on an open case; else NotAllowed."""
    row = idva_case_of(case)
    if row is None or not policy.may_work_idva_case(by, case):
        raise NotAllowed("idva_case", case.id)
    return row


@dataclass
class CasePage:
    case: Case
    idva_case: IdvaCase | None
    may_work: bool
    risk: str
    voice: VictimsVoice | None
    plan: SafetyPlan | None
    statuses: list[IdvaStatusChange] = field(default_factory=list)
    contacts: list[ContactAttempt] = field(default_factory=list)
    idvas: list[User] = field(default_factory=list)


def open_case(case: Case, *, by: User) -> CasePage:
    """Everything the IDVA service holds on a case, for a restricted reader; records the view."""
    if not policy.may_read_idva_record(by, case):
        raise NotAllowed("marac_case", case.id)
    row = idva_case_of(case)
    may_work = row is not None and policy.may_work_idva_case(by, case)
    page = CasePage(
        case=case,
        idva_case=row,
        may_work=may_work,
        risk=risk_of(case),
        voice=latest_voice(case.id),
        plan=latest_plan(case.id),
        statuses=_statuses(row),
        contacts=_contacts(case.id),
        idvas=idvas_of(row.idva_agency_id) if row is not None and may_work else [],
    )
    record_event(
        "idva.case.view",
        object_type="marac_case",
        object_id=case.id,
        fields=("victims_voice", "safety_plan", "contacts", "consent", "engagement"),
    )
    db.session.commit()
    return page


def _statuses(row: IdvaCase | None) -> list[IdvaStatusChange]:
    if row is None:
        return []
    return list(
        db.session.scalars(
            select(IdvaStatusChange)
            .where(IdvaStatusChange.idva_case_id == row.id)
            .order_by(IdvaStatusChange.recorded_at.desc())
        )
    )


def _contacts(case_id: uuid.UUID) -> list[ContactAttempt]:
    return list(
        db.session.scalars(
            select(ContactAttempt)
            .where(ContactAttempt.case_id == case_id)
            .order_by(ContactAttempt.contacted_at.desc(), ContactAttempt.recorded_at.desc())
        )
    )


def allocate(case: Case, *, by: User, idva_id: uuid.UUID) -> User:
    """Allocate the case to a named IDVA of its service, who is told; commits."""
    row = _working(case, by)
    idva = db.session.get(User, idva_id)
    if idva is None or not policy.may_hold_idva_case(idva, row):
        raise Invalid("idva_id", "Choose an IDVA of this service")
    row.allocated_to_id = idva.id
    row.allocated_at = utcnow()
    record_event(
        "idva.allocate",
        object_type="idva_case",
        object_id=row.id,
        fields=("allocated_to_id",),
        purpose=f"case {case.id}",
        recipient=str(idva.id),
    )
    notify.to_users(
        [idva],
        case=case,
        kind="idva.allocated",
        text=f"{case.reference} is allocated to you",
    )
    db.session.commit()
    return idva


@dataclass(frozen=True)
class StatusInput:
    consent: ConsentStatus
    consent_on: date | None
    engagement: Engagement
    note: str | None = None


def record_status(case: Case, *, by: User, data: StatusInput) -> IdvaStatusChange:
    """Record consent and engagement as they are now; the earlier ones stay; commits."""
    row = _working(case, by)
    if data.consent is not ConsentStatus.NOT_ASKED and data.consent_on is None:
        raise Invalid("consent_on", "Enter the date the victim was asked for consent")
    if data.consent is ConsentStatus.NOT_ASKED and data.consent_on is not None:
        raise Invalid("consent_on", "Leave the date blank when consent has not been asked for")
    if data.consent_on is not None and data.consent_on > today():
        raise Invalid("consent_on", "The date consent was asked for must be today or in the past")
    change = IdvaStatusChange(
        id=uuid.uuid4(),  # first: encrypted values are bound to the row id
        case_id=case.id,
        idva_case_id=row.id,
        consent=data.consent,
        consent_on=data.consent_on,
        engagement=data.engagement,
        note=data.note or None,
        recorded_by_id=by.id,
    )
    row.consent, row.consent_on, row.engagement = data.consent, data.consent_on, data.engagement
    db.session.add(change)
    record_event(
        "idva.status.record",
        object_type="idva_case",
        object_id=row.id,
        fields=("consent", "consent_on", "engagement", *(("note",) if data.note else ())),
        purpose=f"case {case.id}",
    )
    db.session.commit()
    return change


# --- the victim's voice --------------------------------------------------------------


@dataclass(frozen=True)
class VoiceInput:
    wishes: str
    fears: str
    wants_from_marac: str


_Versioned = TypeVar("_Versioned", VictimsVoice, SafetyPlan)


def _latest(model: type[_Versioned], case_id: uuid.UUID) -> _Versioned | None:
    """The newest version of a case's victim's voice or safety plan."""
    return db.session.scalar(
        select(model).where(model.case_id == case_id).order_by(model.version.desc()).limit(1)
    )


def latest_voice(case_id: uuid.UUID) -> VictimsVoice | None:
    return _latest(VictimsVoice, case_id)


def _next_version(model: type[VictimsVoice] | type[SafetyPlan], case_id: uuid.UUID) -> int:
    newest = db.session.scalar(select(func.max(model.version)).where(model.case_id == case_id))
    return (newest or 0) + 1


def save_voice(case: Case, *, by: User, data: VoiceInput) -> VictimsVoice:
    """Save the victim's voice as a new version; earlier versions are kept; commits."""
    _working(case, by)
    if not (data.wishes.strip() or data.fears.strip() or data.wants_from_marac.strip()):
        raise Invalid("wishes", "Enter what the victim wishes, fears or wants from MARAC")
    voice = VictimsVoice(
        id=uuid.uuid4(),  # first: encrypted values are bound to the row id
        case_id=case.id,
        version=_next_version(VictimsVoice, case.id),
        wishes=data.wishes.strip() or None,
        fears=data.fears.strip() or None,
        wants_from_marac=data.wants_from_marac.strip() or None,
        recorded_by_id=by.id,
    )
    db.session.add(voice)
    db.session.flush()
    record_event(
        "idva.voice.save",
        object_type="idva_victims_voice",
        object_id=voice.id,
        fields=("wishes", "fears", "wants_from_marac"),
        purpose=f"case {case.id}, version {voice.version}",
    )
    db.session.commit()
    return voice


def _history(
    model: type[_Versioned], case: Case, *, by: User, action: str, fields: tuple[str, ...]
) -> list[_Versioned]:
    """Every version of a case's victim's voice or safety plan, newest first, for a
    restricted reader; the reading is audited."""
    if not policy.may_read_idva_record(by, case):
        raise NotAllowed("marac_case", case.id)
    versions = list(
        db.session.scalars(
            select(model).where(model.case_id == case.id).order_by(model.version.desc())
        )
    )
    record_event(
        action, object_type="marac_case", object_id=case.id, fields=fields, purpose="every version"
    )
    db.session.commit()
    return versions


def voice_history(case: Case, *, by: User) -> list[VictimsVoice]:
    """Every version of the victim's voice, newest first, for a restricted reader."""
    return _history(
        VictimsVoice,
        case,
        by=by,
        action="idva.voice.view",
        fields=("wishes", "fears", "wants_from_marac"),
    )


def voice_for_conference(
    meeting: object, case: Case, *, by: User, place: str = "conference"
) -> VictimsVoice | None:
    """The newest victim's voice for the conference view or the case's research pack,
    when the reader may hear it.

    Called by the meetings feature as the chair (or anyone) opens an agenda case
    or its research; records the view when one is shown, and commits.
    """
    if not policy.may_hear_victims_voice(by, meeting, case):
        return None
    voice = latest_voice(case.id)
    if voice is not None:
        record_event(
            "idva.voice.view",
            object_type="idva_victims_voice",
            object_id=voice.id,
            fields=("wishes", "fears", "wants_from_marac"),
            purpose=f"{place} of meeting {getattr(meeting, 'id', None)}",
        )
        db.session.commit()
    return voice


# --- the safety plan -----------------------------------------------------------------


@dataclass(frozen=True)
class PlanItem:
    measure: str
    who: str
    status: PlanItemStatus


def latest_plan(case_id: uuid.UUID) -> SafetyPlan | None:
    return _latest(SafetyPlan, case_id)


def save_plan(case: Case, *, by: User, items: list[PlanItem]) -> SafetyPlan:
    """Save the safety plan as a new version with who and when; commits."""
    _working(case, by)
    kept = [i for i in items if i.measure.strip()]
    if not kept:
        raise Invalid("measure_1", "Enter at least one safety measure")
    for number, item in enumerate(items, start=1):
        if item.who.strip() and not item.measure.strip():
            raise Invalid(f"measure_{number}", f"Enter safety measure {number}, or clear who")
    plan = SafetyPlan(
        id=uuid.uuid4(),  # first: encrypted values are bound to the row id
        case_id=case.id,
        version=_next_version(SafetyPlan, case.id),
        items=[
            {"measure": i.measure.strip(), "who": i.who.strip(), "status": i.status.value}
            for i in kept
        ],
        recorded_by_id=by.id,
    )
    db.session.add(plan)
    db.session.flush()
    record_event(
        "idva.plan.save",
        object_type="idva_safety_plan",
        object_id=plan.id,
        fields=("items",),
        purpose=f"case {case.id}, version {plan.version}",
    )
    db.session.commit()
    return plan


def plan_history(case: Case, *, by: User) -> list[SafetyPlan]:
    """Every version of the safety plan, newest first, for a restricted reader."""
    return _history(SafetyPlan, case, by=by, action="idva.plan.view", fields=("items",))


# --- the contact log -----------------------------------------------------------------


def safe_contact_of(case: Case) -> rules.SafeContact:
    victim = case.victim
    return rules.SafeContact(
        has_safe_phone=bool(victim.safe_phone),
        safe_times=victim.safe_times,
        may_leave_message=victim.may_leave_message,
        restricted_address=victim.restricted_address,
    )


@dataclass
class ContactPage:
    case: Case
    may_work: bool
    rules: rules.SafeContact
    safe_phone: str | None
    warnings: list[str]
    contacts: list[ContactAttempt]


def open_contacts(case: Case, *, by: User) -> ContactPage:
    """The contact log and the safe-contact rules, for a restricted reader; records the view."""
    if not policy.may_read_idva_record(by, case):
        raise NotAllowed("marac_case", case.id)
    safe = safe_contact_of(case)
    page = ContactPage(
        case=case,
        may_work=idva_case_of(case) is not None and policy.may_work_idva_case(by, case),
        rules=safe,
        safe_phone=case.victim.safe_phone,
        warnings=rules.warnings(safe),
        contacts=_contacts(case.id),
    )
    record_event(
        "idva.contacts.view",
        object_type="marac_case",
        object_id=case.id,
        fields=("contacts", "safe_phone", "safe_times", "may_leave_message"),
    )
    db.session.commit()
    return page


@dataclass(frozen=True)
class ContactInput:
    contacted_at: datetime
    method: ContactMethod
    outcome: ContactOutcome
    notes: str | None = None
    safety_confirmed: bool = False


def log_contact(case: Case, *, by: User, data: ContactInput) -> ContactAttempt:
    """Log an attempt to contact the victim, keeping the safe-contact rules; commits."""
    _working(case, by)
    safe = safe_contact_of(case)
    problem = rules.refusal(safe, method=data.method, outcome=data.outcome)
    if problem is not None:
        raise Invalid(problem.field, problem.message)
    if rules.needs_confirmation(safe, method=data.method) and not data.safety_confirmed:
        raise Invalid(
            "safety_confirmed",
            f"Confirm you checked that contact by {data.method.label.lower()} was safe",
        )
    if data.contacted_at > utcnow():
        raise Invalid("contacted_on", "The date of the contact must be today or in the past")
    attempt = ContactAttempt(
        id=uuid.uuid4(),  # first: encrypted values are bound to the row id
        case_id=case.id,
        contacted_at=data.contacted_at,
        method=data.method,
        outcome=data.outcome,
        notes=data.notes or None,
        safety_confirmed=data.safety_confirmed,
        recorded_by_id=by.id,
    )
    db.session.add(attempt)
    db.session.flush()
    record_event(
        "idva.contact.log",
        object_type="idva_contact",
        object_id=attempt.id,
        fields=("contacted_at", "method", "outcome", *(("notes",) if data.notes else ())),
        purpose=f"case {case.id}",
    )
    db.session.commit()
    return attempt
