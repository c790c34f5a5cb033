"""Cases: opening one for a victim, linking people, reading it under the policy."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, String, cast, false, func, literal, select, union_all
from sqlalchemy.orm import joinedload, selectinload

from emarac.agencies.models import Area, User
from emarac.auditing import record_event
from emarac.cases.models import (
    Case,
    CaseChild,
    CasePerpetrator,
    CaseSequence,
    CaseStatus,
    CaseTransfer,
    Relationship,
)
from emarac.clock import today
from emarac.disclosures.models import DisclosureKind
from emarac.disclosures.services import record_disclosure
from emarac.extensions import db
from emarac.hooks import Hook
from emarac.incidents.models import Incident
from emarac.notifications import services as notify
from emarac.people import services as people_services
from emarac.people.models import Person
from emarac.people.services import PersonDetails
from emarac.protocol import policy
from emarac.protocol.guard import get_or_404
from emarac.protocol.policy import NotAllowed


def next_reference(year: int) -> str:
    """MARAC-<year>-<6 digits>, never repeated (the counter row is locked while it moves)."""
    row = db.session.scalar(select(CaseSequence).where(CaseSequence.year == year).with_for_update())
    if row is None:
        row = CaseSequence(year=year, last_number=0)
        db.session.add(row)
    row.last_number += 1
    db.session.flush()
    return f"MARAC-{year}-{row.last_number:06d}"


def open_case(*, by: User, victim: Person, opened_on: date | None = None) -> Case:
    """A new case owned by the creator's agency, in their area; commits."""
    if not policy.may_create_case(by):
        raise NotAllowed
    opened = opened_on or today()
    case = Case(
        reference=next_reference(opened.year),
        area_id=by.agency.area_id,
        owning_agency_id=by.agency_id,
        lead_practitioner_id=by.id,
        victim_id=victim.id,
        opened_on=opened,
        is_demo=by.is_demo,
    )
    db.session.add(case)
    db.session.flush()
    record_event(
        "case.create",
        object_type="marac_case",
        object_id=case.id,
        fields=("victim_id", "owning_agency_id", "area_id"),
    )
    db.session.commit()
    return case


def open_case_for(details: PersonDetails, *, by: User, use_person: str = "") -> Case:
    """Open a case for a victim: the known person the user chose, if it was offered to
    them and they may see it, else a new record of the details; commits once."""
    victim = people_services.offered_match(details, actor=by, choice=use_person)
    if victim is None:
        victim = people_services.create_person(details, by=by, role="victim")
    return open_case(by=by, victim=victim)


def case_people_ids(case: Case) -> set[uuid.UUID]:
    """Everyone already on the case: never offered as a match for someone added to it."""
    return {
        case.victim_id,
        *(link.person_id for link in case.perpetrators),
        *(link.person_id for link in case.children),
    }


def matches_to_check(
    case: Case, details: PersonDetails, *, by: User, stage: str
) -> people_services.Matches | None:
    """Before a perpetrator or child is added: the people they may already be, to choose
    from (as for a victim on a new case); None once checked or when there are none."""
    if stage == "confirm":
        return None
    matches = people_services.possible_matches(details, actor=by, exclude=case_people_ids(case))
    return matches if matches.known or matches.hidden else None


def _chosen_or_new(
    case: Case, details: PersonDetails, *, by: User, use_person: str, role: str
) -> Person:
    person = people_services.offered_match(
        details, actor=by, choice=use_person, exclude=case_people_ids(case)
    )
    return person or people_services.create_person(details, by=by, role=role)


def add_perpetrator_for(
    case: Case, details: PersonDetails, *, by: User, relationship: Relationship, use_person: str
) -> CasePerpetrator:
    """Add a perpetrator: the known person the user chose, if offered, else a new record."""
    if not policy.may_edit_case(by, case):
        raise NotAllowed
    person = _chosen_or_new(case, details, by=by, use_person=use_person, role="perpetrator")
    return add_perpetrator(case, by=by, person=person, relationship=relationship)


def add_child_for(
    case: Case,
    details: PersonDetails,
    *,
    by: User,
    school: str | None,
    lives_in_household: bool,
    use_person: str,
) -> CaseChild:
    """Add a child: the known person the user chose, if offered, else a new record."""
    if not policy.may_edit_case(by, case):
        raise NotAllowed
    person = _chosen_or_new(case, details, by=by, use_person=use_person, role="child")
    return add_child(
        case, by=by, person=person, school=school, lives_in_household=lives_in_household
    )


def get_case(actor: User, case_id: uuid.UUID) -> Case:
    """The case if ``actor`` may see it; otherwise NotAllowed (a 404, and audited)."""
    return get_or_404(Case, case_id, may=policy.may_view_case, actor=actor)


def record_view(case: Case, *, shown: tuple[str, ...]) -> None:
    record_event("case.view", object_type="marac_case", object_id=case.id, fields=shown)
    db.session.commit()


def editable_case(actor: User, case_id: uuid.UUID) -> Case:
    case = get_case(actor, case_id)
    if not policy.may_edit_case(actor, case):
        raise NotAllowed("marac_case", case_id, purpose="edit refused")
    return case


def add_perpetrator(
    case: Case, *, by: User, person: Person, relationship: Relationship
) -> CasePerpetrator:
    if not policy.may_edit_case(by, case):
        raise NotAllowed
    link = CasePerpetrator(
        case_id=case.id, person_id=person.id, relationship_to_victim=relationship
    )
    db.session.add(link)
    db.session.flush()
    record_event(
        "case.add_perpetrator",
        object_type="marac_case",
        object_id=case.id,
        fields=("perpetrators", "relationship_to_victim"),
    )
    db.session.commit()
    return link


def add_child(
    case: Case, *, by: User, person: Person, school: str | None, lives_in_household: bool
) -> CaseChild:
    if not policy.may_edit_case(by, case):
        raise NotAllowed
    link = CaseChild(case_id=case.id, person_id=person.id, lives_in_household=lives_in_household)
    link.school = school
    db.session.add(link)
    db.session.flush()
    record_event(
        "case.add_child",
        object_type="marac_case",
        object_id=case.id,
        fields=("children", "school") if school else ("children",),
    )
    db.session.commit()
    return link


def load_for_page(case_id: uuid.UUID) -> Case:
    """The case with its people in a fixed number of queries (no per-row loading)."""
    case = db.session.scalar(
        select(Case)
        .where(Case.id == case_id)
        .options(
            selectinload(Case.perpetrators).selectinload(CasePerpetrator.person),
            selectinload(Case.children).selectinload(CaseChild.person),
            joinedload(Case.victim),
            joinedload(Case.area),
            joinedload(Case.owning_agency),
        )
        .execution_options(populate_existing=True)
    )
    if case is None:
        raise NotAllowed("marac_case", case_id)
    return case


CASES_PER_PAGE = 25
ACTIVE = "active"  # every status but closed

# The cases on the agenda of an area's next meeting, from the meetings feature:
# ``(area_id, today)`` -> a SELECT of case ids.
next_meeting_cases: Hook[Callable[[uuid.UUID, date], Select[tuple[uuid.UUID]]]] = Hook(
    "cases.next_meeting_cases"
)


@dataclass(frozen=True)
class CaseFilter:
    """What the case list is narrowed to; the defaults leave every filter off."""

    status: str | None = None  # a CaseStatus value, or ACTIVE
    mine: bool = False
    repeat: bool = False
    next_meeting: bool = False

    @property
    def in_use(self) -> bool:
        return bool(self.status or self.mine or self.repeat or self.next_meeting)


def visible_cases(
    actor: User,
    flt: CaseFilter | None = None,
    *,
    page: int = 1,
    per_page: int = CASES_PER_PAGE,
) -> tuple[list[Case], int]:
    """One page of the cases ``actor`` may see, most recently active first, with victims."""
    query = select(Case).where(policy.case_filter(actor))
    flt = flt or CaseFilter()
    if flt.status == ACTIVE:
        query = query.where(Case.status != CaseStatus.CLOSED)
    elif flt.status:
        query = query.where(Case.status == flt.status)
    if flt.mine:
        query = query.where(Case.lead_practitioner_id == actor.id)
    if flt.repeat:
        query = query.where(Case.is_repeat.is_(True))
    if flt.next_meeting:
        sources = [source(actor.agency.area_id, today()) for source in next_meeting_cases.items()]
        query = query.where(Case.id.in_(union_all(*sources)) if sources else false())
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db.session.scalars(
        query.options(joinedload(Case.owning_agency), selectinload(Case.victim))
        .order_by(Case.last_activity_at.desc(), Case.created_at.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return list(rows), total


# --- the timeline ---------------------------------------------------------------


@dataclass(frozen=True)
class TimelineSource:
    """What a later feature adds to the timeline: rows of one kind for a case, and their title.

    ``rows`` returns SELECT (at, kind, oid) for the case, with ``kind`` as here.
    """

    kind: str
    title: str
    rows: Callable[[Case], Select[Any]]


timeline_sources: Hook[TimelineSource] = Hook("cases.timeline_sources")
"""Risk assessments and referrals plug in here; incidents and the opening are built in."""


@dataclass(frozen=True)
class TimelineEntry:
    when: datetime
    kind: str
    title: str
    object_id: str


def timeline(case: Case, *, page: int = 1, per_page: int = 50) -> tuple[list[TimelineEntry], int]:
    """Everything that happened on a case, newest first, from one UNION query per page.

    Each source contributes (when, kind, id); the page's rows are then described
    from a second query per kind, so the cost does not grow with the page size.
    """
    plugged = timeline_sources.items()
    sources = [
        select(
            Incident.occurred_at.label("at"),
            literal("incident").label("kind"),
            cast(Incident.id, String).label("oid"),
        ).where(Incident.victim_id == case.victim_id),
        select(
            Case.created_at.label("at"),
            literal("opened").label("kind"),
            cast(Case.id, String).label("oid"),
        ).where(Case.id == case.id),
        *[source.rows(case) for source in plugged],
    ]
    combined = union_all(*sources).subquery()
    total = db.session.scalar(select(func.count()).select_from(combined)) or 0
    rows = db.session.execute(
        select(combined.c.at, combined.c.kind, combined.c.oid)
        .order_by(combined.c.at.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    incident_ids = [uuid.UUID(r.oid) for r in rows if r.kind == "incident"]
    incidents = {}
    if incident_ids:
        incidents = {
            i.id: i
            for i in db.session.scalars(
                select(Incident)
                .where(Incident.id.in_(incident_ids))
                .options(selectinload(Incident.reporting_agency))
            )
        }
    titles = {source.kind: source.title for source in plugged}
    entries = []
    for row in rows:
        if row.kind == "incident":
            incident = incidents[uuid.UUID(row.oid)]
            types = ", ".join(t.label for t in incident.types) or "Incident"
            title = f"Incident recorded by {incident.reporting_agency.name}: {types}"
        elif row.kind == "opened":
            title = f"Case opened ({case.reference})"
        else:
            title = titles.get(row.kind, row.kind.replace("_", " ").capitalize())
        # One spelling of the id on both databases (SQLite casts a UUID to bare hex).
        entries.append(TimelineEntry(row.at, row.kind, title, str(uuid.UUID(row.oid))))
    return entries, total


# --- what later features hold on the case, for the case page ---------------------


@dataclass(frozen=True)
class ReferralState:
    """The case's latest referral as the case page shows it, and whether to offer another."""

    referral_id: uuid.UUID
    submitted_on: date
    status: str  # in words
    refer_again: bool


referral_state: Hook[Callable[[Case], ReferralState | None]] = Hook("cases.referral_state")
"""The referrals feature says where the case's referral stands (None: never referred)."""


@dataclass(frozen=True)
class Hearing:
    """A meeting the case was on, with what the meeting decided."""

    meeting_id: uuid.UUID
    title: str
    held_on: date
    outcome: str  # in words
    actions: int  # agreed for the case at this meeting
    open_actions: int


hearings_of: Hook[Callable[[Case], list[Hearing]]] = Hook("cases.hearings_of")
"""The meetings feature lists the meetings a case was on, oldest first."""


def referral_of(case: Case) -> ReferralState | None:
    """Where the case's referral stands, from the referrals feature."""
    for source in referral_state.items():
        found = source(case)
        if found is not None:
            return found
    return None


def hearings(case: Case) -> list[Hearing]:
    return [h for source in hearings_of.items() for h in source(case)]


after_transfer: Hook[Callable[[Case], None]] = Hook("cases.after_transfer")
"""Each moves what it keeps for a case to the case's new area (``case.area_id``), uncommitted."""


def transfer_case(case: Case, *, to_area_id: uuid.UUID, by: User, reason: str) -> CaseTransfer:
    """Move a case to another area's MARAC (its coordinator decides); commits.

    Everything recorded on the case (people, incidents, checklists, referrals,
    and later minutes and actions) stays linked to it, so it travels along;
    the new area's coordinators see it from now on, the old area's no longer.
    """
    if not policy.may_transfer_case(by, case):
        raise NotAllowed
    if to_area_id == case.area_id or db.session.get(Area, to_area_id) is None:
        raise NotAllowed
    if not reason.strip():
        raise ValueError("a transfer needs a reason")
    transfer = CaseTransfer(
        case_id=case.id, from_area_id=case.area_id, to_area_id=to_area_id, transferred_by_id=by.id
    )
    transfer.reason = reason
    record_disclosure(
        DisclosureKind.CASE_TRANSFER,
        by=by,
        object_type="marac_case",
        object_id=case.id,
        case=case,
        to_area=db.session.get(Area, to_area_id),
        purpose="The case moves to the MARAC of the area the victim now lives in",
    )
    case.area_id = to_area_id
    # What later features keep for the case follows it (referrals waiting for triage).
    for follow in after_transfer.items():
        follow(case)
    db.session.add(transfer)
    db.session.flush()
    record_event(
        "case.transfer",
        object_type="marac_case",
        object_id=case.id,
        fields=("area_id", "reason"),
        recipient=f"area {to_area_id}",
    )
    notify.to_coordinators(
        to_area_id,
        case=case,
        kind="case.transfer_in",
        text=f"{case.reference} transferred to your MARAC",
    )
    db.session.commit()
    return transfer


def cases_of_people(actor: User, person_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[Case]]:
    """Each person's cases (as victim, perpetrator or child) that the actor may see.

    Three queries in all, however many people.
    """
    found: dict[uuid.UUID, list[Case]] = {}
    links = [
        select(Case.victim_id, Case.id).where(Case.victim_id.in_(person_ids)),
        select(CasePerpetrator.person_id, CasePerpetrator.case_id).where(
            CasePerpetrator.person_id.in_(person_ids)
        ),
        select(CaseChild.person_id, CaseChild.case_id).where(CaseChild.person_id.in_(person_ids)),
    ]
    pairs = [row for query in links for row in db.session.execute(query)]
    case_ids = {case_id for _, case_id in pairs}
    cases = {
        c.id: c
        for c in db.session.scalars(
            select(Case).where(Case.id.in_(case_ids), policy.case_filter(actor))
        )
    }
    for person_id, case_id in pairs:
        if case_id in cases:
            found.setdefault(person_id, []).append(cases[case_id])
    return found


def transfer_destinations(case: Case) -> list[tuple[uuid.UUID, str]]:
    """(id, name) of every area the case could move to, by name."""
    rows = db.session.execute(
        select(Area.id, Area.name).where(Area.id != case.area_id).order_by(Area.name)
    )
    return [(i, n) for i, n in rows]


def transfers_of(case: Case) -> list[CaseTransfer]:
    return list(
        db.session.scalars(
            select(CaseTransfer)
            .where(CaseTransfer.case_id == case.id)
            .order_by(CaseTransfer.transferred_at)
        )
    )
