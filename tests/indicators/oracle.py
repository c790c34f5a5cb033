"""The indicators worked out in plain Python over plain rows: the test oracle.

``emarac/indicators/definitions.py`` says what each indicator counts; this
module counts it the simplest way, from the depersonalised rows that
``tests/indicators/rows.py`` loads, so that a test can check the shipped SQL
(``emarac/indicators/queries.py``) against it. It ships with the tests, not the
app.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from emarac.indicators.definitions import (
    ACCEPTED,
    AGENCY_BUCKETS,
    BUCKETS,
    CANNOT,
    CRITERIA,
    DEFERRED,
    DONE,
    FACTOR_CODES,
    FACTORS,
    HEARD_STATUSES,
    INCIDENT_FACTOR,
    INCIDENT_WINDOW_DAYS,
    MALE,
    MEDIAN,
    MINORITY_ETHNIC_GROUPS,
    NINETIETH,
    NOT_HEARD_OUTCOMES,
    OLDEST_YOUNG_PERPETRATOR,
    PROFILE_FACTORS,
    REPEAT_WINDOW_MONTHS,
    UNCOUNTED_REFERRALS,
    VICTIM_AGES,
    WITHDRAWN,
    YES,
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
    ordered_counts,
)
from emarac.indicators.periods import Filters, quarter_containing, quarters_between
from emarac.risk import rules
from emarac.risk.return_sources import DEFAULT_SOURCE, OTHER, SOURCE_CODES


@dataclass(frozen=True)
class PersonFacts:
    """The statistical fields of a person; never a name, date of birth or address."""

    birth_year: int | None = None
    estimated_age: int | None = None
    gender: str = "not_known"
    ethnic_group: str = "not_known"
    disability: str = "not_known"
    lgbt: str = "not_known"
    age_estimated_on: date | None = None
    alcohol: str = "not_known"
    drugs: str = "not_known"
    mental_health: str = "not_known"


@dataclass(frozen=True)
class HearingRow:
    """One case on one meeting's agenda."""

    item_id: uuid.UUID
    meeting_id: uuid.UUID
    case_id: uuid.UUID
    victim_id: uuid.UUID
    area_id: uuid.UUID
    held_on: date
    meeting_status: str
    referral_id: uuid.UUID | None = None
    referred_on: date | None = None
    referring_agency_id: uuid.UUID | None = None
    referrer_kind: str | None = None
    victim: PersonFacts = PersonFacts()
    outcome: str | None = None
    criteria: tuple[str, ...] = ()  # of the item's referral


@dataclass(frozen=True)
class ReferralRow:
    id: uuid.UUID
    victim_id: uuid.UUID
    area_id: uuid.UUID
    referring_agency_id: uuid.UUID
    submitted_on: date
    status: str
    meeting_id: uuid.UUID | None = None
    case_id: uuid.UUID | None = None


@dataclass(frozen=True)
class SourceMapRow:
    """An area's own choice of referral-source category for a kind of agency."""

    area_id: uuid.UUID
    agency_kind: str
    source: str


@dataclass(frozen=True)
class ChildRow:
    case_id: uuid.UUID
    lives_in_household: bool = True


@dataclass(frozen=True)
class PerpetratorRow:
    case_id: uuid.UUID
    birth_year: int | None = None
    estimated_age: int | None = None
    person_id: uuid.UUID | None = None
    age_estimated_on: date | None = None
    alcohol: str = "not_known"
    drugs: str = "not_known"
    mental_health: str = "not_known"


@dataclass(frozen=True)
class FactorAnswerRow:
    """A "yes" answer to a checklist question that feeds a factor."""

    case_id: uuid.UUID
    completed_on: date
    factor: str


@dataclass(frozen=True)
class IncidentRow:
    victim_id: uuid.UUID
    occurred_on: date
    alcohol_or_drugs: bool = False
    perpetrator_id: uuid.UUID | None = None


@dataclass(frozen=True)
class MeetingRow:
    id: uuid.UUID
    area_id: uuid.UUID
    held_on: date
    status: str


@dataclass(frozen=True)
class InviteRow:
    meeting_id: uuid.UUID
    agency_id: uuid.UUID


@dataclass(frozen=True)
class AttendanceRow:
    meeting_id: uuid.UUID
    agency_id: uuid.UUID


@dataclass(frozen=True)
class ResearchRow:
    meeting_id: uuid.UUID
    case_id: uuid.UUID
    agency_id: uuid.UUID


@dataclass(frozen=True)
class ActionRow:
    id: uuid.UUID
    area_id: uuid.UUID
    referring_agency_id: uuid.UUID
    due_on: date
    status: str
    completed_on: date | None = None


@dataclass(frozen=True)
class Dataset:
    """Everything the indicators read.

    Referrals, incidents and case perpetrators include the heard victims' history.
    """

    hearings: tuple[HearingRow, ...] = ()
    referrals: tuple[ReferralRow, ...] = ()
    children: tuple[ChildRow, ...] = ()
    perpetrators: tuple[PerpetratorRow, ...] = ()
    factor_answers: tuple[FactorAnswerRow, ...] = ()
    incidents: tuple[IncidentRow, ...] = ()
    meetings: tuple[MeetingRow, ...] = ()
    invites: tuple[InviteRow, ...] = ()
    attendance: tuple[AttendanceRow, ...] = ()
    research: tuple[ResearchRow, ...] = ()
    actions: tuple[ActionRow, ...] = ()
    source_map: tuple[SourceMapRow, ...] = ()


# --- results: the same classes come back from queries.py ----------------------


def nearest_rank(ordered: Sequence[int], percentile: int) -> int | None:
    """The value at rank ceil(percentile x n / 100) of values sorted ascending."""
    if not 0 < percentile <= 100:
        raise ValueError("a percentile is above 0 and at most 100")
    if not ordered:
        return None
    rank = -(-percentile * len(ordered) // 100)  # ceiling in whole numbers: no float rounding
    return ordered[rank - 1]


def whole_years(earlier: date, later: date) -> int:
    """Whole years from ``earlier`` to ``later`` (negative when ``later`` comes first)."""
    return later.year - earlier.year - ((later.month, later.day) < (earlier.month, earlier.day))


def age_at(
    held_on: date,
    birth_year: int | None,
    estimated_age: int | None,
    estimated_on: date | None = None,
) -> int | None:
    if birth_year is not None:
        return held_on.year - birth_year
    if estimated_age is not None and estimated_on is not None:
        return estimated_age + whole_years(estimated_on, held_on)
    return estimated_age


def bucket_of(agency_kind: str | None) -> str:
    return AGENCY_BUCKETS.get(agency_kind or "", "others")


def quarter_code(day: date) -> str:
    return quarter_containing(day).code


# --- which rows count ----------------------------------------------------------


def heard(data: Dataset, filters: Filters) -> list[HearingRow]:
    """The hearings the filters select: not those the meeting deferred or withdrew."""
    return [h for h in on_agendas(data, filters) if h.outcome not in NOT_HEARD_OUTCOMES]


def on_agendas(data: Dataset, filters: Filters) -> list[HearingRow]:
    """The agenda items of the meetings the filters select, whatever their outcome."""
    return [
        h
        for h in data.hearings
        if h.meeting_status in HEARD_STATUSES
        and filters.start <= h.held_on <= filters.end
        and (filters.area_id is None or h.area_id == filters.area_id)
        and (
            filters.referring_agency_id is None
            or h.referring_agency_id == filters.referring_agency_id
        )
    ]


REPEAT_SETTINGS = rules.RiskSettings(repeat_months=REPEAT_WINDOW_MONTHS)


def repeat_items(
    hearings: Iterable[HearingRow],
    referrals: Iterable[ReferralRow],
    incidents: Iterable[IncidentRow] = (),
    perpetrators: Iterable[PerpetratorRow] = (),
) -> set[uuid.UUID]:
    """The agenda items, among ``hearings``, whose referral was made under the repeat rule."""
    named: dict[uuid.UUID | None, set[uuid.UUID]] = defaultdict(set)
    for perpetrator in perpetrators:
        if perpetrator.person_id is not None:
            named[perpetrator.case_id].add(perpetrator.person_id)
    history: dict[uuid.UUID, list[ReferralRow]] = defaultdict(list)
    for referral in referrals:
        history[referral.victim_id].append(referral)
    abuse: dict[uuid.UUID, list[rules.Abuse]] = defaultdict(list)
    for incident in incidents:
        abuse[incident.victim_id].append(rules.Abuse(incident.occurred_on, incident.perpetrator_id))
    repeats = set()
    for hearing in hearings:
        reference = hearing.referred_on or hearing.held_on
        earlier = [
            rules.PastReferral(
                r.submitted_on,
                accepted=r.status == ACCEPTED,
                perpetrators=frozenset(named[r.case_id]),
            )
            for r in history[hearing.victim_id]
            if r.id != hearing.referral_id and r.meeting_id != hearing.meeting_id
        ]
        if rules.referral_is_repeat(reference, earlier, abuse[hearing.victim_id], REPEAT_SETTINGS):
            repeats.add(hearing.item_id)
    return repeats


def _by_quarter(filters: Filters, hearings: Iterable[HearingRow]) -> dict[str, list[HearingRow]]:
    grouped: dict[str, list[HearingRow]] = {
        q.code: [] for q in quarters_between(filters.start, filters.end)
    }
    for hearing in hearings:
        grouped[quarter_code(hearing.held_on)].append(hearing)
    return grouped


# --- indicators ------------------------------------------------------------------


def cases_heard(data: Dataset, filters: Filters, *, population: int | None = None) -> Volume:
    return Volume(heard=len(heard(data, filters)), days=filters.days, population=population)


def repeat_rate(data: Dataset, filters: Filters) -> RepeatRate:
    hearings = heard(data, filters)
    repeats = repeat_items(hearings, data.referrals, data.incidents, data.perpetrators)
    quarters = tuple(
        RepeatQuarter(code, len(group), sum(1 for h in group if h.item_id in repeats))
        for code, group in _by_quarter(filters, hearings).items()
    )
    return RepeatRate(heard=len(hearings), repeats=len(repeats), by_quarter=quarters)


def quarterly_return(data: Dataset, filters: Filters) -> tuple[QuarterlyReturn, ...]:
    hearings = heard(data, filters)
    repeats = repeat_items(hearings, data.referrals, data.incidents, data.perpetrators)
    children: dict[uuid.UUID, int] = defaultdict(int)
    for child in data.children:
        if child.lives_in_household:
            children[child.case_id] += 1
    perpetrators: dict[uuid.UUID, list[PerpetratorRow]] = defaultdict(list)
    for perpetrator in data.perpetrators:
        perpetrators[perpetrator.case_id].append(perpetrator)

    def young_perpetrators(h: HearingRow) -> int:
        ages = (
            age_at(h.held_on, p.birth_year, p.estimated_age, p.age_estimated_on)
            for p in perpetrators[h.case_id]
        )
        return sum(1 for age in ages if age is not None and age <= OLDEST_YOUNG_PERPETRATOR)

    returns = []
    for code, group in _by_quarter(filters, hearings).items():
        buckets = dict.fromkeys(BUCKETS, 0)
        for h in group:
            buckets[bucket_of(h.referrer_kind)] += 1
        victims = [
            (
                h.victim,
                age_at(
                    h.held_on,
                    h.victim.birth_year,
                    h.victim.estimated_age,
                    h.victim.age_estimated_on,
                ),
            )
            for h in group
        ]
        returns.append(
            QuarterlyReturn(
                quarter=code,
                meetings=len({h.meeting_id for h in group}),
                cases_discussed=len(group),
                repeat_cases=sum(1 for h in group if h.item_id in repeats),
                children=sum(children[h.case_id] for h in group),
                referrals=ReferralSources(**buckets),
                victims_bame=sum(1 for v, _ in victims if v.ethnic_group in MINORITY_ETHNIC_GROUPS),
                victims_lgbt=sum(1 for v, _ in victims if v.lgbt == YES),
                victims_disabled=sum(1 for v, _ in victims if v.disability == YES),
                victims_male=sum(1 for v, _ in victims if v.gender == MALE),
                victims_aged_16_17=sum(1 for _, age in victims if age in VICTIM_AGES),
                perpetrators_17_or_under=sum(young_perpetrators(h) for h in group),
            )
        )
    return tuple(returns)


def factors(data: Dataset, filters: Filters) -> tuple[FactorCounts, ...]:
    hearings = heard(data, filters)
    answers: dict[uuid.UUID, list[FactorAnswerRow]] = defaultdict(list)
    for answer in data.factor_answers:
        answers[answer.case_id].append(answer)
    drink: dict[uuid.UUID, list[date]] = defaultdict(list)
    for incident in data.incidents:
        if incident.alcohol_or_drugs:
            drink[incident.victim_id].append(incident.occurred_on)

    perpetrators: dict[uuid.UUID, list[PerpetratorRow]] = defaultdict(list)
    for perpetrator in data.perpetrators:
        perpetrators[perpetrator.case_id].append(perpetrator)

    def present(h: HearingRow) -> set[str]:
        codes = {a.factor for a in answers[h.case_id] if a.completed_on <= h.held_on}
        found = {name for name, feeds in FACTOR_CODES.items() if codes & set(feeds)}
        if any(0 <= (h.held_on - day).days <= INCIDENT_WINDOW_DAYS for day in drink[h.victim_id]):
            found.add(INCIDENT_FACTOR)
        for name, (whose, column) in PROFILE_FACTORS.items():
            people = [h.victim] if whose == "victim" else perpetrators[h.case_id]
            if any(getattr(p, column) == YES for p in people):
                found.add(name)
        return found

    counts = []
    for code, group in _by_quarter(filters, hearings).items():
        tally = dict.fromkeys(FACTORS, 0)
        for h in group:
            for name in present(h):
                tally[name] += 1
        counts.append(FactorCounts(quarter=code, heard=len(group), **tally))
    return tuple(counts)


def days_to_hearing(data: Dataset, filters: Filters) -> DaysToHearing:
    days = sorted(
        (h.held_on - h.referred_on).days for h in heard(data, filters) if h.referred_on is not None
    )
    return DaysToHearing(
        hearings=len(days), median=nearest_rank(days, MEDIAN), p90=nearest_rank(days, NINETIETH)
    )


def actions_on_time(data: Dataset, filters: Filters) -> ActionsOnTime:
    due = [
        a
        for a in data.actions
        if filters.start <= a.due_on <= filters.end
        and (filters.area_id is None or a.area_id == filters.area_id)
        and (
            filters.referring_agency_id is None
            or a.referring_agency_id == filters.referring_agency_id
        )
    ]
    done = [a for a in due if a.status == DONE]
    on_time = sum(1 for a in done if a.completed_on is not None and a.completed_on <= a.due_on)
    return ActionsOnTime(
        due=len(due),
        on_time=on_time,
        late=len(done) - on_time,
        cannot=sum(1 for a in due if a.status == CANNOT),
        still_open=sum(1 for a in due if a.status not in (DONE, CANNOT)),
    )


def _meetings_held(data: Dataset, filters: Filters) -> set[uuid.UUID]:
    return {
        m.id
        for m in data.meetings
        if m.status in HEARD_STATUSES
        and filters.start <= m.held_on <= filters.end
        and (filters.area_id is None or m.area_id == filters.area_id)
    }


def attendance(data: Dataset, filters: Filters) -> AttendanceRate:
    meetings = _meetings_held(data, filters)
    invited = {(i.meeting_id, i.agency_id) for i in data.invites if i.meeting_id in meetings}
    present = {(a.meeting_id, a.agency_id) for a in data.attendance}
    return AttendanceRate(
        meetings=len(meetings), invited=len(invited), attended=len(invited & present)
    )


def research_response(data: Dataset, filters: Filters) -> ResearchResponse:
    hearings = heard(data, filters)
    invited: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
    for invite in data.invites:
        invited[invite.meeting_id].add(invite.agency_id)
    written = {(r.meeting_id, r.case_id, r.agency_id) for r in data.research}
    expected = sum(len(invited[h.meeting_id]) for h in hearings)
    received = sum(
        1
        for h in hearings
        for agency_id in invited[h.meeting_id]
        if (h.meeting_id, h.case_id, agency_id) in written
    )
    return ResearchResponse(expected=expected, received=received)


def referrals_by_agency(data: Dataset, filters: Filters) -> ReferralsByAgency:
    counts: dict[uuid.UUID, int] = defaultdict(int)
    for r in {r.id: r for r in data.referrals}.values():
        if (
            r.status not in UNCOUNTED_REFERRALS
            and filters.start <= r.submitted_on <= filters.end
            and (filters.area_id is None or r.area_id == filters.area_id)
            and (
                filters.referring_agency_id is None
                or r.referring_agency_id == filters.referring_agency_id
            )
        ):
            counts[r.referring_agency_id] += 1
    return ReferralsByAgency(counts=ordered_counts(counts.items()))


def agenda_outcomes(data: Dataset, filters: Filters) -> AgendaOutcomes:
    items = on_agendas(data, filters)
    return AgendaOutcomes(
        deferred=sum(1 for h in items if h.outcome == DEFERRED),
        withdrawn=sum(1 for h in items if h.outcome == WITHDRAWN),
    )


def return_details(data: Dataset, filters: Filters) -> tuple[ReturnDetails, ...]:
    mapping = {(m.area_id, m.agency_kind): m.source for m in data.source_map}

    def source(h: HearingRow) -> str:
        if h.referrer_kind is None:
            return OTHER
        return mapping.get((h.area_id, h.referrer_kind), DEFAULT_SOURCE.get(h.referrer_kind, OTHER))

    with_children = {c.case_id for c in data.children if c.lives_in_household}
    sent_back: dict[str, list[ReferralRow]] = defaultdict(list)
    for r in {r.id: r for r in data.referrals}.values():
        if (
            r.status in UNCOUNTED_REFERRALS
            and filters.start <= r.submitted_on <= filters.end
            and (filters.area_id is None or r.area_id == filters.area_id)
            and (
                filters.referring_agency_id is None
                or r.referring_agency_id == filters.referring_agency_id
            )
        ):
            sent_back[quarter_code(r.submitted_on)].append(r)
    details = []
    for code, group in _by_quarter(filters, heard(data, filters)).items():
        sources = [source(h) for h in group]
        details.append(
            ReturnDetails(
                quarter=code,
                sources=tuple(sources.count(s) for s in SOURCE_CODES),
                cases_with_children=sum(1 for h in group if h.case_id in with_children),
                criteria=tuple(sum(1 for h in group if c in h.criteria) for c in CRITERIA),
                returned=sum(1 for r in sent_back[code] if r.status == "returned"),
                duplicates=sum(1 for r in sent_back[code] if r.status == "duplicate"),
            )
        )
    return tuple(details)


INDICATORS: dict[str, Callable[[Dataset, Filters], object]] = {
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
