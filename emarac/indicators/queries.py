"""The indicators as set-based SQL, worked out inside the database.

Each function here returns the same result class as its namesake in
``definitions.py`` and follows the definitions written there; a test checks that the
two agree on a generated data set. Everything is counted by the database with
GROUP BY, EXISTS and window functions, so the figures keep coming back quickly
at millions of incidents (DESIGN.md, "Scaling out"); Python only turns a
handful of grouped rows (one per quarter at most) into result objects.

The statements run on SQLite and PostgreSQL. Where the two differ (date
arithmetic, an incident's date in UTC, percentiles) a small ``_Dates`` helper
or a branch on the dialect picks the spelling. Only plain statistical columns
are read: never a name, date of birth, address or any encrypted field.

``INDICATORS`` names every indicator for the benchmark, which compares some
of them with plain PostgreSQL written out by hand (``benchmarks/hand_written_sql.py``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Connection,
    Date,
    DateTime,
    Integer,
    Select,
    String,
    Subquery,
    and_,
    case,
    cast,
    exists,
    extract,
    func,
    literal,
    or_,
    select,
    text,
    union_all,
)
from sqlalchemy.orm import Session

from emarac.actions.models import Action
from emarac.agencies.models import Agency
from emarac.cases.models import Case, CaseChild, CasePerpetrator
from emarac.incidents.models import Incident
from emarac.indicators import definitions
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
from emarac.indicators.periods import Filters, quarters_between
from emarac.meetings.models import AgendaItem, Attendance, Meeting, MeetingInvite, Research
from emarac.people.models import Person
from emarac.referrals.models import Referral
from emarac.risk.models import AreaReferralSource, RiskAssessment
from emarac.risk.return_sources import DEFAULT_SOURCE, OTHER, SOURCE_CODES

Bind = Connection | Session


class _Dates:
    """Date arithmetic in the spelling of the database at hand."""

    def __init__(self, sqlite: bool) -> None:
        self.sqlite = sqlite

    def days_before(self, day: ColumnElement[Any], days: int) -> ColumnElement[Any]:
        if self.sqlite:
            return func.date(day, f"-{int(days)} days", type_=Date)
        return day - literal(days, Integer)

    def months_after(self, day: ColumnElement[Any], months: int) -> ColumnElement[Any]:
        """The same calendar date ``months`` later, or that month's last day (``add_months``)."""
        if self.sqlite:
            shifted = func.date(day, f"+{int(months)} months", type_=Date)
            # SQLite rolls 29 February on into March; the rule stops at the month's end.
            rolled_on = func.strftime("%d", shifted) != func.strftime("%d", day)
            return case(
                (rolled_on, func.date(shifted, "start of month", "-1 day", type_=Date)),
                else_=shifted,
            )
        # PostgreSQL's month arithmetic already stops at the month's last day.
        return cast(day + func.make_interval(0, int(months)), Date)

    def utc_midnight(self, day: ColumnElement[Any], days_later: int = 0) -> ColumnElement[Any]:
        """The start (in UTC) of the day ``days_later`` after ``day``, to compare timestamps with.

        ``incident_on <= day`` is ``occurred_at < utc_midnight(day, 1)``, and a bare
        ``occurred_at`` can use an index where the day worked out of it cannot.
        """
        if self.sqlite:
            # Timestamps are stored as UTC text ("YYYY-MM-DD HH:MM:SS..."), which sorts.
            return func.datetime(day, f"+{int(days_later)} days")
        return func.timezone("UTC", cast(day + literal(days_later, Integer), DateTime))

    def whole_years(self, earlier: Any, later: Any) -> Any:
        """Whole years from ``earlier`` to ``later``, as ``definitions.whole_years``."""

        def year(day: Any) -> Any:
            return cast(extract("year", day), Integer)

        def month_day(day: Any) -> Any:
            if self.sqlite:
                return func.strftime("%m-%d", day)
            return func.to_char(day, "MM-DD")

        not_yet = case((month_day(later) < month_day(earlier), 1), else_=0)
        return year(later) - year(earlier) - not_yet

    def days_between(self, later: ColumnElement[Any], earlier: ColumnElement[Any]) -> Any:
        if self.sqlite:
            return cast(func.julianday(later) - func.julianday(earlier), Integer)
        return cast(later - earlier, Integer)

    def utc_date(self, moment: Any) -> ColumnElement[Any]:
        """The calendar day of a timestamp in UTC (SQLite stores them in UTC already)."""
        if self.sqlite:
            return func.date(moment, type_=Date)
        return cast(func.timezone("UTC", moment), Date)


def _is_sqlite(bind: Bind) -> bool:
    dialect = bind.dialect if isinstance(bind, Connection) else bind.get_bind().dialect
    return dialect.name == "sqlite"


# Every statement below depends on the filters and the database's spelling alone.
# Built once and kept, a statement skips being put together again and SQLAlchemy's
# cache key for it (kept on the statement), which at demo scale took longer than
# the database took to run it. Statements are immutable, so sharing them is safe.
_kept = functools.lru_cache(maxsize=256)


def _midnight(day: date, days_later: int) -> datetime:
    return datetime.combine(day + timedelta(days=days_later), time(0), tzinfo=UTC)


def _age_at(
    dates: _Dates, held_on: Any, birth_year: Any, estimated_age: Any, estimated_on: Any
) -> Any:
    year = cast(extract("year", held_on), Integer)
    return case(
        (birth_year.is_not(None), year - birth_year),
        (estimated_on.is_not(None), estimated_age + dates.whole_years(estimated_on, held_on)),
        else_=estimated_age,
    )


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


def _repeat_hearings(filters: Filters, dates: _Dates) -> tuple[Subquery, ColumnElement[bool]]:
    """Hearings whose referral was made under the repeat rule (``definitions.repeat_items``).

    Returns each hearing's last earlier accepted referral (``last_on``, and the
    case it is on: two on the same day give two rows, so count items distinctly)
    and the condition that makes it a repeat: an incident of the victim after
    that referral, within the window, on or before the reference date, naming
    one of that referral's case's perpetrators, or none, or the case names none.
    The last referrals come from one pass over the victim's accepted referrals,
    ranked newest first per hearing, which keeps the statement set-based at
    hundreds of thousands of hearings and reads the referrals once.
    """
    hearing = _hearings(filters, "repeat_hearing")
    # The entities themselves, not aliases: the hearing is a subquery of its own, so
    # nothing clashes, and an alias of a wide entity costs more to build than to run.
    earlier, earlier_case = Referral, Case
    ranked = (
        select(
            hearing.c.item_id,
            hearing.c.quarter,
            hearing.c.victim_id,
            hearing.c.reference_on,
            earlier.case_id.label("last_case_id"),
            earlier.submitted_on.label("last_on"),
            func.rank()
            .over(partition_by=hearing.c.item_id, order_by=earlier.submitted_on.desc())
            .label("newest"),
        )
        .select_from(hearing)
        .join(earlier_case, earlier_case.victim_id == hearing.c.victim_id)
        .join(earlier, earlier.case_id == earlier_case.id)
        .where(
            earlier.status == definitions.ACCEPTED,
            earlier.submitted_on < hearing.c.reference_on,
            earlier.meeting_id.is_distinct_from(hearing.c.meeting_id),
        )
        .subquery("ranked")
    )
    with_last = select(ranked).where(ranked.c.newest == 1).subquery("with_last")
    # Each inner SELECT names what it reads itself and takes the rest from the
    # statements around it: SQLAlchemy would otherwise correlate only one level up.
    named = CasePerpetrator
    same_story = or_(
        Incident.perpetrator_id.is_(None),
        ~exists(
            select(literal(1))
            .where(named.case_id == with_last.c.last_case_id)
            .correlate_except(named)
        ),
        exists(
            select(literal(1))
            .where(
                named.case_id == with_last.c.last_case_id,
                named.person_id == Incident.perpetrator_id,
            )
            .correlate_except(named)
        ),
    )
    repeat = exists(
        select(literal(1))
        .where(
            Incident.victim_id == with_last.c.victim_id,
            # By the incident's date in UTC: after the last referral's day, up to the
            # window's last day and the reference date (both inclusive).
            Incident.occurred_at >= dates.utc_midnight(with_last.c.last_on, 1),
            Incident.occurred_at
            < dates.utc_midnight(
                dates.months_after(with_last.c.last_on, definitions.REPEAT_WINDOW_MONTHS), 1
            ),
            Incident.occurred_at < dates.utc_midnight(with_last.c.reference_on, 1),
            same_story,
        )
        .correlate_except(Incident)
    )
    return with_last, repeat


def _tally(what: str, hearing: Subquery, *, joined: Any = None) -> Select[Any]:
    """``(what, quarter, count)`` rows: hearings (or rows joined to them) per quarter."""
    return (
        select(literal(what).label("what"), hearing.c.quarter, func.count().label("n"))
        .select_from(joined if joined is not None else hearing)
        .group_by(hearing.c.quarter)
    )


def _tallies(bind: Bind, tallies: CompoundSelect) -> dict[tuple[str, str], int]:
    """Run several tallies made one UNION ALL (each part is planned on its own)."""
    return {(what, quarter): int(n) for what, quarter, n in bind.execute(tallies)}


def _repeats(filters: Filters, dates: _Dates) -> Select[Any]:
    with_last, repeat = _repeat_hearings(filters, dates)
    return (
        select(
            literal("repeats").label("what"),
            with_last.c.quarter,
            func.count(with_last.c.item_id.distinct()).label("n"),
        )
        .where(repeat)
        .group_by(with_last.c.quarter)
    )


def _count_if(condition: ColumnElement[bool]) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


# --- indicators ------------------------------------------------------------------


@_kept
def _cases_heard(filters: Filters) -> Select[Any]:
    return select(func.count()).select_from(_hearings(filters))


def cases_heard(bind: Bind, filters: Filters, *, population: int | None = None) -> Volume:
    heard = bind.execute(_cases_heard(filters)).scalar_one()
    return Volume(heard=heard, days=filters.days, population=population)


@_kept
def _repeat_rate(filters: Filters, sqlite: bool) -> CompoundSelect:
    return union_all(_tally("heard", _hearings(filters)), _repeats(filters, _Dates(sqlite)))


def repeat_rate(bind: Bind, filters: Filters) -> RepeatRate:
    counts = _tallies(bind, _repeat_rate(filters, _is_sqlite(bind)))
    quarters = tuple(
        RepeatQuarter(q.code, counts.get(("heard", q.code), 0), counts.get(("repeats", q.code), 0))
        for q in quarters_between(filters.start, filters.end)
    )
    return RepeatRate(
        heard=sum(q.heard for q in quarters),
        repeats=sum(q.repeats for q in quarters),
        by_quarter=quarters,
    )


@_kept
def _return_counts(filters: Filters, sqlite: bool) -> Select[Any]:
    """The return's counts of hearings, per quarter (``quarterly_return``)."""
    hearing = _hearings(filters)
    victim, referrer = Person, Agency
    victim_age = _age_at(
        _Dates(sqlite),
        hearing.c.held_on,
        victim.birth_year,
        victim.estimated_age,
        victim.age_estimated_on,
    )
    named = [bucket for bucket in definitions.BUCKETS if bucket != "others"]
    kinds = {b: [k for k, v in definitions.AGENCY_BUCKETS.items() if v == b] for b in named}
    # Children living in the household, per case: they belong to the case, not to
    # the hearing, so they are counted once here and joined to the hearings.
    children = (
        select(CaseChild.case_id, func.count().label("n"))
        .where(CaseChild.lives_in_household.is_(True))
        .group_by(CaseChild.case_id)
        .subquery("children")
    )
    # Counted per meeting first and then per quarter, so the meetings are counted
    # by grouping (which PostgreSQL can hash) rather than by count(DISTINCT).
    per_meeting = (
        select(
            hearing.c.quarter,
            func.count().label("cases"),
            func.coalesce(func.sum(children.c.n), 0).label("children"),
            *[_count_if(referrer.kind.in_(kinds[bucket])).label(bucket) for bucket in named],
            _count_if(
                func.coalesce(referrer.kind, "").not_in(list(definitions.AGENCY_BUCKETS))
            ).label("others"),
            _count_if(victim.ethnic_group.in_(definitions.MINORITY_ETHNIC_GROUPS)).label("bame"),
            _count_if(victim.lgbt == definitions.YES).label("lgbt"),
            _count_if(victim.disability == definitions.YES).label("disabled"),
            _count_if(victim.gender == definitions.MALE).label("male"),
            _count_if(victim_age.in_(definitions.VICTIM_AGES)).label("aged_16_17"),
        )
        .select_from(
            hearing.join(victim, victim.id == hearing.c.victim_id)
            .outerjoin(referrer, referrer.id == hearing.c.referring_agency_id)
            .outerjoin(children, children.c.case_id == hearing.c.case_id)
        )
        .group_by(hearing.c.quarter, hearing.c.meeting_id)
        .subquery("per_meeting")
    )
    sums = ["cases", *named, "others", "bame", "lgbt", "disabled", "male", "aged_16_17"]
    return select(
        per_meeting.c.quarter,
        func.count(),
        *[func.sum(per_meeting.c[name]) for name in sums],
        func.sum(per_meeting.c.children),
    ).group_by(per_meeting.c.quarter)


@_kept
def _return_tallies(filters: Filters, sqlite: bool) -> CompoundSelect:
    """The return's repeats and young perpetrators, per quarter (``quarterly_return``)."""
    with_perpetrators = _hearings(filters, "perpetrator_hearing")
    perpetrator = Person
    young = _age_at(
        _Dates(sqlite),
        with_perpetrators.c.held_on,
        perpetrator.birth_year,
        perpetrator.estimated_age,
        perpetrator.age_estimated_on,
    )
    return union_all(
        _repeats(filters, _Dates(sqlite)),
        _tally(
            "young",
            with_perpetrators,
            joined=with_perpetrators.join(
                CasePerpetrator, CasePerpetrator.case_id == with_perpetrators.c.case_id
            ).join(perpetrator, perpetrator.id == CasePerpetrator.person_id),
        ).where(
            young <= definitions.OLDEST_YOUNG_PERPETRATOR,
            # Implied by the line above; narrows the people read before ages are worked out.
            or_(
                perpetrator.birth_year >= filters.start.year - definitions.OLDEST_YOUNG_PERPETRATOR,
                perpetrator.birth_year.is_(None),
            ),
        ),
    )


def quarterly_return(bind: Bind, filters: Filters) -> tuple[QuarterlyReturn, ...]:
    sqlite = _is_sqlite(bind)
    rows = {
        row[0]: [int(v) for v in row[1:]] for row in bind.execute(_return_counts(filters, sqlite))
    }
    extra = _tallies(bind, _return_tallies(filters, sqlite))
    returns = []
    for q in quarters_between(filters.start, filters.end):
        n = rows.get(q.code, [0] * 14)
        returns.append(
            QuarterlyReturn(
                quarter=q.code,
                meetings=n[0],
                cases_discussed=n[1],
                repeat_cases=extra.get(("repeats", q.code), 0),
                children=n[13],
                referrals=ReferralSources(*n[2:8]),
                victims_bame=n[8],
                victims_lgbt=n[9],
                victims_disabled=n[10],
                victims_male=n[11],
                victims_aged_16_17=n[12],
                perpetrators_17_or_under=extra.get(("young", q.code), 0),
            )
        )
    return tuple(returns)


@_kept
def _factors(filters: Filters, sqlite: bool) -> Select[Any]:
    dates = _Dates(sqlite)
    hearing = _hearings(filters)

    # For each case and factor, the first day an assessment answered yes to a
    # question feeding it; a hearing has the factor when that day is on or before
    # it. Read from the codes each assessment keeps of its "yes" answers
    # (``yes_factors``), so the answers themselves are not scanned.
    def answered_yes(codes: tuple[str, ...]) -> ColumnElement[bool]:
        return or_(*(RiskAssessment.yes_factors.like(f"%,{code},%") for code in codes))

    first_yes = (
        select(
            RiskAssessment.case_id,
            *[
                func.min(case((answered_yes(codes), RiskAssessment.completed_on))).label(name)
                for name, codes in definitions.FACTOR_CODES.items()
            ],
        )
        .where(RiskAssessment.yes_factors != "", RiskAssessment.completed_on <= filters.end)
        .group_by(RiskAssessment.case_id)
        .subquery("first_yes")
    )
    drinking = _hearings(filters, "drinking_hearing")
    incident_on = dates.utc_date(Incident.occurred_at)
    drink = (
        select(drinking.c.item_id)
        .where(
            exists(
                select(literal(1)).where(
                    Incident.victim_id == drinking.c.victim_id,
                    # The bare column, as the partial index ix_incident_victim_drink
                    # is declared, so PostgreSQL can read that index alone.
                    Incident.alcohol_or_drugs,
                    # A day wider than the window on each side, whatever the time zone,
                    # so an index on the time can narrow the search; the dates decide.
                    Incident.occurred_at
                    >= _midnight(filters.start, -definitions.INCIDENT_WINDOW_DAYS - 1),
                    Incident.occurred_at < _midnight(filters.end, 2),
                    incident_on <= drinking.c.held_on,
                    incident_on
                    >= dates.days_before(drinking.c.held_on, definitions.INCIDENT_WINDOW_DAYS),
                )
            )
        )
        .subquery("drink")
    )

    # The person records, joined rather than asked about hearing by hearing: an
    # EXISTS inside the counts is a probe per hearing and factor, which PostgreSQL
    # planned as seven index lookups a hearing at scale. The victim is one row a
    # hearing; the perpetrators linked to the case are folded into one row a case
    # (1 where any of them answered "yes").
    perpetrator_columns = sorted(
        {column for whose, column in definitions.PROFILE_FACTORS.values() if whose != "victim"}
    )
    perpetrators = (
        select(
            CasePerpetrator.case_id,
            *[
                func.max(case((getattr(Person, column) == definitions.YES, 1), else_=0)).label(
                    column
                )
                for column in perpetrator_columns
            ],
        )
        .join(Person, Person.id == CasePerpetrator.person_id)
        .where(or_(*(getattr(Person, column) == definitions.YES for column in perpetrator_columns)))
        .group_by(CasePerpetrator.case_id)
        .subquery("perpetrator_record")
    )

    def on_record(whose: str, column: str) -> ColumnElement[bool]:
        """The victim, or a perpetrator linked to the case, answered "yes" on the person record."""
        if whose == "victim":
            return getattr(Person, column) == definitions.YES
        return perpetrators.c[column] == 1

    def has(name: str) -> ColumnElement[bool]:
        sources = []
        if name in definitions.FACTOR_CODES:
            sources.append(first_yes.c[name] <= hearing.c.held_on)
        if name in definitions.PROFILE_FACTORS:
            sources.append(on_record(*definitions.PROFILE_FACTORS[name]))
        if name == definitions.INCIDENT_FACTOR:
            sources.append(drink.c.item_id.is_not(None))
        return or_(*sources)

    columns = [_count_if(has(name)) for name in definitions.FACTORS]
    return (
        select(hearing.c.quarter, func.count(), *columns)
        .select_from(
            hearing.outerjoin(first_yes, first_yes.c.case_id == hearing.c.case_id)
            .outerjoin(drink, drink.c.item_id == hearing.c.item_id)
            .outerjoin(Person, Person.id == hearing.c.victim_id)
            .outerjoin(perpetrators, perpetrators.c.case_id == hearing.c.case_id)
        )
        .group_by(hearing.c.quarter)
    )


def factors(bind: Bind, filters: Filters) -> tuple[FactorCounts, ...]:
    rows = {
        row[0]: [int(v) for v in row[1:]]
        for row in bind.execute(_factors(filters, _is_sqlite(bind)))
    }
    counts = []
    for q in quarters_between(filters.start, filters.end):
        n = rows.get(q.code, [0] * (1 + len(definitions.FACTORS)))
        counts.append(
            FactorCounts(q.code, n[0], **dict(zip(definitions.FACTORS, n[1:], strict=True)))
        )
    return tuple(counts)


@_kept
def _days_to_hearing(filters: Filters, sqlite: bool) -> Select[Any]:
    dates = _Dates(sqlite)
    hearing = _hearings(filters)
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
    count, median, p90 = bind.execute(_days_to_hearing(filters, _is_sqlite(bind))).one()
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
            _count_if(on_time),
            _count_if(done),
            _count_if(Action.status == definitions.CANNOT),
        )
        .select_from(Action)
        .join(Case, Case.id == Action.case_id)
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


@_kept
def _attendance(filters: Filters) -> Select[Any]:
    present = select(Attendance.meeting_id, Attendance.agency_id).distinct().subquery("present")
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
    # Expected: for each meeting, its heard cases x its invited agencies.
    hearing = _hearings(filters)
    items = (
        select(hearing.c.meeting_id, func.count().label("n"))
        .group_by(hearing.c.meeting_id)
        .subquery("items")
    )
    invited = (
        select(MeetingInvite.meeting_id, func.count().label("n"))
        .group_by(MeetingInvite.meeting_id)
        .subquery("invited")
    )
    expected = select(func.coalesce(func.sum(items.c.n * invited.c.n), 0)).select_from(
        items.join(invited, invited.c.meeting_id == items.c.meeting_id)
    )
    # Received: research sections on those cases from agencies invited to the meeting.
    # Written as two EXISTS rather than joins: the planner takes the two-column
    # matches as independent and expected a handful of rows where there are
    # hundreds of thousands; a semi join hashes the small side whatever it guesses,
    # so the sections are read once and counted where they are read.
    researched = _hearings(filters, "researched_hearing")
    received = (
        select(func.count())
        .select_from(Research)
        .where(
            exists(
                select(literal(1)).where(
                    MeetingInvite.meeting_id == Research.meeting_id,
                    MeetingInvite.agency_id == Research.agency_id,
                )
            ),
            exists(
                select(literal(1))
                .select_from(researched)
                .where(
                    researched.c.meeting_id == Research.meeting_id,
                    researched.c.case_id == Research.case_id,
                )
            ),
        )
    )
    return select(expected.scalar_subquery(), received.scalar_subquery())


def research_response(bind: Bind, filters: Filters) -> ResearchResponse:
    with _hash_joins(bind):
        row = bind.execute(_research_response(filters)).one()
    return ResearchResponse(expected=int(row[0]), received=int(row[1]))


_SET_PLANNER = text(
    "SELECT set_config('enable_nestloop', :loops, true), set_config('work_mem', :mem, true)"
)


@contextmanager
def _hash_joins(bind: Bind) -> Iterator[None]:
    """On PostgreSQL, plan the statement run inside without nested loops.

    Research rows match agenda items and invitations on two columns at once, and
    the planner, taking the columns as independent, expects a few rows where
    there are hundreds of thousands; with nested loops the research count then
    took several seconds at the benchmark's scale, with hash joins a fraction
    of one. The settings are the transaction's own and are put back afterwards.
    """
    dialect = bind.dialect if isinstance(bind, Connection) else bind.get_bind().dialect
    if dialect.name != "postgresql":
        yield
        return
    before = bind.execute(
        text("SELECT current_setting('enable_nestloop'), current_setting('work_mem')")
    ).one()
    bind.execute(_SET_PLANNER, {"loops": "off", "mem": "64MB"})
    try:
        yield
    finally:
        bind.execute(_SET_PLANNER, {"loops": before[0], "mem": before[1]})


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
    hearing = _hearings(filters, "detail_hearing")
    referrer, mapped, referral = Agency, AreaReferralSource, Referral
    default = case(
        *[(referrer.kind == kind, source) for kind, source in DEFAULT_SOURCE.items()],
        else_=OTHER,
    )
    source = func.coalesce(mapped.source, default)
    with_children = exists(
        select(literal(1)).where(
            CaseChild.case_id == hearing.c.case_id, CaseChild.lives_in_household.is_(True)
        )
    )
    # The criteria are a JSON list, written the same way on both databases:
    # ["repeat", "visible_high_risk"]. A quoted code matches only that code.
    criteria = cast(referral.criteria, String)
    return (
        select(
            hearing.c.quarter,
            *[_count_if(source == code) for code in SOURCE_CODES],
            _count_if(with_children),
            *[_count_if(criteria.like(f'%"{code}"%')) for code in definitions.CRITERIA],
        )
        .select_from(
            hearing.outerjoin(referrer, referrer.id == hearing.c.referring_agency_id)
            .outerjoin(
                mapped,
                and_(mapped.area_id == hearing.c.area_id, mapped.agency_kind == referrer.kind),
            )
            .outerjoin(referral, referral.id == hearing.c.referral_id)
        )
        .group_by(hearing.c.quarter)
    )


@_kept
def _details_sent_back(filters: Filters) -> Select[Any]:
    """Returned and duplicate referrals, per quarter (``return_details``)."""
    quarter = _quarter(Referral.submitted_on, filters)
    uncounted = (
        select(
            quarter,
            _count_if(Referral.status == "returned"),
            _count_if(Referral.status == "duplicate"),
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
