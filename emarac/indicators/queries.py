"""The indicators as set-based SQL, worked out inside the database.

Each function here returns the same result class as its namesake in
``definitions.py`` and follows the definitions written there; a test checks that the
two agree on a generated data set. Everything is counted by the database with
GROUP BY, EXISTS and window functions, so the figures keep coming back quickly
at millions of incidents (DESIGN.md, "Scaling out"); Python only turns a
handful of grouped rows (one per quarter at most) into result objects.

What is decided from a victim's whole history (a repeat, the factors, young
perpetrators, the victim's own details) is kept for each agenda item in
``hearing_fact`` and brought up to date before it is counted (``facts``):
the repeat rate, the return, the factors and the return's details count those
rows, as do the cases heard and the days to a hearing. The other indicators
read the records themselves.

The statements run on SQLite and PostgreSQL. Where the two differ (date
arithmetic, an incident's date in UTC, percentiles) a small ``Dates`` helper
or a branch on the dialect picks the spelling. Only plain statistical columns
are read: never a name, date of birth, address or any encrypted field.

``INDICATORS`` names every indicator for the benchmark, which compares some
of them with plain PostgreSQL written out by hand (``benchmarks/hand_written_sql.py``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    Subquery,
    and_,
    case,
    func,
    or_,
    select,
)

from emarac.actions.models import Action
from emarac.agencies.models import Agency
from emarac.cases.models import Case
from emarac.indicators import definitions, facts
from emarac.indicators.definitions import (
    ActionsOnTime,
    AgendaOutcomes,
    AttendanceRate,
    DaysToHearing,
    FactorCounts,
    QuarterlyReturn,
    ReferralsByAgency,
    ReferralSources,
    RepeatQuarter,
    RepeatRate,
    ResearchResponse,
    ReturnDetails,
    Volume,
)
from emarac.indicators.models import CRITERION_COLUMNS, FACTOR_COLUMNS, hearing_fact
from emarac.indicators.periods import Filters, quarters_between
from emarac.indicators.sql import Bind, Dates, count_if, is_sqlite
from emarac.meetings.models import AgendaItem, Attendance, Meeting, MeetingInvite
from emarac.referrals.models import Referral
from emarac.risk.models import AreaReferralSource
from emarac.risk.return_sources import DEFAULT_SOURCE, OTHER, SOURCE_CODES

# Every statement below depends on the filters and the database's spelling alone.
# Built once and kept, a statement skips being put together again and SQLAlchemy's
# cache key for it (kept on the statement), which at demo scale took longer than
# the database took to run it. Statements are immutable, so sharing them is safe.
_kept = functools.lru_cache(maxsize=256)


def _quarter(day: Any, filters: Filters) -> Any:
    """The calendar quarter's code ("2026-Q1") of a date, for the quarters the filters span."""
    quarters = quarters_between(filters.start, filters.end)
    return case(*[(day.between(q.start, q.end), q.code) for q in quarters])


def _hearings(filters: Filters, name: str = "hearing") -> Subquery:
    """Heard agenda items the filters select, with what the indicators need of each.

    Each use makes a subquery of its own rather than sharing one CTE: PostgreSQL
    then plans every use with the tables' own statistics, where a shared CTE is
    materialised and its size guessed, which led to poor plans on large data.
    """
    heard = or_(
        AgendaItem.outcome.is_(None), AgendaItem.outcome.not_in(definitions.NOT_HEARD_OUTCOMES)
    )
    return _agenda_items(filters, heard).subquery(name)


def _heard_facts(filters: Filters, name: str = "hearing") -> Subquery:
    """The kept facts (``hearing_fact``) of the hearings the filters select: the same
    hearings as ``_hearings``, read from one table.

    The caller has brought the facts up to date (``facts.refresh``).
    """
    fact = hearing_fact
    query = select(fact).where(fact.c.heard, fact.c.held_on.between(filters.start, filters.end))
    if filters.area_id is not None:
        query = query.where(fact.c.area_id == filters.area_id)
    if filters.referring_agency_id is not None:
        query = query.where(fact.c.referring_agency_id == filters.referring_agency_id)
    return query.subquery(name)


def _per_quarter(filters: Filters, daily: Select[Any], *, meetings: bool = False) -> Select[Any]:
    """Sums per quarter of ``daily``'s counts, which are grouped by ``held_on`` (and more).

    Counting by day first and then by quarter works the quarter out once a day
    rather than once a hearing, and groups a hundred thousand hearings into a
    thousand days by hashing instead of sorting them by quarter. ``meetings``
    adds a first column: the rows of ``daily`` in each quarter (one a meeting,
    when it is grouped by meeting).
    """
    day = daily.subquery("daily")
    quarter = _quarter(day.c.held_on, filters)
    sums = [func.sum(c) for c in day.c if c.name not in ("held_on", "meeting_id")]
    first = [func.count()] if meetings else []
    return select(quarter, *first, *sums).group_by(quarter)


def _agenda_items(filters: Filters, *conditions: ColumnElement[bool]) -> Select[Any]:
    """Agenda items of the meetings the filters select (held, in the period, area, referrer)."""
    referrer = func.coalesce(
        Referral.referring_agency_id, Case.referring_agency_id, Case.owning_agency_id
    )
    query = (
        select(
            AgendaItem.id.label("item_id"),
            AgendaItem.meeting_id,
            AgendaItem.case_id,
            Case.victim_id,
            Meeting.area_id,
            Meeting.held_on,
            _quarter(Meeting.held_on, filters).label("quarter"),
            AgendaItem.referral_id,
            AgendaItem.outcome,
            Referral.submitted_on.label("referred_on"),
            func.coalesce(Referral.submitted_on, Meeting.held_on).label("reference_on"),
            referrer.label("referring_agency_id"),
        )
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        # Every item has a case (a non-null foreign key), so the outer join loses
        # nothing; it lets PostgreSQL leave the case out when no column of it is used.
        .outerjoin(Case, Case.id == AgendaItem.case_id)
        .outerjoin(Referral, Referral.id == AgendaItem.referral_id)
        .where(
            Meeting.status.in_(definitions.HEARD_STATUSES),
            Meeting.held_on.between(filters.start, filters.end),
            *conditions,
        )
    )
    if filters.area_id is not None:
        query = query.where(Meeting.area_id == filters.area_id)
    if filters.referring_agency_id is not None:
        query = query.where(referrer == filters.referring_agency_id)
    return query


@_kept
def _cases_heard(filters: Filters) -> Select[Any]:
    return select(func.count()).select_from(_heard_facts(filters))


def cases_heard(bind: Bind, filters: Filters, *, population: int | None = None) -> Volume:
    facts.refresh(bind)
    heard = bind.execute(_cases_heard(filters)).scalar_one()
    return Volume(heard=heard, days=filters.days, population=population)


@_kept
def _repeat_rate(filters: Filters) -> Select[Any]:
    hearing = _heard_facts(filters)
    daily = select(
        hearing.c.held_on, func.count().label("heard"), count_if(hearing.c.is_repeat)
    ).group_by(hearing.c.held_on)
    return _per_quarter(filters, daily)


def repeat_rate(bind: Bind, filters: Filters) -> RepeatRate:
    facts.refresh(bind)
    counts = {
        quarter: (heard, repeats) for quarter, heard, repeats in bind.execute(_repeat_rate(filters))
    }
    quarters = tuple(
        RepeatQuarter(q.code, *counts.get(q.code, (0, 0)))
        for q in quarters_between(filters.start, filters.end)
    )
    return RepeatRate(
        heard=sum(q.heard for q in quarters),
        repeats=sum(q.repeats for q in quarters),
        by_quarter=quarters,
    )


# The return's per-hearing counts kept as facts (``hearing_fact``), in the order summed.
_RETURN_FACTS = (
    "victim_bame",
    "victim_lgbt",
    "victim_disabled",
    "victim_male",
    "victim_aged_16_17",
)


@_kept
def _return_counts(filters: Filters) -> Select[Any]:
    """The return's counts of hearings, per quarter (``quarterly_return``)."""
    hearing = _heard_facts(filters)
    referrer = Agency
    named = [bucket for bucket in definitions.BUCKETS if bucket != "others"]
    kinds = {b: [k for k, v in definitions.AGENCY_BUCKETS.items() if v == b] for b in named}
    # Counted per meeting first and then per quarter, so the meetings are counted
    # by grouping (which PostgreSQL can hash) rather than by count(DISTINCT).
    per_meeting = (
        select(
            hearing.c.meeting_id,
            hearing.c.held_on,
            func.count().label("cases"),
            *[count_if(referrer.kind.in_(kinds[bucket])).label(bucket) for bucket in named],
            count_if(
                func.coalesce(referrer.kind, "").not_in(list(definitions.AGENCY_BUCKETS))
            ).label("others"),
            *[count_if(hearing.c[name]).label(name) for name in _RETURN_FACTS],
            func.sum(hearing.c.children).label("children"),
            count_if(hearing.c.is_repeat).label("repeats"),
            func.sum(hearing.c.young_perpetrators).label("young"),
        )
        .select_from(hearing.outerjoin(referrer, referrer.id == hearing.c.referring_agency_id))
        .group_by(hearing.c.meeting_id, hearing.c.held_on)
    )
    return _per_quarter(filters, per_meeting, meetings=True)


def quarterly_return(bind: Bind, filters: Filters) -> tuple[QuarterlyReturn, ...]:
    facts.refresh(bind)
    rows = {row[0]: [int(v) for v in row[1:]] for row in bind.execute(_return_counts(filters))}
    returns = []
    for q in quarters_between(filters.start, filters.end):
        n = rows.get(q.code, [0] * 16)
        returns.append(
            QuarterlyReturn(
                quarter=q.code,
                meetings=n[0],
                cases_discussed=n[1],
                repeat_cases=n[14],
                children=n[13],
                referrals=ReferralSources(*n[2:8]),
                victims_bame=n[8],
                victims_lgbt=n[9],
                victims_disabled=n[10],
                victims_male=n[11],
                victims_aged_16_17=n[12],
                perpetrators_17_or_under=n[15],
            )
        )
    return tuple(returns)


@_kept
def _factors(filters: Filters) -> Select[Any]:
    hearing = _heard_facts(filters)
    daily = select(
        hearing.c.held_on,
        func.count().label("heard"),
        *[count_if(hearing.c[FACTOR_COLUMNS[name]]).label(name) for name in definitions.FACTORS],
    ).group_by(hearing.c.held_on)
    return _per_quarter(filters, daily)


def factors(bind: Bind, filters: Filters) -> tuple[FactorCounts, ...]:
    facts.refresh(bind)
    rows = {row[0]: [int(v) for v in row[1:]] for row in bind.execute(_factors(filters))}
    counts = []
    for q in quarters_between(filters.start, filters.end):
        n = rows.get(q.code, [0] * (1 + len(definitions.FACTORS)))
        counts.append(
            FactorCounts(q.code, n[0], **dict(zip(definitions.FACTORS, n[1:], strict=True)))
        )
    return tuple(counts)


@_kept
def _days_to_hearing(filters: Filters, sqlite: bool) -> Select[Any]:
    dates = Dates(sqlite)
    hearing = _heard_facts(filters)
    days = (
        select(dates.days_between(hearing.c.held_on, hearing.c.referred_on).label("days"))
        .where(hearing.c.referred_on.is_not(None))
        .subquery("days")
    )
    if not sqlite:
        return select(
            func.count(),
            func.percentile_disc(definitions.MEDIAN / 100).within_group(days.c.days),
            func.percentile_disc(definitions.NINETIETH / 100).within_group(days.c.days),
        ).select_from(days)
    # SQLite has no percentile_disc: the same nearest rank from row numbers,
    # in whole numbers: the first value whose rank x 100 >= percentile x n.
    ranked = select(
        days.c.days,
        func.row_number().over(order_by=days.c.days).label("rank"),
        func.count().over().label("n"),
    ).subquery("ranked")

    def at(percentile: int) -> Any:
        reached = ranked.c.rank * 100 >= percentile * ranked.c.n
        return func.min(case((reached, ranked.c.days)))

    return select(func.count(), at(definitions.MEDIAN), at(definitions.NINETIETH)).select_from(
        ranked
    )


def days_to_hearing(bind: Bind, filters: Filters) -> DaysToHearing:
    facts.refresh(bind)
    count, median, p90 = bind.execute(_days_to_hearing(filters, is_sqlite(bind))).one()
    return DaysToHearing(
        hearings=count,
        median=None if median is None else int(median),
        p90=None if p90 is None else int(p90),
    )


@_kept
def _actions_on_time(filters: Filters) -> Select[Any]:
    area = func.coalesce(Meeting.area_id, Case.area_id)
    referrer = func.coalesce(Case.referring_agency_id, Case.owning_agency_id)
    done = Action.status == definitions.DONE
    on_time = and_(done, Action.completed_on <= Action.due_on)
    statement = (
        select(
            func.count(),
            count_if(on_time),
            count_if(done),
            count_if(Action.status == definitions.CANNOT),
        )
        .select_from(Action)
        # Every action has a case (a non-null foreign key), so the outer join loses
        # nothing; it lets PostgreSQL leave the case out when no filter reads it.
        .outerjoin(Case, Case.id == Action.case_id)
        .outerjoin(Meeting, Meeting.id == Action.meeting_id)
        .where(Action.due_on.between(filters.start, filters.end))
    )
    if filters.area_id is not None:
        statement = statement.where(area == filters.area_id)
    if filters.referring_agency_id is not None:
        statement = statement.where(referrer == filters.referring_agency_id)
    return statement


def actions_on_time(bind: Bind, filters: Filters) -> ActionsOnTime:
    due, in_time, all_done, cannot = (int(v) for v in bind.execute(_actions_on_time(filters)).one())
    return ActionsOnTime(
        due=due,
        on_time=in_time,
        late=all_done - in_time,
        cannot=cannot,
        still_open=due - all_done - cannot,
    )


def _held_meetings(filters: Filters) -> Select[Any]:
    """Ids of the meetings held in the period (in the area), to narrow other rows by."""
    held = select(Meeting.id).where(
        Meeting.status.in_(definitions.HEARD_STATUSES),
        Meeting.held_on.between(filters.start, filters.end),
    )
    if filters.area_id is not None:
        held = held.where(Meeting.area_id == filters.area_id)
    return held


@_kept
def _attendance(filters: Filters) -> Select[Any]:
    # Who was present, at the period's meetings alone (not every meeting's, then joined).
    present = (
        select(Attendance.meeting_id, Attendance.agency_id)
        .where(Attendance.meeting_id.in_(_held_meetings(filters)))
        .distinct()
        .subquery("present")
    )
    statement = (
        select(
            func.count(Meeting.id.distinct()),
            func.count(MeetingInvite.id),
            func.count(present.c.agency_id),
        )
        .select_from(Meeting)
        .outerjoin(MeetingInvite, MeetingInvite.meeting_id == Meeting.id)
        .outerjoin(
            present,
            and_(
                present.c.meeting_id == MeetingInvite.meeting_id,
                present.c.agency_id == MeetingInvite.agency_id,
            ),
        )
        .where(
            Meeting.status.in_(definitions.HEARD_STATUSES),
            Meeting.held_on.between(filters.start, filters.end),
        )
    )
    if filters.area_id is not None:
        statement = statement.where(Meeting.area_id == filters.area_id)
    return statement


def attendance(bind: Bind, filters: Filters) -> AttendanceRate:
    meetings, invited, attended = bind.execute(_attendance(filters)).one()
    return AttendanceRate(meetings=meetings, invited=invited, attended=attended)


@_kept
def _research_response(filters: Filters) -> Select[Any]:
    # Expected: each heard case, once for every agency invited to its meeting;
    # received: the research sections on it from those agencies (both kept facts).
    hearing = _heard_facts(filters)
    return select(
        func.coalesce(func.sum(hearing.c.invited_agencies), 0),
        func.coalesce(func.sum(hearing.c.research_received), 0),
    )


def research_response(bind: Bind, filters: Filters) -> ResearchResponse:
    facts.refresh(bind)
    row = bind.execute(_research_response(filters)).one()
    return ResearchResponse(expected=int(row[0]), received=int(row[1]))


@_kept
def _referrals_by_agency(filters: Filters) -> Select[Any]:
    statement = (
        select(Referral.referring_agency_id, func.count())
        .where(
            Referral.status.not_in(definitions.UNCOUNTED_REFERRALS),
            Referral.submitted_on.between(filters.start, filters.end),
        )
        .group_by(Referral.referring_agency_id)
    )
    if filters.area_id is not None:
        statement = statement.where(Referral.area_id == filters.area_id)
    if filters.referring_agency_id is not None:
        statement = statement.where(Referral.referring_agency_id == filters.referring_agency_id)
    return statement


def referrals_by_agency(bind: Bind, filters: Filters) -> ReferralsByAgency:
    pairs = [(agency_id, int(n)) for agency_id, n in bind.execute(_referrals_by_agency(filters))]
    return ReferralsByAgency(counts=definitions.ordered_counts(pairs))


@_kept
def _agenda_outcomes(filters: Filters) -> Select[Any]:
    items = _agenda_items(filters, AgendaItem.outcome.in_(definitions.NOT_HEARD_OUTCOMES)).subquery(
        "set_aside"
    )
    return select(items.c.outcome, func.count()).select_from(items).group_by(items.c.outcome)


def agenda_outcomes(bind: Bind, filters: Filters) -> AgendaOutcomes:
    counts = dict(bind.execute(_agenda_outcomes(filters)).tuples().all())
    return AgendaOutcomes(
        deferred=int(counts.get(definitions.DEFERRED, 0)),
        withdrawn=int(counts.get(definitions.WITHDRAWN, 0)),
    )


@_kept
def _details_heard(filters: Filters) -> Select[Any]:
    """Sources, children and criteria of the hearings, per quarter (``return_details``)."""
    hearing = _heard_facts(filters, "detail_hearing")
    referrer, mapped = Agency, AreaReferralSource
    default = case(
        *[(referrer.kind == kind, source) for kind, source in DEFAULT_SOURCE.items()],
        else_=OTHER,
    )
    source = func.coalesce(mapped.source, default)
    daily = (
        select(
            hearing.c.held_on,
            *[count_if(source == code).label(code) for code in SOURCE_CODES],
            count_if(hearing.c.children > 0).label("with_children"),
            *[count_if(hearing.c[column]).label(column) for column in CRITERION_COLUMNS.values()],
        )
        .select_from(
            hearing.outerjoin(referrer, referrer.id == hearing.c.referring_agency_id).outerjoin(
                mapped,
                and_(mapped.area_id == hearing.c.area_id, mapped.agency_kind == referrer.kind),
            )
        )
        .group_by(hearing.c.held_on)
    )
    return _per_quarter(filters, daily)


@_kept
def _details_sent_back(filters: Filters) -> Select[Any]:
    """Returned and duplicate referrals, per quarter (``return_details``)."""
    quarter = _quarter(Referral.submitted_on, filters)
    uncounted = (
        select(
            quarter,
            count_if(Referral.status == "returned"),
            count_if(Referral.status == "duplicate"),
        )
        .where(
            Referral.status.in_(definitions.UNCOUNTED_REFERRALS),
            Referral.submitted_on.between(filters.start, filters.end),
        )
        .group_by(quarter)
    )
    if filters.area_id is not None:
        uncounted = uncounted.where(Referral.area_id == filters.area_id)
    if filters.referring_agency_id is not None:
        uncounted = uncounted.where(Referral.referring_agency_id == filters.referring_agency_id)
    return uncounted


def return_details(bind: Bind, filters: Filters) -> tuple[ReturnDetails, ...]:
    """The return's finer referral sources, cases with children, criteria mix, returned and
    duplicate referrals, per quarter (``definitions``, "Details of the return")."""
    facts.refresh(bind)
    heard = {row[0]: [int(v) for v in row[1:]] for row in bind.execute(_details_heard(filters))}
    sent_back = {
        row[0]: (int(row[1]), int(row[2])) for row in bind.execute(_details_sent_back(filters))
    }
    details = []
    n_sources, n_criteria = len(SOURCE_CODES), len(definitions.CRITERIA)
    for q in quarters_between(filters.start, filters.end):
        n = heard.get(q.code, [0] * (n_sources + 1 + n_criteria))
        returned, duplicates = sent_back.get(q.code, (0, 0))
        details.append(
            ReturnDetails(
                quarter=q.code,
                sources=tuple(n[:n_sources]),
                cases_with_children=n[n_sources],
                criteria=tuple(n[n_sources + 1 :]),
                returned=returned,
                duplicates=duplicates,
            )
        )
    return tuple(details)


@_kept
def _records_begin(area_id: Any) -> Select[Any]:
    firsts = select(Referral.area_id, func.min(Referral.submitted_on).label("first")).group_by(
        Referral.area_id
    )
    if area_id is not None:
        firsts = firsts.where(Referral.area_id == area_id)
    sub = firsts.subquery("firsts")
    return select(func.max(sub.c.first))


def records_begin(bind: Bind, area_id: Any) -> date | None:
    """The day the area's first referral was submitted (every area: the last such day).

    A period starting before it began before the records did.
    """
    value: date | None = bind.execute(_records_begin(area_id)).scalar()
    return value


INDICATORS: dict[str, Callable[[Bind, Filters], object]] = {
    "cases_heard": cases_heard,
    "repeat_rate": repeat_rate,
    "quarterly_return": quarterly_return,
    "factors": factors,
    "days_to_hearing": days_to_hearing,
    "actions_on_time": actions_on_time,
    "attendance": attendance,
    "research_response": research_response,
    "referrals_by_agency": referrals_by_agency,
    "agenda_outcomes": agenda_outcomes,
    "return_details": return_details,
}
