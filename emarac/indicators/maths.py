"""Indicator maths as pure functions over plain rows: no database, no Flask.

This module is the readable statement of every indicator. ``queries.py`` works
out the same figures as set-based SQL inside the database and returns the same
result classes, and a test checks the two agree on a generated data set.
``rows.py`` loads the plain rows below from a database.

Definitions
-----------
Hearing
    A case is *heard* when it is an item on the agenda of a meeting whose status
    is in session, minuted or closed (``HEARD_STATUSES``). The hearing date is
    the meeting's ``held_on`` and its area the meeting's area; periods filter
    on the hearing date. A case heard at two meetings counts twice, as the
    national return counts per meeting.
Referring agency of a hearing
    The agency of the referral the agenda item came from; for an item with no
    referral, the case's referring agency, else the agency that owns the case.
    ``Filters.referring_agency_id`` matches it.
MARAC referral
    Any referral whose status is not ``returned`` or ``duplicate``
    (``UNCOUNTED_REFERRALS``): a returned referral was sent back rather than
    taken to MARAC, and a duplicate was merged into another.
Repeat (the old NI 32)
    A hearing is a repeat when its referral was made under the repeat rule of
    ``risk.rules`` (``referral_is_repeat``): take the *reference date* (the
    first ``submitted_on`` of the referral the agenda item came from, or the
    hearing date when the item has no referral) and the victim's last
    *accepted* referral before it; some incident of the victim (by its date in
    UTC) falls after that referral, within ``REPEAT_WINDOW_MONTHS`` calendar
    months of it (inclusive, 29 February closing on 28 February), on or before
    the reference date, and names a perpetrator of that referral's case (or
    none, or the case names none). A referral taken to this same meeting is
    never the earlier one. The flag stored on referrals and cases follows the
    same rule at the time; here it is worked out from history.
Repeat rate
    Repeats heard / cases heard, as a percentage, overall and per quarter.
Volume
    Cases heard, and cases heard per 10,000 women aged 16+ per year: heard /
    population x 10,000 x 365 / days in the period (the national benchmark is
    40). The population is passed in.
Quarterly return (per calendar quarter, summed over its meetings)
    Cases discussed; repeats; children in the household (links to children
    marked as living in the household, on each heard case); the referring
    agency of each hearing in buckets (police, IDVA, health, children's
    services, housing, others; ``AGENCY_BUCKETS``) and the share not from the
    police; victims who are Black, Asian or minority ethnic (ethnic group
    known and not white), LGBT+ (``lgbt`` is yes), disabled (``disability`` is
    yes), male, and aged 16 or 17; perpetrators aged 17 or under, counted once
    per perpetrator linked to each heard case.
Age at a hearing
    The hearing's year minus the year of birth (only the year is kept in the
    clear: the date of birth is encrypted); when the year of birth is not known,
    the estimated age plus the whole years from the day it was estimated
    (``age_estimated_on``) to the hearing, or the estimate as it stands when it
    has no date. People of unknown age are not counted.
Causal and vulnerability factors (per quarter)
    The number of hearings whose case has a "yes" answer, on a risk assessment
    completed on or before the hearing date, to a checklist question whose
    ``factor`` feeds that factor (``FACTOR_CODES``). The current checklist asks
    one question about the abuser's alcohol, drug or mental-health problems
    (factor ``alcohol_drugs_mental_health``), so a yes to it counts under all
    three. Alcohol also counts a hearing whose victim has an incident flagged
    ``alcohol_or_drugs`` on the hearing date or in the 365 days before it (by
    the incident's date in UTC): the flag cannot tell alcohol from drugs, and
    alcohol is what the eMARAC reports led with.
Days from referral to hearing
    The hearing date minus the ``submitted_on`` of its referral, for items
    that came from a referral. The median and 90th percentile use the
    nearest-rank method: sort the n values and take the one at rank
    ceil(p x n / 100), counting from 1. PostgreSQL's ``percentile_disc`` is the
    same method, so the median of an even count is the lower middle value.
Actions completed on time
    Of the actions due in the period, those done with ``completed_on`` on or
    before ``due_on``. An action's area is its meeting's area, or its case's
    when it has no meeting; its referring agency is the case's referring
    agency, else the case's owner.
Agency attendance
    Over the meetings held in the period, invited agencies that had someone on
    the attendance register / invited agencies. The referring-agency filter
    does not apply: attendance belongs to a meeting, not to a case.
Research response
    Research sections written by invited agencies / (invited agencies x cases
    heard), meeting by meeting.
Referrals by agency
    MARAC referrals submitted in the period (in the area when one is chosen),
    counted per referring agency.

Suppression: any count under 5 is shown as "<5" (``suppress``), and so is a
rate whose numerator or denominator is under 5 (``suppress_rate``).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from emarac.indicators.periods import Filters, quarter_containing, quarters_between
from emarac.risk import rules

HEARD_STATUSES = ("in_session", "minuted", "closed")
UNCOUNTED_REFERRALS = ("returned", "duplicate")
ACCEPTED = "accepted"
REPEAT_WINDOW_MONTHS = 12
INCIDENT_WINDOW_DAYS = 365
MINORITY_ETHNIC_GROUPS = ("mixed", "asian", "black", "other")
YES = "yes"
MALE = "male"
DONE = "done"
CANNOT = "cannot"
VICTIM_AGES = (16, 17)
OLDEST_YOUNG_PERPETRATOR = 17

PER_WOMEN = 10_000
DAYS_IN_YEAR = 365
MEDIAN = 50
NINETIETH = 90

SUPPRESS_BELOW = 5
SUPPRESSED = "<5"

BUCKETS = ("police", "idva", "health", "childrens_services", "housing", "others")
# AgencyKind values to quarterly-return buckets; every other kind is "others".
AGENCY_BUCKETS = {
    "police": "police",
    "idva_service": "idva",
    "health": "health",
    "childrens_social_care": "childrens_services",
    "housing": "housing",
}

FACTORS = (
    "alcohol",
    "drugs",
    "mental_health",
    "pregnancy",
    "separation",
    "child_contact",
    "financial_dependence",
)
# Checklist ``factor`` codes feeding each factor. The finer codes ("alcohol",
# "drugs") are not in the current checklist; a later version that splits the
# abuser's question can use them without a change here.
FACTOR_CODES: dict[str, tuple[str, ...]] = {
    "alcohol": ("alcohol", "alcohol_drugs", "alcohol_drugs_mental_health"),
    "drugs": ("drugs", "alcohol_drugs", "alcohol_drugs_mental_health"),
    "mental_health": ("mental_health", "alcohol_drugs_mental_health"),
    "pregnancy": ("pregnancy",),
    "separation": ("separation",),
    "child_contact": ("child_contact",),
    "financial_dependence": ("financial_dependence",),
}


# --- rows: plain, depersonalised facts loaded by rows.py -----------------------


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


# --- results: the same classes come back from queries.py ----------------------


@dataclass(frozen=True)
class RepeatQuarter:
    quarter: str
    heard: int
    repeats: int

    @property
    def percent(self) -> float | None:
        return percent(self.repeats, self.heard)


@dataclass(frozen=True)
class RepeatRate:
    heard: int
    repeats: int
    by_quarter: tuple[RepeatQuarter, ...]

    @property
    def percent(self) -> float | None:
        return percent(self.repeats, self.heard)


@dataclass(frozen=True)
class Volume:
    """Cases heard, and the yearly rate per 10,000 women aged 16+ when the population is known."""

    heard: int
    days: int
    population: int | None = None

    @property
    def per_10000_women(self) -> float | None:
        if not self.population:
            return None
        return self.heard / self.population * PER_WOMEN * DAYS_IN_YEAR / self.days


@dataclass(frozen=True)
class ReferralSources:
    police: int = 0
    idva: int = 0
    health: int = 0
    childrens_services: int = 0
    housing: int = 0
    others: int = 0

    @property
    def total(self) -> int:
        return sum(getattr(self, bucket) for bucket in BUCKETS)

    @property
    def not_police(self) -> int:
        return self.total - self.police

    @property
    def not_police_percent(self) -> float | None:
        return percent(self.not_police, self.total)


@dataclass(frozen=True)
class QuarterlyReturn:
    quarter: str
    meetings: int
    cases_discussed: int
    repeat_cases: int
    children: int
    referrals: ReferralSources
    victims_bame: int
    victims_lgbt: int
    victims_disabled: int
    victims_male: int
    victims_aged_16_17: int
    perpetrators_17_or_under: int


@dataclass(frozen=True)
class FactorCounts:
    quarter: str
    heard: int
    alcohol: int = 0
    drugs: int = 0
    mental_health: int = 0
    pregnancy: int = 0
    separation: int = 0
    child_contact: int = 0
    financial_dependence: int = 0

    def as_dict(self) -> dict[str, int]:
        return {factor: getattr(self, factor) for factor in FACTORS}


@dataclass(frozen=True)
class DaysToHearing:
    hearings: int
    median: int | None
    p90: int | None


@dataclass(frozen=True)
class ActionsOnTime:
    due: int
    on_time: int
    late: int
    cannot: int
    still_open: int

    @property
    def percent(self) -> float | None:
        return percent(self.on_time, self.due)


@dataclass(frozen=True)
class AttendanceRate:
    meetings: int
    invited: int
    attended: int

    @property
    def percent(self) -> float | None:
        return percent(self.attended, self.invited)


@dataclass(frozen=True)
class ResearchResponse:
    expected: int
    received: int

    @property
    def percent(self) -> float | None:
        return percent(self.received, self.expected)


@dataclass(frozen=True)
class ReferralsByAgency:
    """Counts per referring agency, most first (ties by agency id, so the order is stable)."""

    counts: tuple[tuple[uuid.UUID, int], ...]

    @property
    def total(self) -> int:
        return sum(n for _, n in self.counts)


# --- small rules ---------------------------------------------------------------


def percent(numerator: int, denominator: int) -> float | None:
    if denominator == 0:
        return None
    return 100 * numerator / denominator


def suppress(count: int) -> int | str:
    """A count under 5 (0 to 4) is shown as "<5" so nobody can be singled out."""
    if count < 0:
        raise ValueError("a count cannot be negative")
    return SUPPRESSED if count < SUPPRESS_BELOW else count


def suppress_rate(numerator: int, denominator: int) -> float | str:
    """A percentage, or "<5" when either of its counts is under 5."""
    if min(numerator, denominator) < SUPPRESS_BELOW:
        return SUPPRESSED
    return 100 * numerator / denominator


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
    """The hearings the filters select."""
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

    def present(h: HearingRow) -> set[str]:
        codes = {a.factor for a in answers[h.case_id] if a.completed_on <= h.held_on}
        found = {name for name, feeds in FACTOR_CODES.items() if codes & set(feeds)}
        if any(0 <= (h.held_on - day).days <= INCIDENT_WINDOW_DAYS for day in drink[h.victim_id]):
            found.add("alcohol")
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


def ordered_counts(
    pairs: Iterable[tuple[uuid.UUID, int]],
) -> tuple[tuple[uuid.UUID, int], ...]:
    """Most first; ties by the agency id's text so both ways of counting list them alike."""
    return tuple(sorted(pairs, key=lambda pair: (-pair[1], str(pair[0]))))


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
}
