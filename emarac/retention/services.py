"""The retention review: closed cases due for review, retained or erased."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import joinedload

from emarac.agencies.models import User
from emarac.auditing import record_event
from emarac.cases.models import Case, CaseStatus
from emarac.clock import today
from emarac.extensions import db
from emarac.protocol import policy
from emarac.protocol.guard import get_or_404
from emarac.protocol.policy import NotAllowed
from emarac.retention.erasure import Erased, erase_case
from emarac.retention.models import Outcome, RetentionDecision

PER_PAGE = 25


class Invalid(ValueError):
    """A decision that cannot be saved, with the form field to show it on."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _due(on: date) -> list[object]:
    """Closed, not erased, review date reached. Retaining moves ``review_on`` on,
    so a retained case leaves the queue until its new review date."""
    return [
        Case.status == CaseStatus.CLOSED,
        Case.erased_on.is_(None),
        Case.review_on.is_not(None),
        Case.review_on <= on,
    ]


def review_queue(actor: User, *, page: int = 1) -> tuple[list[Case], int]:
    """The actor's area's due cases, oldest review first, one page; and how many in all."""
    if not policy.may_review_retention(actor):
        raise NotAllowed("marac_case", purpose="retention queue refused")
    query = select(Case).where(policy.retention_queue_filter(actor), *_due(today()))  # type: ignore[arg-type]
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db.session.scalars(
        query.options(joinedload(Case.owning_agency))
        .order_by(Case.review_on, Case.reference)
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE)
    ).all()
    return list(rows), total


def case_to_review(actor: User, case_id: uuid.UUID) -> Case:
    return get_or_404(Case, case_id, may=policy.may_decide_retention, actor=actor)


def decisions_of(case: Case) -> list[RetentionDecision]:
    return list(
        db.session.scalars(
            select(RetentionDecision)
            .where(RetentionDecision.case_id == case.id)
            .options(joinedload(RetentionDecision.decided_by))
            .order_by(RetentionDecision.decided_at.desc())
        )
    )


def retain(case: Case, *, by: User, reason: str, next_review_on: date | None) -> None:
    """Keep the case until a new review date; commits."""
    if not policy.may_decide_retention(by, case):
        raise NotAllowed("marac_case", case.id)
    if not reason.strip():
        raise Invalid("reason", "Enter why the case is kept")
    if next_review_on is None:
        raise Invalid("next_review_on", "Enter the next review date")
    if next_review_on <= today():
        raise Invalid("next_review_on", "The next review date must be in the future")
    decision = RetentionDecision(
        case_id=case.id,
        outcome=Outcome.RETAIN,
        review_was=case.review_on,
        next_review_on=next_review_on,
        decided_by_id=by.id,
    )
    decision.reason = reason.strip()
    db.session.add(decision)
    case.review_on = next_review_on
    record_event(
        "case.retain",
        object_type="marac_case",
        object_id=case.id,
        fields=("review_on", "retention_decision.reason"),
    )
    db.session.commit()


def erase(case: Case, *, by: User, reason: str) -> Erased:
    """Erase one case from the web queue (the coordinator has confirmed it); commits."""
    if not policy.may_decide_retention(by, case):
        raise NotAllowed("marac_case", case.id)
    if not reason.strip():
        raise Invalid("reason", "Enter why the case is erased")
    return erase_case(case, by=by, reason=reason.strip(), purpose="retention review")


# --- the bulk command ---------------------------------------------------------------


def due_case_ids(on: date) -> list[uuid.UUID]:
    """Every area's cases due for erasure: due, and no retain decision newer than the due date.

    A retain decision moves ``review_on`` on, so the second test only matters
    for a review date set back by hand; it is kept as the rule says.
    """
    retained = exists().where(
        and_(
            RetentionDecision.case_id == Case.id,
            RetentionDecision.outcome == Outcome.RETAIN,
            RetentionDecision.next_review_on > on,
        )
    )
    query = select(Case.id).where(*_due(on), ~retained).order_by(Case.review_on, Case.id)  # type: ignore[arg-type]
    return list(db.session.scalars(query))


@dataclass(frozen=True)
class BulkStep:
    case_id: uuid.UUID
    result: Erased | None


def erase_due(on: date, *, dry_run: bool) -> Iterator[BulkStep]:
    """Erase each due case in its own transaction, yielding after each one.

    Killed part way, a new run finds only the cases still due: finished ones are
    erased (``erased_on`` set) and no longer match, so it resumes where it stopped.
    """
    for case_id in due_case_ids(on):
        case = db.session.get(Case, case_id)
        if case is None or case.erased_on is not None:
            continue
        if dry_run:
            yield BulkStep(case_id, None)
            continue
        result = erase_case(case, by=None, reason=None, purpose="retention erase --due")
        yield BulkStep(case_id, result)
