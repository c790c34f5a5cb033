"""Rectification: correcting a person's details and keeping what they were.

Each correction keeps the previous values of the fields it changed, encrypted
like the fields themselves (one JSON value per correction, bound to its row),
with who corrected them and when. The person's page shows them to whoever may
read the person. Erasure at retention review clears them with the person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from emarac.agencies.models import User
from emarac.auditing import record_event
from emarac.extensions import db
from emarac.people.models import Person, PersonCorrection
from emarac.protocol import policy
from emarac.protocol.policy import NotAllowed

# The details a correction may change: those the person's page shows, so a
# previous value is never shown to someone who could not see the current one.
CORRECTABLE = ("given_name", "family_name", "date_of_birth")
LABELS = {"given_name": "First name", "family_name": "Last name", "date_of_birth": "Date of birth"}


@dataclass(frozen=True)
class Correction:
    given_name: str | None
    family_name: str | None
    date_of_birth: date | None


def _stored(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def correct_person(person: Person, correction: Correction, *, by: User) -> list[str]:
    """Change the details that differ, keeping their previous values; commits.

    Returns the names of the fields changed (none: nothing is stored).
    """
    if not policy.may_correct_person(by, person):
        raise NotAllowed("person", person.id, purpose="correction refused")
    previous: dict[str, Any] = {}
    for name in CORRECTABLE:
        new = getattr(correction, name)
        old = getattr(person, name)
        if new != old:
            previous[name] = _stored(old)
            setattr(person, name, new)
    if not previous:
        return []
    if "date_of_birth" in previous:
        person.birth_year = person.date_of_birth.year if person.date_of_birth else None
    record = PersonCorrection(person_id=person.id, fields=sorted(previous), corrected_by_id=by.id)
    record.previous = previous
    db.session.add(record)
    record_event(
        "person.correct",
        object_type="person",
        object_id=person.id,
        fields=sorted(previous) + ["person_correction.previous"],
    )
    db.session.commit()
    return sorted(previous)


@dataclass(frozen=True)
class ShownCorrection:
    """One correction for the page: when, by whom, and each field's previous value in words."""

    corrected_at: Any
    by: str
    previous: list[tuple[str, str]]


def _in_words(name: str, value: Any) -> str:
    if value is None:
        return "Not recorded"
    if name == "date_of_birth":
        return date.fromisoformat(value).strftime("%-d %B %Y")
    return str(value)


def corrections_of(person: Person) -> list[ShownCorrection]:
    """The person's corrections, newest first (erased ones show no previous values)."""
    rows = db.session.scalars(
        select(PersonCorrection)
        .where(PersonCorrection.person_id == person.id)
        .options(joinedload(PersonCorrection.corrected_by))
        .order_by(PersonCorrection.corrected_at.desc())
    )
    shown = []
    for row in rows:
        previous = row.previous or {}
        shown.append(
            ShownCorrection(
                corrected_at=row.corrected_at,
                by=row.corrected_by.full_name,
                previous=[
                    (LABELS.get(name, name), _in_words(name, previous[name]))
                    for name in row.fields
                    if name in previous
                ],
            )
        )
    return shown
