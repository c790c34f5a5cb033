"""Validation rules for people, as pure functions."""

from __future__ import annotations

from datetime import date

from emarac.people.models import age_at

MINIMUM_VICTIM_AGE = 16
TOO_YOUNG = (
    "The victim must be 16 or over. For a younger person, make a child "
    "safeguarding referral instead"
)


def too_young(age: int | None) -> bool:
    """Under 16 at the event: child safeguarding, not MARAC. An unknown age is not refused."""
    return age is not None and age < MINIMUM_VICTIM_AGE


def victim_age_problem(
    date_of_birth: date | None,
    estimated_age: int | None,
    *,
    today: date,
    estimated_on: date | None = None,
) -> str | None:
    """A MARAC victim is 16 or over; younger victims belong to child safeguarding."""
    age = age_at(
        today,
        date_of_birth=date_of_birth,
        estimated_age=estimated_age,
        estimated_on=estimated_on or today,
    )
    return TOO_YOUNG if too_young(age) else None
