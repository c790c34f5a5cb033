"""How cases take part in people's search and merging.

People stand below cases, so ``people.services`` cannot look at cases itself;
``create_app`` plugs these functions into its hooks: a search by case
reference, hints of cases the searcher may not see, the case columns that
merging moves, and the one reason two people cannot be merged.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select, select, union

from emarac.agencies.models import Agency, Area, User, UserRole
from emarac.cases.models import Case, CaseChild, CasePerpetrator
from emarac.extensions import db
from emarac.people.models import Person
from emarac.people.services import Contact, KnownHint
from emarac.protocol import policy

PERSON_LINKS: tuple[tuple[Any, str], ...] = (
    (Case, "victim_id"),
    (CasePerpetrator, "person_id"),
    (CaseChild, "person_id"),
)
"""The case columns that point at a person: merging people moves them."""


def victims_with_reference(reference: str) -> Select[Any]:
    """The victim of the case with this reference."""
    return select(Case.victim_id).where(Case.reference == reference.strip().upper())


def known_hints(actor: User, person_ids: list[uuid.UUID]) -> list[KnownHint]:
    """One hint per case linked to these people (victim, perpetrator, child) that may be hinted."""
    # Their few cases first, then the rule on those alone: as a subquery, PostgreSQL
    # applied the rule to every case before joining the few (most of a search at scale).
    case_ids = db.session.scalars(_cases_of(person_ids)).all()
    if not case_ids:
        return []
    rows = db.session.execute(
        select(Case.id, Case.reference, Case.area_id, Area.name)
        .join(Area, Area.id == Case.area_id)
        .where(Case.id.in_(case_ids), policy.hint_case_filter(actor))
        .order_by(Case.reference)
    ).all()
    contacts = _coordinators({area_id for _, _, area_id, _ in rows})
    return [
        KnownHint(case_id, reference, area_name, contacts.get(area_id, ()))
        for case_id, reference, area_id, area_name in rows
    ]


def _cases_of(person_ids: list[uuid.UUID]) -> Any:
    return union(
        select(Case.id).where(Case.victim_id.in_(person_ids)),
        select(CasePerpetrator.case_id).where(CasePerpetrator.person_id.in_(person_ids)),
        select(CaseChild.case_id).where(CaseChild.person_id.in_(person_ids)),
    )


def _coordinators(area_ids: set[uuid.UUID]) -> dict[uuid.UUID, tuple[Contact, ...]]:
    """The active coordinators of each area, by name, in one query."""
    if not area_ids:
        return {}
    rows = db.session.execute(
        select(Agency.area_id, User.full_name, Agency.name, User.email)
        .join(Agency, Agency.id == User.agency_id)
        .join(UserRole, UserRole.user_id == User.id)
        .where(Agency.area_id.in_(area_ids), policy.hint_contact_filter())
        .distinct()
        .order_by(User.full_name, User.email)
    ).all()
    found: dict[uuid.UUID, tuple[Contact, ...]] = {}
    for area_id, full_name, agency_name, email in rows:
        found[area_id] = (*found.get(area_id, ()), Contact(full_name, agency_name, email))
    return found


def merge_conflict(keep: Person, merge: Person) -> str | None:
    """Two perpetrator (or child) links of one case would become one person twice."""
    for link in (CasePerpetrator, CaseChild):
        kept = select(link.case_id).where(link.person_id == keep.id)
        found = db.session.scalar(
            select(link.id).where(link.person_id == merge.id, link.case_id.in_(kept)).limit(1)
        )
        if found is not None:
            return (
                "Both records are linked to the same case. Remove one of them from that case first"
            )
    return None
