"""Validation rules for people, as pure functions."""

from __future__ import annotations

from datetime import date

from emarac.people.models import age_on

MINIMUM_VICTIM_AGE = 16


def victim_age_problem(
    date_of_birth: date | None, estimated_age: int | None, *, today: date
) -> str | None:
    """A MARAC victim is 16 or over; younger victims belong to child safeguarding."""
    age = age_on(date_of_birth, today) if date_of_birth is not None else estimated_age
    if age is not None and age < MINIMUM_VICTIM_AGE:
        return (
            "The victim must be 16 or over. For a younger person, make a child "
            "safeguarding referral instead"
        )
    return None
