"""People: recording, duplicate checks, search through blind indexes, merging.

Search and duplicate checks never decrypt the table: blind indexes give
candidates, only candidates are decrypted, and only true matches are kept.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, false, or_, select, union, update
from sqlalchemy.orm import aliased

from emarac.agencies.models import User
from emarac.auditing import record_event
from emarac.clock import as_utc, today, utcnow
from emarac.crypto import normalise
from emarac.crypto.fields import index_candidates, token_candidates
from emarac.extensions import db
from emarac.hooks import Hook
from emarac.people.models import (
    EthnicGroup,
    Gender,
    NameToken,
    Person,
    PersonAlias,
    PersonMerge,
    YesNoUnknown,
)
from emarac.protocol import policy
from emarac.protocol.policy import NotAllowed

MERGE_UNDO_DAYS = 30
MAX_CANDIDATES = 200


@dataclass
class PersonDetails:
    """What a form collects about a person, as plain values."""

    given_name: str | None = None
    family_name: str | None = None
    aliases: list[str] = field(default_factory=list)
    date_of_birth: date | None = None
    estimated_age: int | None = None
    gender: Gender = Gender.NOT_KNOWN
    ethnic_group: EthnicGroup = EthnicGroup.NOT_KNOWN
    disability: YesNoUnknown = YesNoUnknown.NOT_KNOWN
    lgbt: YesNoUnknown = YesNoUnknown.NOT_KNOWN
    alcohol: YesNoUnknown = YesNoUnknown.NOT_KNOWN
    drugs: YesNoUnknown = YesNoUnknown.NOT_KNOWN
    mental_health: YesNoUnknown = YesNoUnknown.NOT_KNOWN
    first_language: str | None = None
    interpreter_needed: bool = False
    immigration_concern: bool = False
    current_address: str | None = None
    postcode: str | None = None
    phone: str | None = None
    email: str | None = None
    safe_phone: str | None = None
    safe_times: str | None = None
    may_leave_message: bool = False
    restricted_address: bool = False


ENCRYPTED_DETAILS = (
    "given_name",
    "family_name",
    "date_of_birth",
    "first_language",
    "current_address",
    "postcode",
    "phone",
    "email",
    "safe_phone",
    "safe_times",
)


def apply_details(person: Person, details: PersonDetails) -> list[str]:
    """Copy details onto a person; returns the names of the fields that changed."""
    changed: list[str] = []
    for f in fields(details):
        if f.name == "aliases":
            continue
        value = getattr(details, f.name)
        if getattr(person, f.name) != value:
            setattr(person, f.name, value)
            changed.append(f.name)
    person.birth_year = details.date_of_birth.year if details.date_of_birth else None
    # An estimated age is true on the day it is given; later ages count on from then.
    if details.estimated_age is None:
        person.age_estimated_on = None
    elif "estimated_age" in changed or person.age_estimated_on is None:
        person.age_estimated_on = today()
    wanted = [a for a in (x.strip() for x in details.aliases) if a]
    if sorted(a.name or "" for a in person.aliases) != sorted(wanted):
        person.aliases.clear()
        for name in wanted:
            alias = PersonAlias(person_id=person.id)
            alias.name = name
            person.aliases.append(alias)
        changed.append("aliases")
    return changed


def create_person(details: PersonDetails, *, by: User, role: str) -> Person:
    """Record a new person (flushes; the calling service commits)."""
    person = Person(created_by_agency_id=by.agency_id, is_demo=by.is_demo)
    changed = apply_details(person, details)
    db.session.add(person)
    db.session.flush()
    record_event(
        "person.create", object_type="person", object_id=person.id, fields=changed, purpose=role
    )
    return person


# --- duplicates -----------------------------------------------------------------


def similar_people(details: PersonDetails, *, exclude: Iterable[uuid.UUID] = ()) -> list[Person]:
    """People who may be this one: same-sounding surname and birth year, same phone, or same DOB.

    Offered before a new person is saved, so one person is recorded once.
    """
    clauses = []
    if details.family_name:
        clauses.append(
            Person.family_name_sound_bidx.in_(
                index_candidates(Person, "family_name_sound_bidx", details.family_name)
            )
        )
    if details.phone:
        clauses.append(Person.phone_bidx.in_(index_candidates(Person, "phone_bidx", details.phone)))
    if details.date_of_birth:
        clauses.append(
            Person.date_of_birth_bidx.in_(
                index_candidates(Person, "date_of_birth_bidx", details.date_of_birth)
            )
        )
    if not clauses:
        return []
    excluded = set(exclude)
    rows = db.session.scalars(
        select(Person).where(or_(*clauses), Person.merged_into_id.is_(None)).limit(MAX_CANDIDATES)
    ).all()
    return [p for p in rows if p.id not in excluded and _looks_alike(p, details)]


def visible_ids(actor: User) -> set[uuid.UUID]:
    """Ids of every person the actor may see (policy.visible_person_ids), at once."""
    return set(db.session.scalars(policy.visible_person_ids(actor)).all())


@dataclass(frozen=True)
class Matches:
    """Possible existing records of a person: those the user may see, and how many not."""

    known: list[Person]
    hidden: int


def possible_matches(
    details: PersonDetails, *, actor: User, exclude: Iterable[uuid.UUID] = ()
) -> Matches:
    """Before a new person is saved: similar people the actor may see, and a count of the rest."""
    similar = similar_people(details, exclude=exclude)
    visible = visible_ids(actor)
    return Matches(
        known=[p for p in similar if p.id in visible],
        hidden=len([p for p in similar if p.id not in visible]),
    )


def offered_match(
    details: PersonDetails, *, actor: User, choice: str, exclude: Iterable[uuid.UUID] = ()
) -> Person | None:
    """The existing person the user chose, only if it was offered and is visible to them."""
    if not choice:
        return None
    visible = visible_ids(actor)
    for person in similar_people(details, exclude=exclude):
        if str(person.id) == choice and person.id in visible:
            return person
    return None


def _looks_alike(person: Person, details: PersonDetails) -> bool:
    if details.phone and normalise.phone(person.phone) == normalise.phone(details.phone):
        return True
    same_dob = details.date_of_birth is not None and person.date_of_birth == details.date_of_birth
    sounds = bool(details.family_name) and (
        normalise.phonetic(person.family_name) == normalise.phonetic(details.family_name)
    )
    if sounds and (same_dob or _same_year(person, details)):
        return True
    return same_dob and normalise.name(person.given_name) == normalise.name(details.given_name)


def _same_year(person: Person, details: PersonDetails) -> bool:
    if details.date_of_birth is None or person.birth_year is None:
        return details.date_of_birth is None and person.birth_year is None
    return person.birth_year == details.date_of_birth.year


# --- search ---------------------------------------------------------------------


@dataclass(frozen=True)
class SearchQuery:
    name: str | None = None
    date_of_birth: date | None = None
    phone: str | None = None
    postcode: str | None = None
    reference: str | None = None

    def fields_used(self) -> tuple[str, ...]:
        return tuple(f.name for f in fields(self) if getattr(self, f.name))


@dataclass(frozen=True)
class Contact:
    """A coordinator a hint names, so the searcher knows whom to ask."""

    name: str
    agency: str
    email: str


@dataclass(frozen=True)
class KnownHint:
    """One case the searcher may not see: its reference and whom to contact."""

    case_id: uuid.UUID
    reference: str
    area_name: str
    contacts: tuple[Contact, ...] = ()


@dataclass(frozen=True)
class SearchResult:
    """People found, best first; for a name search, how each matched; hints."""

    people: list[Person]
    hints: list[KnownHint]
    why: dict[uuid.UUID, NameMatch] = field(default_factory=dict)


# --- what later records add: cases and incidents stand above people, so they plug
# in here from create_app (see docs/architecture.md) and people never imports them.

reference_lookups: Hook[Callable[[str], Select[Any]]] = Hook("people.reference_lookups")
"""Each gives SELECT of the ids of victims of records with this reference."""

known_hints: Hook[Callable[[User, list[uuid.UUID]], list[KnownHint]]] = Hook("people.known_hints")
"""Each gives hints of records, linked to these people, that the actor may not see."""

person_links: Hook[tuple[Any, str]] = Hook("people.person_links")
"""(model, column) of every column of a later record that points at a person."""

merge_conflicts: Hook[Callable[[Person, Person], str | None]] = Hook("people.merge_conflicts")
"""Each says why two people cannot be merged (in words for the form), or None."""

records_of_people: Hook[Callable[[User, list[uuid.UUID]], dict[uuid.UUID, list[Any]]]] = Hook(
    "people.records_of_people"
)
"""Each gives, per person, the later records (cases) naming them that the actor may see."""


def records_of(actor: User, person_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[Any]]:
    """The records of each person that ``actor`` may see, from every source plugged in."""
    found: dict[uuid.UUID, list[Any]] = {}
    for source in records_of_people.items():
        for person_id, records in source(actor, person_ids).items():
            found.setdefault(person_id, []).extend(records)
    return found


MAX_NAME_PARTS = 6
EXACT, ALL_PARTS, SOUNDS_ALIKE = 0, 1, 2
RANK_LABELS = {EXACT: "Exact match", ALL_PARTS: "Partial match", SOUNDS_ALIKE: "Sounds alike"}


@dataclass(frozen=True)
class NameMatch:
    """How a person's names matched a searched name: its rank and why, in words."""

    rank: int
    reasons: tuple[str, ...]

    @property
    def label(self) -> str:
        return RANK_LABELS[self.rank]


def _readings(parts: list[str]) -> list[list[str]]:
    """Every way to read typed parts, joining neighbours: "O Brien" is o+brien or obrien."""
    if not parts:
        return [[]]
    return [
        ["".join(parts[:cut]), *rest]
        for cut in range(1, len(parts) + 1)
        for rest in _readings(parts[cut:])
    ]


def _query_readings(name: str) -> list[list[str]]:
    return _readings(normalise.name_parts(name)[:MAX_NAME_PARTS])


_PERSON_KINDS = ("given", "family")
_ALIAS_KINDS = ("alias",)


def _token_digests(model: type, kinds: tuple[str, ...], token: str) -> ColumnElement[bool]:
    """Name tokens of these kinds equal to ``token``, or sounding like it."""
    sound = normalise.phonetic(token)
    clauses = [
        and_(NameToken.kind == kind, NameToken.digest.in_(token_candidates(model, kind, token)))
        for kind in kinds
    ]
    if sound:
        clauses += [
            and_(
                NameToken.kind == f"{kind}_sound",
                NameToken.digest.in_(token_candidates(model, f"{kind}_sound", sound)),
            )
            for kind in kinds
        ]
    return or_(*clauses)


def _token_owners(token: str) -> Any:
    """SELECT of the ids of people with a name part (or its sound) equal to ``token``."""
    return union(
        select(NameToken.person_id).where(_token_digests(Person, _PERSON_KINDS, token)),
        select(PersonAlias.person_id)
        .join(NameToken, NameToken.alias_id == PersonAlias.id)
        .where(_token_digests(PersonAlias, _ALIAS_KINDS, token)),
    )


def _has_token(person: Any, token: str) -> ColumnElement[bool]:
    """Whether ``person`` (a row of the enclosing query) has this name part or its sound.

    Checked row by row through the token index on the person: cheap on the few
    candidates another part found, where the set of everyone with a common part
    ("Smith") would be large.
    """
    return or_(
        exists().where(
            NameToken.person_id == person.id, _token_digests(Person, _PERSON_KINDS, token)
        ),
        select(NameToken.id)
        .join_from(PersonAlias, NameToken, NameToken.alias_id == PersonAlias.id)
        .where(PersonAlias.person_id == person.id, _token_digests(PersonAlias, _ALIAS_KINDS, token))
        .exists(),
    )


def _name_clause(name: str) -> ColumnElement[bool]:
    """Candidates, from blind indexes only: people with every part of one reading of the name.

    A single letter is an initial: not indexed, it is checked on the candidates.
    The whole name joined is also looked up in the whole-surname index, which
    holds people recorded before the part indexes were filled.
    """
    joined = "".join(normalise.name_parts(name))
    # One IN over a UNION of candidate ids, not an OR of conditions: PostgreSQL
    # can only apply such an OR as a filter on every person (a full scan at
    # 300,000 people), whereas an IN is a join from the few candidates.
    candidates: list[Select[Any]] = []
    if joined:
        candidates += [
            select(Person.id).where(
                Person.family_name_bidx.in_(index_candidates(Person, "family_name_bidx", joined))
            ),
            select(Person.id).where(
                Person.family_name_sound_bidx.in_(
                    index_candidates(Person, "family_name_sound_bidx", joined)
                )
            ),
        ]
    for reading in _query_readings(name):
        indexed = sorted({t for t in reading if len(t) > 1}, key=lambda t: (-len(t), t))
        if indexed:
            # The longest part (likely the rarest) finds the candidates; the others
            # are checked on each of them.
            person = aliased(Person)
            candidates.append(
                select(person.id).where(
                    person.id.in_(_token_owners(indexed[0])),
                    *[_has_token(person, t) for t in indexed[1:]],
                )
            )
    return Person.id.in_(union(*candidates)) if candidates else false()


def name_match(person: Person, name: str) -> NameMatch | None:
    """Whether the decrypted names of ``person`` match ``name``, how well and why."""
    given = normalise.name_parts(person.given_name)
    family = normalise.name_parts(person.family_name)
    aliases = [normalise.name_parts(a.name) for a in person.aliases if a.name]
    wholes = {"".join(given + family), "".join(family), *("".join(a) for a in aliases)} - {""}
    named = [
        ("surname", _tokens(family)),
        ("first name", _tokens(given)),
        ("other name", set().union(*(_tokens(a) for a in aliases))),
    ]
    best: NameMatch | None = None
    for reading in _query_readings(name):
        found = _reading_match(reading, given, named)
        if found is None:
            continue
        rank, reasons = found
        if rank == ALL_PARTS and "".join(reading) in wholes:
            rank = EXACT
        if best is None or rank < best.rank:
            best = NameMatch(rank, reasons)
    return best


def _tokens(parts: list[str]) -> set[str]:
    return set(parts) | ({"".join(parts)} if parts else set())


def _reading_match(
    reading: list[str], given: list[str], named: list[tuple[str, set[str]]]
) -> tuple[int, tuple[str, ...]] | None:
    if not reading or all(len(t) == 1 for t in reading):
        return None
    reasons: list[str] = []
    rank = ALL_PARTS
    for token in reading:
        if len(token) == 1:
            if not any(g.startswith(token) for g in given):
                return None
            reasons.append("initial matches")
            continue
        exact = next((label for label, tokens in named if token in tokens), None)
        if exact is not None:
            reasons.append(f"{exact} matches")
            continue
        sound = normalise.phonetic(token)
        alike = next(
            (
                label
                for label, tokens in named
                if sound and sound in {normalise.phonetic(t) for t in tokens}
            ),
            None,
        )
        if alike is None:
            return None
        reasons.append(f"{alike} sounds like it")
        rank = SOUNDS_ALIKE
    return rank, tuple(dict.fromkeys(reasons))


def _people_with_reference(reference: str) -> Any:
    """Victims of the case with this reference, or of incidents with this agency reference."""
    lookups = [lookup(reference) for lookup in reference_lookups.items()]
    if not lookups:
        return select(Person.id).where(false())
    return union(*lookups)


def _matches(person: Person, query: SearchQuery) -> bool:
    if query.name and name_match(person, query.name) is None:
        return False
    if query.date_of_birth and person.date_of_birth != query.date_of_birth:
        return False
    if query.phone and normalise.phone(person.phone) != normalise.phone(query.phone):
        return False
    return not (
        query.postcode and normalise.postcode(person.postcode) != normalise.postcode(query.postcode)
    )


def search_people(actor: User, query: SearchQuery) -> SearchResult:
    """People ``actor`` may see matching every criterion, and hints for cases they may not.

    Hints come from the name and the reference alone (see ``_hidden_people``), so
    what else was typed never changes them: a wrong postcode gets the same answer
    as the right one. Each hinted case is recorded, by field names only.
    """
    if not policy.may_search_people(actor):
        raise NotAllowed
    if not query.fields_used():
        return SearchResult([], [])
    people = _visible_people(actor, query)
    why = {}
    if query.name:
        why = {p.id: m for p in people if (m := name_match(p, query.name)) is not None}
        people.sort(key=lambda p: (why[p.id].rank, _sort_name(p)))
    hints = _hints(actor, _hidden_people(actor, name=query.name, reference=query.reference))
    for hint in hints:
        record_event(
            "person.known_hint",
            object_type="marac_case",
            object_id=hint.case_id,
            fields=query.fields_used(),
        )
    record_event(
        "person.search",
        object_type="person",
        fields=query.fields_used(),
        purpose=f"{len(people)} results, {len(hints)} hints",
    )
    db.session.commit()
    return SearchResult(people, hints, why)


def _sort_name(person: Person) -> tuple[str, str]:
    return (normalise.name(person.family_name) or "", normalise.name(person.given_name) or "")


def _visible_people(actor: User, query: SearchQuery) -> list[Person]:
    found = select(Person.id).where(Person.merged_into_id.is_(None))
    if query.name:
        found = found.where(_name_clause(query.name))
    if query.date_of_birth:
        found = found.where(
            Person.date_of_birth_bidx.in_(
                index_candidates(Person, "date_of_birth_bidx", query.date_of_birth)
            )
        )
    if query.phone:
        found = found.where(
            Person.phone_bidx.in_(index_candidates(Person, "phone_bidx", query.phone))
        )
    if query.postcode:
        found = found.where(
            Person.postcode_bidx.in_(index_candidates(Person, "postcode_bidx", query.postcode))
        )
    if query.reference:
        found = found.where(Person.id.in_(_people_with_reference(query.reference)))
    candidates = _people(policy.people_seen_among(actor, db.session.scalars(found).all()))
    return [p for p in candidates if _matches(p, query)]


def _hidden_people(actor: User, *, name: str | None, reference: str | None) -> list[uuid.UUID]:
    """Ids of people ``actor`` may not see who have this name or reference.

    Deliberately takes only the name and the reference: no other detail of a
    search may be compared against a record the actor cannot see.
    """
    if not name and not reference:
        return []
    found = select(Person.id).where(Person.merged_into_id.is_(None))
    if name:
        found = found.where(_name_clause(name))
    if reference:
        found = found.where(Person.id.in_(_people_with_reference(reference)))
    candidates = _people(policy.people_hinted_among(actor, db.session.scalars(found).all()))
    return [p.id for p in candidates if not name or _names_a_surname(name_match(p, name))]


def _people(ids: Collection[uuid.UUID]) -> Sequence[Person]:
    """The people of ``ids``, at most ``MAX_CANDIDATES``.

    A search finds its few people from blind indexes alone, then asks the access
    rule about them alone (``policy.people_seen_among``): in one statement the
    database worked the rule out for every person first.
    """
    if not ids:
        return []
    statement = select(Person).where(Person.id.in_(ids)).order_by(Person.id)
    return db.session.scalars(statement.limit(MAX_CANDIDATES)).all()


def _names_a_surname(match: NameMatch | None) -> bool:
    """A hint needs the surname (or another name) matched: a first name alone ("Sarah")
    would hint at every case with a Sarah in it."""
    return match is not None and any(r.startswith(("surname", "other name")) for r in match.reasons)


def _hints(actor: User, person_ids: list[uuid.UUID]) -> list[KnownHint]:
    """One hint per case linked to these people (victim, perpetrator, child) that may be hinted."""
    if not person_ids:
        return []
    return [hint for source in known_hints.items() for hint in source(actor, person_ids)]


# --- merging --------------------------------------------------------------------


# Every column that points at a person: merging moves each link, undoing moves it back.
def _person_links() -> list[tuple[Any, str]]:
    return [*person_links.items(), (PersonAlias, "person_id")]


@dataclass(frozen=True)
class PersonPage:
    """What a person's page offers beyond the record: records to merge, past merges."""

    may_merge: bool
    duplicates: list[Person]
    merges: list[PersonMerge]


def open_person(person: Person, *, by: User) -> PersonPage:
    """Record that the actor viewed the person (commits); for those who may merge
    records, the visible people who may be the same, and the merges kept into this one."""
    if not policy.may_view_person(by, person):
        raise NotAllowed("person", person.id)
    record_event(
        "person.view",
        object_type="person",
        object_id=person.id,
        fields=("given_name", "family_name", "date_of_birth", "aliases"),
    )
    db.session.commit()
    if not policy.may_merge_people(by):
        return PersonPage(may_merge=False, duplicates=[], merges=[])
    visible = visible_ids(by)
    details = PersonDetails(
        given_name=person.given_name,
        family_name=person.family_name,
        date_of_birth=person.date_of_birth,
        phone=person.phone,
    )
    merges = db.session.scalars(
        select(PersonMerge)
        .where(PersonMerge.kept_id == person.id)
        .order_by(PersonMerge.merged_at.desc())
    )
    return PersonPage(
        may_merge=True,
        duplicates=[p for p in similar_people(details, exclude=[person.id]) if p.id in visible],
        merges=list(merges),
    )


def find_merge(merge_id: uuid.UUID) -> PersonMerge | None:
    """A recorded merge by id (the caller asks the policy before using it)."""
    return db.session.get(PersonMerge, merge_id)


def merge_people(keep: Person, merge: Person, *, by: User) -> PersonMerge:
    """Move every link from ``merge`` to ``keep``; ``merge`` stays, marked as merged."""
    if not policy.may_merge_people(by) or keep.id == merge.id:
        raise NotAllowed
    if merge.merged_into_id is not None or keep.merged_into_id is not None:
        raise NotAllowed("person", merge.id)
    for conflict in merge_conflicts.items():
        problem = conflict(keep, merge)
        if problem is not None:
            raise ValueError(problem)
    moved: list[list[str]] = []
    for model, column in _person_links():
        col = getattr(model, column)
        ids = db.session.scalars(select(model.id).where(col == merge.id)).all()
        if ids:
            db.session.execute(update(model).where(col == merge.id).values({column: keep.id}))
            moved.extend([model.__tablename__, str(i), column] for i in ids)
    now = utcnow()
    merge.merged_into_id = keep.id
    merge.merged_at = now
    record = PersonMerge(
        kept_id=keep.id, merged_id=merge.id, moved=moved, merged_by_id=by.id, merged_at=now
    )
    db.session.add(record)
    db.session.flush()
    record_event(
        "person.merge",
        object_type="person",
        object_id=keep.id,
        fields=tuple(sorted({m[2] for m in moved})),
        purpose=f"merged person {merge.id} into {keep.id}; record {record.id}",
    )
    db.session.commit()
    db.session.expire_all()
    return record


def undo_merge(record: PersonMerge, *, by: User) -> None:
    """Move each link back, within 30 days of the merge."""
    if not policy.may_merge_people(by):
        raise NotAllowed("person_merge", record.id)
    too_late = utcnow() - as_utc(record.merged_at) > timedelta(days=MERGE_UNDO_DAYS)
    if record.undone_at is not None or too_late:
        raise ValueError("This merge can no longer be undone")
    tables = {model.__tablename__: model for model, _ in _person_links()}
    for table, row_id, column in record.moved:
        model = tables[table]
        db.session.execute(
            update(model).where(model.id == uuid.UUID(row_id)).values({column: record.merged_id})
        )
    merged = db.session.get(Person, record.merged_id)
    if merged is not None:
        merged.merged_into_id = None
        merged.merged_at = None
    record.undone_at = utcnow()
    record_event(
        "person.merge_undo",
        object_type="person",
        object_id=record.kept_id,
        purpose=f"undid merge record {record.id}",
    )
    db.session.commit()
    db.session.expire_all()
