"""Each agenda item's facts for the indicators, worked out once and kept up to date.

Whether a hearing was a repeat, which causal factors it had, how many of its
case's perpetrators were 17 or under: each is decided from the victim's whole
history, and deciding it for every hearing of a big partnership on each
reading of the dashboard took seconds. So the decisions are kept in
``hearing_fact``, one row an agenda item, and the indicators count those rows.

Keeping them right
    Every flush that writes a record a fact is decided from (``DEPENDS_ON``)
    adds the victims it concerns to ``indicator_stale_victim``, in the same
    transaction: a change that rolls back leaves no mark, a committed one always
    has its mark. Before counting, the indicators call :func:`refresh`, which
    takes the marks (``DELETE ... RETURNING``, so it takes exactly the marks
    committed by then, and a mark committed during the refresh stays for the
    next one), works the facts of those victims out again with the statements
    below, and replaces theirs. Bulk writers that bypass the ORM (the synthetic
    generator) mark every victim at once (:func:`mark_everyone`), and so does
    the migration that made the table. The facts are a pure function of the
    records: nothing in them depends on the day they are worked out, so facts
    that are not stale are right.

The statements follow ``definitions`` exactly, as the indicators did when
they worked everything out on each reading; the oracle test checks them.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterable
from typing import Any

from flask import Flask
from sqlalchemy import (
    ColumnElement,
    Insert,
    Select,
    String,
    Subquery,
    and_,
    bindparam,
    case,
    cast,
    delete,
    event,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    union,
)
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import instance_state
from sqlalchemy.sql.elements import BindParameter

from emarac.cases.models import Case, CaseChild, CasePerpetrator
from emarac.incidents.models import Incident
from emarac.indicators import definitions
from emarac.indicators.models import (
    CRITERION_COLUMNS,
    FACTOR_COLUMNS,
    hearing_fact,
    stale_victim,
)
from emarac.indicators.sql import Bind, Dates, age_at, is_sqlite
from emarac.meetings.models import AgendaItem, Meeting, MeetingInvite, Research
from emarac.people.models import Person
from emarac.referrals.models import Referral
from emarac.risk.models import RiskAssessment

# The records each fact is decided from, and the columns of each that matter.
# A new row or a deleted one always counts; a changed one when one of these changed.
DEPENDS_ON: dict[type, tuple[str, ...]] = {
    Incident: ("victim_id", "perpetrator_id", "occurred_at", "alcohol_or_drugs"),
    Referral: (
        "case_id",
        "status",
        "submitted_on",
        "meeting_id",
        "referring_agency_id",
        "criteria",
    ),
    Case: ("victim_id", "referring_agency_id", "owning_agency_id"),
    CasePerpetrator: ("case_id", "person_id"),
    CaseChild: ("case_id", "lives_in_household"),
    AgendaItem: ("meeting_id", "case_id", "referral_id", "outcome"),
    Meeting: ("held_on", "status", "area_id"),
    MeetingInvite: ("meeting_id", "agency_id"),
    Research: ("meeting_id", "case_id", "agency_id"),
    RiskAssessment: ("case_id", "yes_factors", "completed_on"),
    Person: (
        "merged_into_id",
        "birth_year",
        "estimated_age",
        "age_estimated_on",
        "ethnic_group",
        "lgbt",
        "disability",
        "gender",
        *sorted({column for _, column in definitions.PROFILE_FACTORS.values()}),
    ),
}

# Past this many victims at once, working everything out is quicker than a long list.
EVERYONE_ABOVE = 2_000

# The victims whose facts a refresh works out, bound when it runs.
_VICTIMS: BindParameter[Any] = bindparam("victims", expanding=True)


# --- working the facts out -------------------------------------------------------


def _flag(condition: ColumnElement[bool]) -> ColumnElement[bool]:
    """True or false, never NULL (an unknown answer is not a yes)."""
    return case((condition, literal(True)), else_=literal(False))


def _items(scoped: bool) -> Subquery:
    """Every agenda item (scoped: of the cases of the victims bound as ``victims``), with
    what deciding its facts needs."""
    heard = and_(
        Meeting.status.in_(definitions.HEARD_STATUSES),
        or_(
            AgendaItem.outcome.is_(None),
            AgendaItem.outcome.not_in(definitions.NOT_HEARD_OUTCOMES),
        ),
    )
    query = (
        select(
            AgendaItem.id.label("item_id"),
            AgendaItem.meeting_id,
            Meeting.area_id,
            Meeting.held_on,
            _flag(heard).label("heard"),
            AgendaItem.referral_id,
            Referral.submitted_on.label("referred_on"),
            func.coalesce(
                Referral.referring_agency_id, Case.referring_agency_id, Case.owning_agency_id
            ).label("referring_agency_id"),
            AgendaItem.case_id,
            Case.victim_id,
            func.coalesce(Referral.submitted_on, Meeting.held_on).label("reference_on"),
            # A JSON list, written the same way on both databases: ["repeat", ...].
            cast(Referral.criteria, String).label("criteria"),
        )
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .join(Case, Case.id == AgendaItem.case_id)
        .outerjoin(Referral, Referral.id == AgendaItem.referral_id)
    )
    if scoped:
        query = query.where(Case.victim_id.in_(_VICTIMS))
    return query.subquery("item")


def _repeats(item: Subquery, dates: Dates) -> Subquery:
    """The items whose referral was made under the repeat rule (``definitions``, "Repeat").

    Each item's last earlier accepted referral comes from one pass over the
    victim's accepted referrals, ranked newest first per item (two on the same
    day give two rows, hence DISTINCT); the item is a repeat when an incident of
    the victim falls after that referral, within the window, on or before the
    reference date, and names one of that referral's case's perpetrators, or
    none, or the case names none.
    """
    earlier, earlier_case = Referral, Case
    ranked = (
        select(
            item.c.item_id,
            item.c.victim_id,
            item.c.reference_on,
            earlier.case_id.label("last_case_id"),
            earlier.submitted_on.label("last_on"),
            func.rank()
            .over(partition_by=item.c.item_id, order_by=earlier.submitted_on.desc())
            .label("newest"),
        )
        .select_from(item)
        .join(earlier_case, earlier_case.victim_id == item.c.victim_id)
        .join(earlier, earlier.case_id == earlier_case.id)
        .where(
            earlier.status == definitions.ACCEPTED,
            earlier.submitted_on < item.c.reference_on,
            earlier.meeting_id.is_distinct_from(item.c.meeting_id),
        )
        .subquery("ranked")
    )
    last = select(ranked).where(ranked.c.newest == 1).subquery("last")
    # Each inner SELECT names what it reads itself and takes the rest from the
    # statements around it: SQLAlchemy would otherwise correlate only one level up.
    named = CasePerpetrator
    same_story = or_(
        Incident.perpetrator_id.is_(None),
        ~exists(
            select(literal(1)).where(named.case_id == last.c.last_case_id).correlate_except(named)
        ),
        exists(
            select(literal(1))
            .where(
                named.case_id == last.c.last_case_id,
                named.person_id == Incident.perpetrator_id,
            )
            .correlate_except(named)
        ),
    )
    further_abuse = exists(
        select(literal(1))
        .where(
            Incident.victim_id == last.c.victim_id,
            # By the incident's date in UTC: after the last referral's day, up to the
            # window's last day and the reference date (both inclusive).
            Incident.occurred_at >= dates.utc_midnight(last.c.last_on, 1),
            Incident.occurred_at
            < dates.utc_midnight(
                dates.months_after(last.c.last_on, definitions.REPEAT_WINDOW_MONTHS), 1
            ),
            Incident.occurred_at < dates.utc_midnight(last.c.reference_on, 1),
            same_story,
        )
        .correlate_except(Incident)
    )
    return select(last.c.item_id).where(further_abuse).distinct().subquery("repeat")


def _young_perpetrators(item: Subquery, dates: Dates) -> Subquery:
    """Per item, the perpetrators linked to its case aged 17 or under at the hearing."""
    perpetrator = Person
    age = age_at(
        dates,
        item.c.held_on,
        perpetrator.birth_year,
        perpetrator.estimated_age,
        perpetrator.age_estimated_on,
    )
    return (
        select(item.c.item_id, func.count().label("n"))
        .join(CasePerpetrator, CasePerpetrator.case_id == item.c.case_id)
        .join(perpetrator, perpetrator.id == CasePerpetrator.person_id)
        .where(age <= definitions.OLDEST_YOUNG_PERPETRATOR)
        .group_by(item.c.item_id)
        .subquery("young")
    )


def _children(item: Subquery) -> Subquery:
    """Per case, the children linked to it as living in the household."""
    return (
        select(CaseChild.case_id, func.count().label("n"))
        .where(
            CaseChild.lives_in_household.is_(True),
            CaseChild.case_id.in_(select(item.c.case_id)),
        )
        .group_by(CaseChild.case_id)
        .subquery("children")
    )


def _invited(item: Subquery) -> Subquery:
    """Per meeting, the agencies invited to it."""
    return (
        select(MeetingInvite.meeting_id, func.count().label("n"))
        .where(MeetingInvite.meeting_id.in_(select(item.c.meeting_id)))
        .group_by(MeetingInvite.meeting_id)
        .subquery("invited")
    )


def _research_received(item: Subquery) -> Subquery:
    """Per item, the research sections on its case at its meeting from agencies invited."""
    return (
        select(item.c.item_id, func.count().label("n"))
        .join(
            Research,
            and_(Research.meeting_id == item.c.meeting_id, Research.case_id == item.c.case_id),
        )
        .where(
            exists(
                select(literal(1)).where(
                    MeetingInvite.meeting_id == Research.meeting_id,
                    MeetingInvite.agency_id == Research.agency_id,
                )
            )
        )
        .group_by(item.c.item_id)
        .subquery("received")
    )


def _first_yes(item: Subquery) -> Subquery:
    """Per case and checklist factor, the first day an assessment answered yes to it.

    Read from the codes each assessment keeps of its "yes" answers
    (``yes_factors``), so the answers themselves are not scanned.
    """

    def answered_yes(codes: tuple[str, ...]) -> ColumnElement[bool]:
        return or_(*(RiskAssessment.yes_factors.like(f"%,{code},%") for code in codes))

    return (
        select(
            RiskAssessment.case_id,
            *[
                func.min(case((answered_yes(codes), RiskAssessment.completed_on))).label(name)
                for name, codes in definitions.FACTOR_CODES.items()
            ],
        )
        .where(
            RiskAssessment.yes_factors != "",
            RiskAssessment.case_id.in_(select(item.c.case_id)),
        )
        .group_by(RiskAssessment.case_id)
        .subquery("first_yes")
    )


def _drink(item: Subquery, dates: Dates) -> Subquery:
    """The items with an incident flagged alcohol or drugs in the year up to the hearing."""
    incident_on = dates.utc_date(Incident.occurred_at)
    return (
        select(item.c.item_id)
        .where(
            exists(
                select(literal(1)).where(
                    Incident.victim_id == item.c.victim_id,
                    # The bare column, as the partial index ix_incident_victim_drink
                    # is declared, so PostgreSQL can read that index alone.
                    Incident.alcohol_or_drugs,
                    incident_on <= item.c.held_on,
                    incident_on
                    >= dates.days_before(item.c.held_on, definitions.INCIDENT_WINDOW_DAYS),
                )
            )
        )
        .subquery("drink")
    )


def _perpetrator_records(item: Subquery) -> Subquery:
    """Per case, 1 in each profile column where a perpetrator linked to it answered yes."""
    columns = sorted(
        {column for whose, column in definitions.PROFILE_FACTORS.values() if whose != "victim"}
    )
    return (
        select(
            CasePerpetrator.case_id,
            *[
                func.max(case((getattr(Person, column) == definitions.YES, 1), else_=0)).label(
                    column
                )
                for column in columns
            ],
        )
        .join(Person, Person.id == CasePerpetrator.person_id)
        .where(
            CasePerpetrator.case_id.in_(select(item.c.case_id)),
            or_(*(getattr(Person, column) == definitions.YES for column in columns)),
        )
        .group_by(CasePerpetrator.case_id)
        .subquery("perpetrator_record")
    )


@functools.lru_cache(maxsize=4)
def _insert_facts(scoped: bool, sqlite: bool) -> Insert:
    """INSERT of every column of ``hearing_fact`` for the agenda items (scoped: of the
    victims bound as ``victims``). Built once: it takes longer to put together than a
    few victims' facts take to work out."""
    statement = _facts(scoped, sqlite)
    return insert(hearing_fact).from_select([c.name for c in statement.selected_columns], statement)


def _facts(scoped: bool, sqlite: bool) -> Select[Any]:
    dates = Dates(sqlite)
    item = _items(scoped)
    repeat = _repeats(item, dates)
    young = _young_perpetrators(item, dates)
    children = _children(item)
    invited = _invited(item)
    received = _research_received(item)
    first_yes = _first_yes(item)
    drink = _drink(item, dates)
    perpetrators = _perpetrator_records(item)
    victim = Person
    victim_age = age_at(
        dates, item.c.held_on, victim.birth_year, victim.estimated_age, victim.age_estimated_on
    )

    def has(name: str) -> ColumnElement[bool]:
        sources = []
        if name in definitions.FACTOR_CODES:
            sources.append(first_yes.c[name] <= item.c.held_on)
        if name in definitions.PROFILE_FACTORS:
            whose, column = definitions.PROFILE_FACTORS[name]
            if whose == "victim":
                sources.append(getattr(victim, column) == definitions.YES)
            else:
                sources.append(perpetrators.c[column] == 1)
        if name == definitions.INCIDENT_FACTOR:
            sources.append(drink.c.item_id.is_not(None))
        return _flag(or_(*sources))

    return (
        select(
            item.c.item_id,
            item.c.meeting_id,
            item.c.area_id,
            item.c.held_on,
            item.c.heard,
            item.c.referral_id,
            item.c.referred_on,
            item.c.referring_agency_id,
            _flag(repeat.c.item_id.is_not(None)).label("is_repeat"),
            func.coalesce(young.c.n, 0).label("young_perpetrators"),
            func.coalesce(children.c.n, 0).label("children"),
            func.coalesce(invited.c.n, 0).label("invited_agencies"),
            func.coalesce(received.c.n, 0).label("research_received"),
            _flag(victim.ethnic_group.in_(definitions.MINORITY_ETHNIC_GROUPS)).label("victim_bame"),
            _flag(victim.lgbt == definitions.YES).label("victim_lgbt"),
            _flag(victim.disability == definitions.YES).label("victim_disabled"),
            _flag(victim.gender == definitions.MALE).label("victim_male"),
            _flag(victim_age.in_(definitions.VICTIM_AGES)).label("victim_aged_16_17"),
            *[has(name).label(column) for name, column in FACTOR_COLUMNS.items()],
            # A quoted code matches only that code; an item with no referral met none.
            *[
                _flag(item.c.criteria.like(f'%"{code}"%')).label(column)
                for code, column in CRITERION_COLUMNS.items()
            ],
        )
        .select_from(item)
        .outerjoin(repeat, repeat.c.item_id == item.c.item_id)
        .outerjoin(young, young.c.item_id == item.c.item_id)
        .outerjoin(children, children.c.case_id == item.c.case_id)
        .outerjoin(invited, invited.c.meeting_id == item.c.meeting_id)
        .outerjoin(received, received.c.item_id == item.c.item_id)
        .outerjoin(first_yes, first_yes.c.case_id == item.c.case_id)
        .outerjoin(drink, drink.c.item_id == item.c.item_id)
        .outerjoin(victim, victim.id == item.c.victim_id)
        .outerjoin(perpetrators, perpetrators.c.case_id == item.c.case_id)
    )


# --- keeping them up to date --------------------------------------------------------


def refresh(bind: Bind) -> int | None:
    """Work out again the facts of every victim marked stale, in the caller's transaction.

    Returns how many victims were brought up to date (``None``: everyone's
    facts were worked out again; 0: nothing was stale, and nothing was written).
    The caller commits; if it rolls back, the marks come back with everything else.
    """
    if bind.execute(select(stale_victim.c.id).limit(1)).first() is None:
        return 0
    sqlite = is_sqlite(bind)
    # Taking every mark also keeps two refreshes from working out the same victim
    # at once (both would insert its rows): the second to delete a mark the first
    # deleted waits for the first to end, then finds it gone (PostgreSQL's row
    # lock; SQLite lets one writer in at a time).
    taken = bind.execute(delete(stale_victim).returning(stale_victim.c.victim_id)).scalars()
    victims = set(taken)
    if not victims:  # another refresh took them while this one waited
        return 0
    everyone = None in victims or len(victims) > EVERYONE_ABOVE
    chosen = None if everyone else sorted(victims)
    _replace(bind, chosen, sqlite)
    return None if chosen is None else len(chosen)


_DELETE_OF_VICTIMS = delete(hearing_fact).where(
    hearing_fact.c.item_id.in_(
        select(AgendaItem.id)
        .join(Case, Case.id == AgendaItem.case_id)
        .where(Case.victim_id.in_(_VICTIMS))
    )
)


def _replace(bind: Bind, victims: list[uuid.UUID] | None, sqlite: bool) -> None:
    """Delete the facts of these victims' items (of all items) and insert them afresh."""
    if victims is None:
        bind.execute(delete(hearing_fact))
        bind.execute(_insert_facts(False, sqlite))
        if not sqlite:
            # Every row is new: without fresh statistics PostgreSQL would plan the
            # indicators for the table it had before (empty, after the migration).
            bind.execute(text("ANALYZE hearing_fact"))
        return
    bind.execute(_DELETE_OF_VICTIMS, {"victims": victims})
    bind.execute(_insert_facts(True, sqlite), {"victims": victims})


def mark_everyone(bind: Bind) -> None:
    """Mark every victim's facts stale: for writers that bypass the ORM (bulk loads)."""
    bind.execute(insert(stale_victim).values(victim_id=None))


def mark(bind: Bind, victims: Iterable[uuid.UUID]) -> None:
    """Mark these victims' facts stale, in the caller's transaction."""
    rows = [{"victim_id": v} for v in sorted(set(victims))]
    if rows:
        bind.execute(insert(stale_victim), rows)


# --- marking what a flush changed ----------------------------------------------


def _changed(obj: object, columns: tuple[str, ...]) -> bool:
    state = instance_state(obj)
    return any(state.attrs[name].history.has_changes() for name in columns)


def _values(obj: object, column: str) -> set[Any]:
    """The column's value now and, if the flush changed it, before."""
    state = instance_state(obj)
    history = state.attrs[column].history
    return {v for v in (*history.sum(), getattr(obj, column, None)) if v is not None}


def mark_flushed(session: Session, flush_context: Any) -> None:
    """After each flush: mark the victims whose facts the flushed rows may change.

    Runs while the flush's own state is still at hand (what was new, changed,
    deleted, and each changed column's earlier value), on the flush's own
    connection, so the marks commit or roll back with the rows they are about.
    """
    victims: set[Any] = set()
    cases: set[Any] = set()
    meetings: set[Any] = set()
    people: set[Any] = set()
    # A new person or meeting has no hearing yet: what links one to it is marked.
    new = [obj for obj in session.new if not isinstance(obj, Person | Meeting)]
    deleted = session.deleted
    dirty = [
        obj
        for obj in session.dirty
        if type(obj) in DEPENDS_ON and _changed(obj, DEPENDS_ON[type(obj)])
    ]
    for obj in (*new, *deleted, *dirty):
        kind = type(obj)
        if kind not in DEPENDS_ON:
            continue
        if kind is Incident or kind is Case:
            victims |= _values(obj, "victim_id")
        elif kind is Meeting:
            meetings.add(obj.id)
        elif kind is MeetingInvite:
            meetings |= _values(obj, "meeting_id")
        elif kind is Person:
            # A merge (or its undoing) moves the person's links to the one kept in
            # statements of its own before this flush: both people's are marked.
            both = {obj.id, *_values(obj, "merged_into_id")}
            victims |= both
            people |= both
        else:
            cases |= _values(obj, "case_id")
            if kind is AgendaItem:
                meetings |= _values(obj, "meeting_id")
    gone_items = [obj.id for obj in deleted if isinstance(obj, AgendaItem)]
    gone_meetings = [obj.id for obj in deleted if isinstance(obj, Meeting)]
    if not (victims or cases or meetings or people):
        return
    connection = session.connection()
    if gone_items or gone_meetings:
        # Their facts go with them at once (SQLite does not enforce the cascade).
        connection.execute(
            delete(hearing_fact).where(
                or_(
                    hearing_fact.c.item_id.in_(gone_items),
                    hearing_fact.c.meeting_id.in_(gone_meetings),
                )
            )
        )
    derived = [
        select(Case.victim_id).where(Case.id.in_(cases)) if cases else None,
        select(Case.victim_id)
        .join(AgendaItem, AgendaItem.case_id == Case.id)
        .where(AgendaItem.meeting_id.in_(meetings))
        if meetings
        else None,
        select(Case.victim_id)
        .join(CasePerpetrator, CasePerpetrator.case_id == Case.id)
        .where(CasePerpetrator.person_id.in_(people))
        if people
        else None,
    ]
    queries = [q for q in derived if q is not None]
    if queries:
        found = queries[0] if len(queries) == 1 else union(*queries)
        victims |= set(connection.execute(found).scalars())
    mark(connection, victims)


def init_app(app: Flask) -> None:
    """The listener is process-wide (SQLAlchemy's Session class), so it is added once."""
    if not event.contains(Session, "after_flush", mark_flushed):
        event.listen(Session, "after_flush", mark_flushed)
