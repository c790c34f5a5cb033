"""Closing a case after its hearing, and its "must not receive" list.

A case closes once it has been heard and every action on it is done or cannot
be done. Closing sets the date its retention is reviewed (``retention_years``
after closure) and ends the access that meeting agendas gave other agencies.
"""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from emarac.agencies.models import Agency, User
from emarac.auditing import record_event
from emarac.cases.lifecycle import open_action_count, was_heard
from emarac.cases.models import Case, CaseExclusion, CaseStatus
from emarac.clock import today, utcnow
from emarac.config import current_settings
from emarac.extensions import db
from emarac.protocol import policy
from emarac.protocol.policy import NotAllowed


def review_date(closed_on: date, years: int) -> date:
    """The same day ``years`` later; 29 February falls back to the 28th."""
    try:
        return closed_on.replace(year=closed_on.year + years)
    except ValueError:
        return closed_on.replace(year=closed_on.year + years, day=28)


def reasons_not_to_close(case: Case) -> list[str]:
    """Why the case cannot close yet, in words for the coordinator; empty when it can."""
    reasons = []
    if case.status == CaseStatus.CLOSED:
        return ["The case is already closed"]
    if not was_heard(case.id):
        reasons.append("The case has not been heard at a MARAC yet")
    count = open_action_count(case.id)
    if count:
        reasons.append(f"{count} action{'s are' if count != 1 else ' is'} still open")
    return reasons


def close_case(case: Case, *, by: User) -> None:
    """Close a heard case whose actions are finished; commits."""
    if not policy.may_close_case(by, case):
        raise NotAllowed
    reasons = reasons_not_to_close(case)
    if reasons:
        raise ValueError("; ".join(reasons))
    case.status = CaseStatus.CLOSED
    case.closed_on = today()
    case.review_on = review_date(case.closed_on, current_settings().retention_years)
    record_event(
        "case.close",
        object_type="marac_case",
        object_id=case.id,
        fields=("status", "closed_on", "review_on"),
    )
    db.session.commit()


def exclusions_of(case_id: uuid.UUID) -> list[CaseExclusion]:
    return list(
        db.session.scalars(
            select(CaseExclusion)
            .where(CaseExclusion.case_id == case_id)
            .options(selectinload(CaseExclusion.user), selectinload(CaseExclusion.agency))
            .order_by(CaseExclusion.added_at)
        )
    )


def exclusion_choices(case: Case) -> list[tuple[str, str]]:
    """People and agencies of the case's area that can be put on the list."""
    agencies = db.session.scalars(
        select(Agency).where(Agency.area_id == case.area_id).order_by(Agency.name)
    ).all()
    users = db.session.scalars(
        select(User).where(User.agency_id.in_([a.id for a in agencies]))
    ).all()
    choices = [(f"agency:{a.id}", f"{a.name} (the whole agency)") for a in agencies]
    choices += sorted(
        ((f"user:{u.id}", f"{u.full_name}, {u.agency.name}") for u in users if u.is_active),
        key=lambda c: c[1],
    )
    return choices


def add_exclusion(case: Case, *, by: User, choice: str, reason: str) -> CaseExclusion:
    """Put one person or agency on the case's "must not receive" list; commits."""
    if not policy.may_manage_exclusions(by, case):
        raise NotAllowed
    if choice not in {value for value, _ in exclusion_choices(case)}:
        raise ValueError("Choose a person or an agency")
    if not reason.strip():
        raise ValueError("Enter why they must not receive this case's information")
    kind, _, raw_id = choice.partition(":")
    target = uuid.UUID(raw_id)
    exclusion = CaseExclusion(
        case_id=case.id,
        user_id=target if kind == "user" else None,
        agency_id=target if kind == "agency" else None,
        added_by_id=by.id,
        added_at=utcnow(),
    )
    exclusion.reason = reason.strip()
    db.session.add(exclusion)
    db.session.flush()
    record_event(
        "case.exclusion_add",
        object_type="marac_case",
        object_id=case.id,
        fields=("must_not_receive", "reason"),
        recipient=choice,
    )
    db.session.commit()
    return exclusion


def remove_exclusion(case: Case, exclusion_id: uuid.UUID, *, by: User) -> None:
    if not policy.may_manage_exclusions(by, case):
        raise NotAllowed
    exclusion = db.session.get(CaseExclusion, exclusion_id)
    if exclusion is None or exclusion.case_id != case.id:
        raise NotAllowed
    target = f"user:{exclusion.user_id}" if exclusion.user_id else f"agency:{exclusion.agency_id}"
    db.session.delete(exclusion)
    record_event(
        "case.exclusion_remove",
        object_type="marac_case",
        object_id=case.id,
        fields=("must_not_receive",),
        recipient=target,
    )
    db.session.commit()
