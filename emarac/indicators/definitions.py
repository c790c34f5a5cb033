"""What each indicator counts: the definitions, their constants and result classes.

This module is the readable statement of every indicator, with the constants
and the result classes both ways of counting share. ``queries.py`` works the
figures out as set-based SQL inside the database; the same figures worked out
in plain Python over plain rows (the test oracle) live in
``tests/indicators/oracle.py``, and a test checks the two agree on a generated
data set.

Definitions
-----------
Hearing
    A case is *heard* when it is an item on the agenda of a meeting whose status
    is in session, has its minutes drafted or approved, is minuted or closed
    (``HEARD_STATUSES``) and the meeting did not defer or withdraw it (its
    ``outcome`` is not in ``NOT_HEARD_OUTCOMES``; an item not decided yet, in
    a meeting still in session, counts as heard, as it always has). A deferred
    case is heard, if at all, at the meeting it is carried to. The hearing date is
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
Details of the return (per calendar quarter, shown as financial quarters)
    What partners fill in beside the national return. Referral sources in the
    return's finer categories (``SOURCE_CODES``: police, IDVA, health,
    children's social care, adult social care, housing, probation, education,
    substance misuse, mental health, specialist domestic abuse services,
    other): each hearing's referring agency's kind, mapped by the meeting's
    area (``AreaReferralSource``, else ``DEFAULT_SOURCE``; no agency is
    "other"). Cases with children: hearings whose case has at least one child
    living in the household. The referral criteria mix: hearings whose
    referral met each criterion (``CRITERIA``; a referral may meet several,
    an item with no referral meets none). Returned and duplicate referrals:
    referrals with those statuses submitted in the quarter (in the area, from
    the referring agency, when chosen), by the day they were submitted.
Records incomplete
    A period that starts before the area's first referral (with every area, the
    last of the areas' first referrals) began before its records did: its
    repeat rate is not comparable, and the dashboard says so.
Age at a hearing
    The hearing's year minus the year of birth (only the year is kept in the
    clear: the date of birth is encrypted); when the year of birth is not known,
    the estimated age plus the whole years from the day it was estimated
    (``age_estimated_on``) to the hearing, or the estimate as it stands when it
    has no date. People of unknown age are not counted.
Causal and vulnerability factors (per quarter)
    The number of hearings with each factor, from the source the factor's name
    says (``FACTOR_SOURCES``, shown on the dashboard):
    - the perpetrator's and the victim's own alcohol, drug and mental-health
      problems, each its own item on the person record (``PROFILE_FACTORS``):
      "yes" for the victim, or for a perpetrator linked to the case; the
      perpetrator's also from a "yes" to a checklist question asking about
      that one problem (``FACTOR_CODES``; none in the current checklist);
    - the checklist's single question about the abuser's alcohol, drug or
      mental-health problems (``alcohol_drugs_mental_health``) is one answer,
      so it is one factor of its own (``abuser_problems_checklist``) and is
      never counted under the three separate ones;
    - ``incident_alcohol_or_drugs``: the victim has an incident flagged
      ``alcohol_or_drugs`` on the hearing date or in the 365 days before it
      (by the incident's date in UTC); the flag cannot tell alcohol from drugs;
    - pregnancy, separation, child contact and financial dependence: a "yes",
      on a risk assessment completed on or before the hearing date, to a
      checklist question whose ``factor`` feeds it (``FACTOR_CODES``).
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
Agenda outcomes
    The agenda items, at the meetings of the period the filters select (as for
    hearings), that the meeting deferred to the next meeting or withdrew:
    neither is counted as heard.

Suppression: any count under 5 is shown as "<5" (``suppress``), and so is a
rate whose numerator or complement (denominator minus numerator) is under 5
(``suppress_rate``). Secondary suppression, so that no hidden figure can be
worked out from the ones shown, is in ``disclosure.py``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from emarac.risk.return_sources import SOURCE_CODES

HEARD_STATUSES = ("in_session", "minutes_drafted", "minutes_approved", "minuted", "closed")
DEFERRED = "deferred"
WITHDRAWN = "withdrawn"
NOT_HEARD_OUTCOMES = (DEFERRED, WITHDRAWN)
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

# The return's referral-source categories (``SOURCE_CODES``) and the default
# from agency kinds live with the area settings that change them.
CRITERIA = ("visible_high_risk", "professional_judgement", "potential_escalation", "repeat")
EXPECTED_REPEAT_PERCENT = (28, 40)

FACTORS = (
    "perpetrator_alcohol",
    "perpetrator_drugs",
    "perpetrator_mental_health",
    "abuser_problems_checklist",
    "incident_alcohol_or_drugs",
    "victim_alcohol",
    "victim_drugs",
    "victim_mental_health",
    "pregnancy",
    "separation",
    "child_contact",
    "financial_dependence",
)
# Checklist ``factor`` codes feeding each factor. The finer codes ("alcohol",
# "drugs", "mental_health") are not in the current checklist; a later version
# that asks about each of the abuser's problems apart can use them. A question
# about two or three at once ("alcohol_drugs") cannot be split: it counts as
# the abuser's problems, like the current one.
FACTOR_CODES: dict[str, tuple[str, ...]] = {
    "perpetrator_alcohol": ("alcohol",),
    "perpetrator_drugs": ("drugs",),
    "perpetrator_mental_health": ("mental_health",),
    "abuser_problems_checklist": ("alcohol_drugs_mental_health", "alcohol_drugs"),
    "pregnancy": ("pregnancy",),
    "separation": ("separation",),
    "child_contact": ("child_contact",),
    "financial_dependence": ("financial_dependence",),
}
# Factors read from the person record: (whose, the Person column answered "yes").
PROFILE_FACTORS: dict[str, tuple[str, str]] = {
    "perpetrator_alcohol": ("perpetrator", "alcohol"),
    "perpetrator_drugs": ("perpetrator", "drugs"),
    "perpetrator_mental_health": ("perpetrator", "mental_health"),
    "victim_alcohol": ("victim", "alcohol"),
    "victim_drugs": ("victim", "drugs"),
    "victim_mental_health": ("victim", "mental_health"),
}
INCIDENT_FACTOR = "incident_alcohol_or_drugs"
# Where each factor comes from, in words the dashboard shows.
FACTOR_SOURCES: dict[str, str] = {
    "perpetrator_alcohol": "the perpetrator's person record",
    "perpetrator_drugs": "the perpetrator's person record",
    "perpetrator_mental_health": "the perpetrator's person record",
    "abuser_problems_checklist": "the risk checklist's one question about all three",
    "incident_alcohol_or_drugs": "incidents flagged as involving alcohol or drugs",
    "victim_alcohol": "the victim's person record",
    "victim_drugs": "the victim's person record",
    "victim_mental_health": "the victim's person record",
    "pregnancy": "the risk checklist",
    "separation": "the risk checklist",
    "child_contact": "the risk checklist",
    "financial_dependence": "the risk checklist",
}


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
class ReturnDetails:
    """What partners add to the national return, for one quarter."""

    quarter: str
    sources: tuple[int, ...]  # hearings per ``SOURCE_CODES`` category
    cases_with_children: int
    criteria: tuple[int, ...]  # hearings whose referral met each of ``CRITERIA``
    returned: int
    duplicates: int

    @classmethod
    def empty(cls, quarter: str) -> ReturnDetails:
        return cls(quarter, (0,) * len(SOURCE_CODES), 0, (0,) * len(CRITERIA), 0, 0)


@dataclass(frozen=True)
class FactorCounts:
    quarter: str
    heard: int
    perpetrator_alcohol: int = 0
    perpetrator_drugs: int = 0
    perpetrator_mental_health: int = 0
    abuser_problems_checklist: int = 0
    incident_alcohol_or_drugs: int = 0
    victim_alcohol: int = 0
    victim_drugs: int = 0
    victim_mental_health: int = 0
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


@dataclass(frozen=True)
class AgendaOutcomes:
    """Agenda items the meetings of the period deferred or withdrew (not heard)."""

    deferred: int
    withdrawn: int


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
    """A percentage, or "<5" when its numerator or its complement is under 5.

    The complement (denominator minus numerator) counts too: 90% of 20 is as
    telling as "2 were not", so a share close to 100% hides as well as one
    close to 0%. A denominator under 5 always has one of the two under 5.
    """
    if denominator == 0 or min(numerator, denominator - numerator) < SUPPRESS_BELOW:
        return SUPPRESSED
    return 100 * numerator / denominator


def ordered_counts(
    pairs: Iterable[tuple[uuid.UUID, int]],
) -> tuple[tuple[uuid.UUID, int], ...]:
    """Most first; ties by the agency id's text so both ways of counting list them alike."""
    return tuple(sorted(pairs, key=lambda pair: (-pair[1], str(pair[0]))))
