"""The research pack on each agenda row: who the case is about and what is known.

For a reader the policy lets see the case: the victim's name and age at the
meeting, the perpetrators, the children's ages, the referral (agency, criteria,
checklist score and band), earlier hearings at MARAC, the IDVA service, and
which invited agencies have sent research and which have not. Anyone else who
may see the agenda gets the case reference (and the repeat tag) only.

The agenda is read in a fixed number of statements whatever its length:
cases, people and links come in batches (``selectinload`` and ``IN``), and
only the values shown are decrypted. The referral's facts come from the
referrals feature, which stands above meetings, through the
``pack_referrals`` hook.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from emarac.agencies.models import Agency, User
from emarac.auditing import commit_read, record_event
from emarac.cases.models import Case, CaseChild, CasePerpetrator
from emarac.extensions import db
from emarac.hooks import Hook
from emarac.meetings.models import AgendaItem, Meeting, MeetingInvite, Research
from emarac.meetings.research import barred
from emarac.protocol import policy


@dataclass(frozen=True)
class ReferralFacts:
    """What the pack shows of the referral that put a case on the agenda."""

    referring_agency: str
    criteria: tuple[str, ...]  # labels, in the referral's order
    yes_count: int | None
    band: str | None  # "High", from the area's bands on the referral's date


pack_referrals: Hook[Callable[[Collection[uuid.UUID]], dict[uuid.UUID, ReferralFacts]]] = Hook(
    "meetings.pack_referrals"
)
"""Given referral ids, their facts by id (one or two queries). Referrals plug in."""


@dataclass(frozen=True)
class Pack:
    victim_name: str
    victim_age: int | None
    perpetrators: tuple[str, ...]
    children_ages: tuple[int | None, ...]
    idva_service: str | None
    previous_hearings: tuple[date, ...]
    referral: ReferralFacts | None
    responded: tuple[str, ...]
    outstanding: tuple[str, ...]


@dataclass(frozen=True)
class AgendaRow:
    """One agenda line; ``pack`` is None for a reader who may not see the case."""

    item: AgendaItem
    reference: str
    pack: Pack | None
    research_added: bool  # by the reader's own agency


# What the pack shows, for the ledger (field names, never values).
PACK_FIELDS = (
    "victim.name",
    "victim.date_of_birth",
    "perpetrators.name",
    "children.date_of_birth",
    "referral",
    "idva_agency",
    "previous_hearings",
    "research_status",
)


def agenda_rows(meeting: Meeting, *, by: User) -> list[AgendaRow]:
    """The agenda with each readable case's pack; records one ``meeting.pack_view``; commits.

    The event names the meeting and, in its purpose, the ids of the cases whose
    pack was shown, so a case's readers can be traced without one statement per case.
    """
    readable = policy.readable_case_ids(by, [i.case_id for i in meeting.items])
    if readable:
        record_event(
            "meeting.pack_view",
            object_type="meeting",
            object_id=meeting.id,
            fields=PACK_FIELDS,
            purpose="cases " + ",".join(sorted(str(c) for c in readable)),
        )
        commit_read()
    items = list(meeting.items)
    invited: dict[uuid.UUID, str] = {
        agency_id: name
        for agency_id, name in db.session.execute(
            select(Agency.id, Agency.name)
            .join(MeetingInvite, MeetingInvite.agency_id == Agency.id)
            .where(MeetingInvite.meeting_id == meeting.id)
        )
    }
    responded: dict[uuid.UUID, set[uuid.UUID]] = {}
    for case_id, agency_id in db.session.execute(
        select(Research.case_id, Research.agency_id).where(Research.meeting_id == meeting.id)
    ):
        responded.setdefault(case_id, set()).add(agency_id)
    packs = _packs(meeting, [i for i in items if i.case_id in readable], invited, responded)
    return [
        AgendaRow(
            item=item,
            reference=item.case.reference,
            pack=packs.get(item.case_id),
            research_added=by.agency_id in responded.get(item.case_id, set()),
        )
        for item in items
    ]


def _packs(
    meeting: Meeting,
    items: list[AgendaItem],
    invited: dict[uuid.UUID, str],
    responded: dict[uuid.UUID, set[uuid.UUID]],
) -> dict[uuid.UUID, Pack]:
    if not items:
        return {}
    ids = [i.case_id for i in items]
    cases = {
        c.id: c
        for c in db.session.scalars(
            select(Case)
            .where(Case.id.in_(ids))
            .options(
                selectinload(Case.victim),
                selectinload(Case.perpetrators).selectinload(CasePerpetrator.person),
                selectinload(Case.children).selectinload(CaseChild.person),
                selectinload(Case.idva_agency),
            )
        )
    }
    earlier: dict[uuid.UUID, list[date]] = {}
    for case_id, held_on in db.session.execute(
        select(AgendaItem.case_id, Meeting.held_on)
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .where(
            AgendaItem.case_id.in_(ids),
            AgendaItem.heard_at.is_not(None),
            Meeting.id != meeting.id,
            Meeting.held_on < meeting.held_on,
        )
        .order_by(Meeting.held_on.desc())
    ):
        earlier.setdefault(case_id, []).append(held_on)
    referral_ids = [i.referral_id for i in items if i.referral_id is not None]
    facts: dict[uuid.UUID, ReferralFacts] = {}
    if referral_ids:
        for source in pack_referrals.items():
            facts.update(source(referral_ids))
    on = meeting.held_on
    excluded = barred(ids)
    packs = {}
    for item in items:
        case = cases[item.case_id]
        answered = responded.get(item.case_id, set())
        packs[item.case_id] = Pack(
            victim_name=case.victim.display_name,
            victim_age=case.victim.age(on),
            perpetrators=tuple(sorted(p.person.display_name for p in case.perpetrators)),
            children_ages=tuple(sorted((c.person.age(on) for c in case.children), key=_age_order)),
            idva_service=case.idva_agency.name if case.idva_agency else None,
            previous_hearings=tuple(earlier.get(item.case_id, ())),
            referral=facts.get(item.referral_id) if item.referral_id else None,
            responded=tuple(sorted(n for a, n in invited.items() if a in answered)),
            outstanding=tuple(
                sorted(
                    n
                    for a, n in invited.items()
                    if a not in answered and (item.case_id, a) not in excluded
                )
            ),
        )
    return packs


def _age_order(age: int | None) -> tuple[bool, int]:
    return (age is None, age or 0)
