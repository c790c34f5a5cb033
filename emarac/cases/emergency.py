"""Break-glass: asking for emergency access to a case, ending it, reviewing it.

Access is read only, lasts at most 24 hours, and is never quiet: the owning
agency and the area's coordinators are told at once, every step is in the
ledger, and a coordinator marks each use justified or not.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from emarac.agencies.models import User
from emarac.auditing import record_event
from emarac.cases.models import Case, EmergencyAccess
from emarac.clock import utcnow
from emarac.disclosures.models import DisclosureKind
from emarac.disclosures.services import record_disclosure
from emarac.extensions import db
from emarac.notifications import services as notify
from emarac.protocol import policy
from emarac.protocol.policy import NotAllowed

MAX_HOURS = 24
HOUR_CHOICES = (1, 4, 8, 24)
MIN_REASON = 20


class Invalid(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def request_access(case: Case, *, by: User, reason: str, hours: int) -> EmergencyAccess:
    """Open the case to ``by``, read only, for ``hours``; tell the owner and coordinators."""
    if not policy.may_request_emergency_access(by, case):
        raise NotAllowed("marac_case", case.id, purpose="emergency access refused")
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON:
        raise Invalid("reason", "Explain why you need the case now, in at least 20 characters")
    if hours not in HOUR_CHOICES:
        raise Invalid("hours", "Choose how long you need access for")
    now = utcnow()
    access = EmergencyAccess(
        case_id=case.id,
        user_id=by.id,
        agency_id=by.agency_id,
        granted_at=now,
        expires_at=now + timedelta(hours=min(hours, MAX_HOURS)),
    )
    access.reason = reason
    db.session.add(access)
    db.session.flush()
    record_event(
        "case.emergency_access",
        object_type="marac_case",
        object_id=case.id,
        fields=("reason",),
        purpose=f"break-glass for {hours} h; emergency access {access.id}",
    )
    record_disclosure(
        DisclosureKind.EMERGENCY_ACCESS,
        by=by,
        object_type="marac_case",
        object_id=case.id,
        case=case,
        to_user=by,
        purpose=f"Emergency read-only access for {hours} hours (reason given by the requester)",
    )
    text = (
        f"Emergency access to {case.reference} by {by.full_name} ({by.agency.name}) "
        f"until {access.expires_at:%H:%M on %-d %B %Y}: review it"
    )
    notify.to_agency(case.owning_agency_id, case=case, kind="case.emergency_access", text=text)
    notify.to_coordinators(case.area_id, case=case, kind="case.emergency_access", text=text)
    db.session.commit()
    return access


def end_access(access: EmergencyAccess, *, by: User) -> None:
    if not policy.may_end_emergency_access(by, access):
        raise NotAllowed("emergency_access", access.id)
    if access.ended_at is None:
        access.ended_at = utcnow()
        record_event(
            "case.emergency_access_end",
            object_type="marac_case",
            object_id=access.case_id,
            fields=("ended_at",),
            purpose=f"emergency access {access.id} ended by its holder",
        )
    db.session.commit()


REVIEW_OUTCOMES = {"justified": "Justified", "not_justified": "Not justified"}


def review(access: EmergencyAccess, *, by: User, outcome: str, note: str | None) -> None:
    if not policy.may_review_emergency_access(by, access):
        raise NotAllowed("emergency_access", access.id)
    if outcome not in REVIEW_OUTCOMES:
        raise Invalid("outcome", "Choose whether the use was justified")
    if outcome == "not_justified" and not (note or "").strip():
        raise Invalid("note", "Say why the use was not justified")
    access.review_outcome = outcome
    access.review_note = (note or "").strip() or None
    access.reviewed_by_id = by.id
    access.reviewed_at = utcnow()
    record_event(
        "case.emergency_access_review",
        object_type="marac_case",
        object_id=access.case_id,
        fields=("review_outcome", "review_note"),
        purpose=f"emergency access {access.id}: {outcome}",
    )
    if outcome == "not_justified":
        notify.to_agency(
            access.agency_id,
            case=None,
            kind="case.emergency_access_review",
            text=f"An emergency access to {access.case.reference} by {access.user.full_name} "
            "was reviewed as not justified",
        )
    db.session.commit()


def review_queue(actor: User) -> list[EmergencyAccess]:
    """Uses to review in the actor's area: waiting ones first, newest first."""
    rows = db.session.scalars(
        select(EmergencyAccess)
        .where(policy.emergency_review_filter(actor))
        .options(
            selectinload(EmergencyAccess.case),
            selectinload(EmergencyAccess.user),
            selectinload(EmergencyAccess.agency),
        )
        .order_by(EmergencyAccess.reviewed_at.is_not(None), EmergencyAccess.granted_at.desc())
        .limit(200)
    )
    return list(rows)


def get_access(access_id: uuid.UUID) -> EmergencyAccess | None:
    return db.session.get(EmergencyAccess, access_id)
