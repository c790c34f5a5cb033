"""Referral rules as pure functions: no database, no Flask.

The numbers are settings with the national defaults (see DOMAIN.md,
"Referral criteria"): 14 "yes" answers for visible high risk; 3 incidents in
12 months for potential escalation; any new abuse within 12 months of the last
referral is a repeat. "12 months" is counted as 365 days, inclusive: an
incident on day 365 after the referral is inside the window, day 366 is not.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
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

    def __post_init__(self) -> None:
        if not 0 < self.medium_from < self.high_from:
            raise ValueError("risk bands must rise: 0 < medium_from < high_from")
        if self.escalation_incidents < 1 or self.window_days < 1:
            raise ValueError("escalation threshold and window must be positive")


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


def is_repeat(
    incident_date: date, last_referral: date | None, settings: RiskSettings = DEFAULTS
) -> bool:
    """Further abuse within 12 months of the victim's last referral to MARAC."""
    return last_referral is not None and within_window(last_referral, incident_date, settings)


def criteria_met(
    *,
    on: date,
    yes_count: int | None,
    judged: RiskLevel | None = None,
    incident_dates: Iterable[date] = (),
    last_referral: date | None = None,
    settings: RiskSettings = DEFAULTS,
) -> set[Criterion]:
    """Every referral criterion a case meets on a given date."""
    met: set[Criterion] = set()
    dates = list(incident_dates)
    count = yes_count or 0
    if yes_count is not None and visible_high_risk(count, settings):
        met.add(Criterion.VISIBLE_HIGH_RISK)
    elif judged is RiskLevel.HIGH:
        met.add(Criterion.PROFESSIONAL_JUDGEMENT)
    if potential_escalation(dates, on, settings):
        met.add(Criterion.POTENTIAL_ESCALATION)
    if last_referral is not None and any(
        last_referral < d and is_repeat(d, last_referral, settings) and d <= on for d in dates
    ):
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
