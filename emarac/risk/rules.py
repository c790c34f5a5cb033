"""Referral rules as pure functions: no database, no Flask.

The numbers are settings with the national defaults (see DOMAIN.md,
"Referral criteria"): 14 "yes" answers for visible high risk; 3 incidents in
12 months for potential escalation; any new abuse within 12 months of the last
referral is a repeat.

Escalation counts incidents in the 365 days up to a date, inclusive. The
repeat window is counted in calendar months (``add_months``): it opens the day
after the victim's last *accepted* referral and closes on the same calendar
date 12 months later, inclusive; when that month is too short (29 February in
a year without one) it closes on the month's last day. Only accepted referrals
open a window: a returned referral was never taken to MARAC and a duplicate
was merged into another. The incident that prompted a referral, on the
referral's own date, is its trigger and not its repeat.

"Involving the same perpetrator(s)": an incident naming a perpetrator who is
not one of those linked to the last referral's case starts a new story (a new
referral, not a repeat). An incident with no perpetrator recorded, or a last
referral whose case names none, cannot rule the link out, so it counts: a
missed repeat costs more than a coordinator's second look.
"""

from __future__ import annotations

import calendar
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum


class RiskLevel(StrEnum):
    STANDARD = "standard"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def rank(self) -> int:
        return _RANK[self]

    @property
    def label(self) -> str:
        return self.value.capitalize()


_RANK = {RiskLevel.STANDARD: 0, RiskLevel.MEDIUM: 1, RiskLevel.HIGH: 2}


class Criterion(StrEnum):
    VISIBLE_HIGH_RISK = "visible_high_risk"
    PROFESSIONAL_JUDGEMENT = "professional_judgement"
    POTENTIAL_ESCALATION = "potential_escalation"
    REPEAT = "repeat"


@dataclass(frozen=True)
class RiskSettings:
    """An area's thresholds; the defaults are the national ones."""

    medium_from: int = 10
    high_from: int = 14
    escalation_incidents: int = 3
    window_days: int = 365
    repeat_months: int = 12
    escalation_police_only: bool = False  # some areas count only police call-outs

    def __post_init__(self) -> None:
        if not 0 < self.medium_from < self.high_from:
            raise ValueError("risk bands must rise: 0 < medium_from < high_from")
        if self.escalation_incidents < 1 or self.window_days < 1 or self.repeat_months < 1:
            raise ValueError("escalation threshold and windows must be positive")


DEFAULTS = RiskSettings()


class JudgementError(ValueError):
    """Professional judgement tried to lower a level; it may only raise it."""


def risk_band(yes_count: int, settings: RiskSettings = DEFAULTS) -> RiskLevel:
    """The level that the count of "yes" answers alone gives."""
    if yes_count < 0:
        raise ValueError("a count of answers cannot be negative")
    if yes_count >= settings.high_from:
        return RiskLevel.HIGH
    if yes_count >= settings.medium_from:
        return RiskLevel.MEDIUM
    return RiskLevel.STANDARD


def final_level(
    yes_count: int, judged: RiskLevel | None = None, settings: RiskSettings = DEFAULTS
) -> RiskLevel:
    """The level after professional judgement, which can raise but never lower it."""
    scored = risk_band(yes_count, settings)
    if judged is None:
        return scored
    if judged.rank < scored.rank:
        raise JudgementError(
            f"Professional judgement cannot lower the level below {scored.label.lower()}"
        )
    return judged


def visible_high_risk(yes_count: int, settings: RiskSettings = DEFAULTS) -> bool:
    return yes_count >= settings.high_from


def within_window(earlier: date, later: date, settings: RiskSettings = DEFAULTS) -> bool:
    """``later`` is on or after ``earlier`` and no more than the window after it."""
    return 0 <= (later - earlier).days <= settings.window_days


def incidents_in_window(
    incident_dates: Iterable[date], on: date, settings: RiskSettings = DEFAULTS
) -> int:
    """How many incidents fall in the window that ends on ``on`` (inclusive)."""
    return sum(1 for d in incident_dates if within_window(d, on, settings))


def potential_escalation(
    incident_dates: Iterable[date], on: date, settings: RiskSettings = DEFAULTS
) -> bool:
    """Enough incidents for the same victim in the last 12 months, whoever recorded them."""
    return incidents_in_window(incident_dates, on, settings) >= settings.escalation_incidents


# --- repeats ---------------------------------------------------------------------


@dataclass(frozen=True)
class PastReferral:
    """One of the victim's referrals, as the repeat rule sees it."""

    on: date
    accepted: bool = True
    perpetrators: frozenset[uuid.UUID] = frozenset()


@dataclass(frozen=True)
class Abuse:
    """An incident of abuse against the victim, as the repeat rule sees it."""

    on: date
    perpetrator: uuid.UUID | None = None
    police_attended: bool = False


@dataclass(frozen=True)
class LastReferral:
    """The date of the last accepted referral and the perpetrators linked to it.

    Two accepted referrals on one date (two cases of one victim) are both the
    last; each keeps its own case's perpetrators.
    """

    on: date
    perpetrator_sets: tuple[frozenset[uuid.UUID], ...]


def add_months(day: date, months: int) -> date:
    """The same calendar date ``months`` later, or the month's last day if it has no such date."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def repeat_window(referred_on: date, settings: RiskSettings = DEFAULTS) -> tuple[date, date]:
    """The first and last days (both inclusive) on which further abuse is a repeat."""
    return referred_on + timedelta(days=1), add_months(referred_on, settings.repeat_months)


def _last(referrals: Iterable[PastReferral], keep: date, *, inclusive: bool) -> LastReferral | None:
    accepted = [r for r in referrals if r.accepted and (r.on <= keep if inclusive else r.on < keep)]
    if not accepted:
        return None
    on = max(r.on for r in accepted)
    return LastReferral(on, tuple(r.perpetrators for r in accepted if r.on == on))


def last_accepted(referrals: Iterable[PastReferral], *, on_or_before: date) -> LastReferral | None:
    """The victim's last accepted referral on or before a date (returned and duplicates skipped)."""
    return _last(referrals, on_or_before, inclusive=True)


def same_abuse(perpetrator: uuid.UUID | None, last: LastReferral) -> bool:
    """The incident can be the same story: no perpetrator names rule the link out."""
    return perpetrator is None or any(
        not named or perpetrator in named for named in last.perpetrator_sets
    )


def _repeat_of(incident: Abuse, last: LastReferral | None, settings: RiskSettings) -> bool:
    if last is None:
        return False
    first, final = repeat_window(last.on, settings)
    return first <= incident.on <= final and same_abuse(incident.perpetrator, last)


def is_repeat(
    incident: Abuse, referrals: Iterable[PastReferral], settings: RiskSettings = DEFAULTS
) -> bool:
    """The incident is further abuse within the window of the victim's last accepted referral.

    The last accepted referral is taken as of the incident's date, so a case
    closed long ago still has repeats, and an incident on the referral's own
    date (day 0) is the referral's trigger, not a repeat of it.
    """
    return _repeat_of(incident, last_accepted(referrals, on_or_before=incident.on), settings)


def referral_is_repeat(
    on: date,
    referrals: Iterable[PastReferral],
    incidents: Iterable[Abuse],
    settings: RiskSettings = DEFAULTS,
) -> bool:
    """A referral made on ``on`` is a repeat referral.

    It is when, since the victim's last accepted referral before that date, an
    incident that is a repeat of it happened, on or before ``on``. The
    referral's own record must not be among ``referrals`` (its date would make
    it its own last referral).
    """
    last = _last(referrals, on, inclusive=False)
    return any(i.on <= on and _repeat_of(i, last, settings) for i in incidents)


def criteria_met(
    *,
    on: date,
    yes_count: int | None,
    judged: RiskLevel | None = None,
    incidents: Iterable[Abuse] = (),
    referrals: Iterable[PastReferral] = (),
    settings: RiskSettings = DEFAULTS,
) -> set[Criterion]:
    """Every referral criterion a case meets on a given date.

    ``incidents`` are the victim's, whoever recorded them; ``referrals`` the
    victim's earlier referrals in any status (the rules pick the accepted ones).
    Escalation counts every incident, or only those the police attended when
    the area's settings say so; repeats count every incident either way.
    """
    met: set[Criterion] = set()
    abuse = list(incidents)
    dates = [i.on for i in abuse if i.police_attended or not settings.escalation_police_only]
    count = yes_count or 0
    if yes_count is not None and visible_high_risk(count, settings):
        met.add(Criterion.VISIBLE_HIGH_RISK)
    elif judged is RiskLevel.HIGH:
        met.add(Criterion.PROFESSIONAL_JUDGEMENT)
    if potential_escalation(dates, on, settings):
        met.add(Criterion.POTENTIAL_ESCALATION)
    if referral_is_repeat(on, referrals, abuse, settings):
        met.add(Criterion.REPEAT)
    return met


def unanswered(given: Sequence[tuple[str, bool]]) -> list[int]:
    """Positions (0-based) in ``given`` of the questions still to answer.

    ``given`` is each question's section and whether it has an answer, in
    checklist order. Every core question needs one. The optional sections
    (stalking, honour-based abuse) may be left out whole, but a section with
    any answer is asked in full.
    """
    begun = {section for section, answered in given if answered}
    return [
        index
        for index, (section, answered) in enumerate(given)
        if not answered and (section == "core" or section in begun)
    ]


def may_refer_again(
    latest: str | None,
    *,
    last_accepted_on: date | None,
    on: date,
    criteria: set[Criterion],
    settings: RiskSettings = DEFAULTS,
) -> bool:
    """Whether the case page offers a new referral, after the case's latest one.

    ``latest`` is the status of the case's latest referral that was not merged
    as a duplicate (None if it has none). None: the first referral is offered.
    Submitted: one is already waiting for triage. Returned: the referrer corrects
    and sends that one again instead. Accepted: the case comes back to MARAC as
    a repeat (further abuse inside the repeat window), or, once the window has
    closed, as a new referral.
    """
    if latest is None:
        return True
    if latest in ("submitted", "returned"):
        return False
    if Criterion.REPEAT in criteria:
        return True
    if last_accepted_on is None:
        return True
    _, closes = repeat_window(last_accepted_on, settings)
    return on > closes
