"""Erasing a closed case at its retention review: personal values go, statistics stay.

Erasure overwrites with NULL, in one transaction per case, every encrypted
column (and every blind index) of the rows that belong to the case: its
children's details, risk answers and judgements, referrals, repeat and
reported-incident decisions, agenda items (discussion and drafts), research,
minutes, actions and their updates, transfers, exclusions, emergency access,
earlier retention reasons, and the IDVA's record (status notes, the victim's
voice, safety plans, contact notes). Its people are erased too, with their aliases,
name tokens, corrections and incidents, unless another case that is not
erased still links them: that case still needs them, so they are left whole.

What the indicators count is kept: ids, dates, categories, flags, risk
levels, counts, and the people's plain statistical fields (gender, ethnic
group, birth year...). The ledger keeps its rows; the erasure adds one.

Why overwrite rather than crypto-shredding: values are encrypted per field
under the area-wide data key ring (rotated as a whole), not under a key per
case. A person is shared between cases, so a per-case key would not fit a
person's row; a per-person key would need a new key table, and key rotation
to learn it. NULLing the ciphertext removes it from the live database just as
surely; backups age out on their own schedule either way.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Table, delete, or_, select, union, update

from emarac.actions.models import Action, ActionUpdate
from emarac.agencies.models import User
from emarac.auditing import record_event
from emarac.cases.models import (
    Case,
    CaseChild,
    CaseExclusion,
    CasePerpetrator,
    CaseTransfer,
    EmergencyAccess,
)
from emarac.clock import today
from emarac.crypto.fields import REGISTRY, indexes_of
from emarac.extensions import db
from emarac.idva.models import ContactAttempt, IdvaStatusChange, SafetyPlan, VictimsVoice
from emarac.incidents.models import Incident, IncidentVersion
from emarac.meetings.models import AgendaItem, Minutes, MinutesVersion, Research
from emarac.people.models import NameToken, Person, PersonAlias, PersonCorrection
from emarac.referrals.models import Referral, RepeatReview
from emarac.retention.models import Outcome, RetentionDecision
from emarac.risk.models import RiskAnswer, RiskAssessment

# Tables with encrypted columns that hold no case's data (accounts, keys; the
# apologies sent for a meeting name members of staff, not the people of a case).
NOT_CASE_DATA = frozenset({"user_account", "meeting_apology"})


@dataclass(frozen=True)
class Erased:
    """What one erasure did, in counts only."""

    people_erased: int
    people_kept: int
    rows_cleared: int


def _people_of(case_id: uuid.UUID) -> set[uuid.UUID]:
    rows = db.session.execute(
        union(
            select(Case.victim_id).where(Case.id == case_id),
            select(CasePerpetrator.person_id).where(CasePerpetrator.case_id == case_id),
            select(CaseChild.person_id).where(CaseChild.case_id == case_id),
        )
    )
    return {row[0] for row in rows}


def _needed_elsewhere(case_id: uuid.UUID, people: set[uuid.UUID]) -> set[uuid.UUID]:
    """The people another case that is not erased links (as victim, perpetrator or child)."""
    if not people:
        return set()
    live = (Case.id != case_id) & Case.erased_on.is_(None)
    rows = db.session.execute(
        union(
            select(Case.victim_id).where(live, Case.victim_id.in_(people)),
            select(CasePerpetrator.person_id)
            .join(Case, Case.id == CasePerpetrator.case_id)
            .where(live, CasePerpetrator.person_id.in_(people)),
            select(CaseChild.person_id)
            .join(Case, Case.id == CaseChild.case_id)
            .where(live, CaseChild.person_id.in_(people)),
        )
    )
    return {row[0] for row in rows}


def _cleared_columns(model: type) -> dict[str, None]:
    table: Table = model.__table__  # type: ignore[attr-defined]
    names = [info.column for info in REGISTRY.get(table.name, [])]
    names += [index.column for index in indexes_of(model)]
    return dict.fromkeys(names)


def _clear(model: type, where: ColumnElement[bool]) -> int:
    """NULL every encrypted column and blind index of ``model``'s rows matching ``where``."""
    result = db.session.execute(
        update(model).where(where).values(_cleared_columns(model)),
        execution_options={"synchronize_session": False},
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _case_rows(case_id: uuid.UUID) -> list[tuple[type, ColumnElement[bool]]]:
    """The case's own rows with encrypted values, as (model, WHERE)."""
    assessments = select(RiskAssessment.id).where(RiskAssessment.case_id == case_id)
    actions = select(Action.id).where(Action.case_id == case_id)
    minutes = select(Minutes.id).where(Minutes.case_id == case_id)
    return [
        (CaseChild, CaseChild.case_id == case_id),
        (CaseTransfer, CaseTransfer.case_id == case_id),
        (CaseExclusion, CaseExclusion.case_id == case_id),
        (EmergencyAccess, EmergencyAccess.case_id == case_id),
        (RiskAssessment, RiskAssessment.case_id == case_id),
        (RiskAnswer, RiskAnswer.assessment_id.in_(assessments)),
        (Referral, Referral.case_id == case_id),
        (RepeatReview, RepeatReview.case_id == case_id),
        (AgendaItem, AgendaItem.case_id == case_id),
        (Research, Research.case_id == case_id),
        (Minutes, Minutes.case_id == case_id),
        (MinutesVersion, MinutesVersion.minutes_id.in_(minutes)),
        (Action, Action.case_id == case_id),
        (ActionUpdate, ActionUpdate.action_id.in_(actions)),
        (RetentionDecision, RetentionDecision.case_id == case_id),
        (IdvaStatusChange, IdvaStatusChange.case_id == case_id),
        (VictimsVoice, VictimsVoice.case_id == case_id),
        (SafetyPlan, SafetyPlan.case_id == case_id),
        (ContactAttempt, ContactAttempt.case_id == case_id),
    ]


def _people_rows(people: set[uuid.UUID]) -> list[tuple[type, ColumnElement[bool]]]:
    """The rows of people being erased: their details, aliases, corrections and incidents
    (with the incidents' earlier versions).

    An incident is the victim's: it goes with its victim. One against a kept
    victim (a perpetrator erased here, the victim needed by another case) stays.
    """
    if not people:
        return []
    merged = select(Person.id).where(Person.merged_into_id.in_(people))
    who = Person.id.in_(people) | Person.id.in_(merged)
    return [
        (Person, who),
        (PersonAlias, PersonAlias.person_id.in_(select(Person.id).where(who))),
        (PersonCorrection, PersonCorrection.person_id.in_(select(Person.id).where(who))),
        (Incident, Incident.victim_id.in_(select(Person.id).where(who))),
        (
            IncidentVersion,
            IncidentVersion.incident_id.in_(
                select(Incident.id).where(Incident.victim_id.in_(select(Person.id).where(who)))
            ),
        ),
    ]


def covered_tables() -> set[str]:
    """Tables whose encrypted columns erasure clears (a test checks none is missed)."""
    probe = uuid.uuid4()
    models = [m for m, _ in _case_rows(probe) + _people_rows({probe})]
    return {m.__table__.name for m in models}  # type: ignore[attr-defined]


def erase_case(case: Case, *, by: User | None, reason: str | None, purpose: str) -> Erased:
    """Erase a closed case's personal values; records the decision and ``case.erase``; commits.

    ``by`` is None for the bulk command (the ledger then names no user).
    The caller has checked the policy (the web service) or runs as the operator.
    """
    if case.erased_on is not None:
        raise ValueError("The case has already been erased")
    if case.is_open:
        raise ValueError("Only a closed case can be erased")
    people = _people_of(case.id)
    kept = _needed_elsewhere(case.id, people)
    erased_people = people - kept
    cleared = 0
    touched: set[str] = set()
    for model, where in _case_rows(case.id) + _people_rows(erased_people):
        count = _clear(model, where)
        cleared += count
        if count:
            touched.update(f"{model.__table__.name}.{c}" for c in _cleared_columns(model))  # type: ignore[attr-defined]
    if erased_people:
        ids = select(Person.id).where(
            Person.id.in_(erased_people) | Person.merged_into_id.in_(erased_people)
        )
        owned = or_(
            NameToken.person_id.in_(ids),
            NameToken.alias_id.in_(select(PersonAlias.id).where(PersonAlias.person_id.in_(ids))),
        )
        db.session.execute(
            delete(NameToken).where(owned), execution_options={"synchronize_session": False}
        )
        touched.add("person_name_token")
    review_was = case.review_on
    case.erased_on = today()
    decision = RetentionDecision(
        case_id=case.id,
        outcome=Outcome.ERASE,
        review_was=review_was,
        decided_by_id=by.id if by is not None else None,
    )
    decision.reason = reason
    db.session.add(decision)
    record_event(
        "case.erase",
        object_type="marac_case",
        object_id=case.id,
        fields=sorted(touched | {"marac_case.erased_on"}),
        purpose=purpose,
    )
    db.session.commit()
    db.session.expire_all()
    return Erased(len(erased_people), len(kept), cleared)
