"""Ages at an event's date, and the 16+ rule; no database needed."""

from __future__ import annotations

from datetime import date

from emarac.people.models import age_at, age_on
from emarac.people.rules import too_young, victim_age_problem

BORN = date(2010, 12, 20)


def test_age_counts_whole_years_to_the_events_date_not_the_year():
    heard = date(2026, 3, 11)
    assert age_on(BORN, heard) == 15  # the year alone (2026 - 2010) would say 16
    assert age_on(BORN, date(2026, 12, 19)) == 15
    assert age_on(BORN, date(2026, 12, 20)) == 16


def test_a_29_february_birthday_comes_on_1_march_in_other_years():
    leapling = date(2008, 2, 29)
    assert age_on(leapling, date(2024, 2, 28)) == 15
    assert age_on(leapling, date(2024, 2, 29)) == 16
    assert age_on(leapling, date(2025, 2, 28)) == 16
    assert age_on(leapling, date(2026, 3, 1)) == 18


def test_an_estimated_age_counts_on_from_the_day_it_was_estimated():
    estimated = {"date_of_birth": None, "estimated_age": 15, "estimated_on": date(2025, 6, 1)}
    assert age_at(date(2025, 6, 1), **estimated) == 15
    assert age_at(date(2026, 5, 31), **estimated) == 15
    assert age_at(date(2026, 6, 1), **estimated) == 16
    assert age_at(date(2024, 6, 1), **estimated) == 14
    # Without a date the estimate is taken as it stands; the date of birth always wins.
    assert age_at(date(2030, 1, 1), date_of_birth=None, estimated_age=15) == 15
    assert age_at(date(2026, 3, 11), date_of_birth=BORN, estimated_age=40) == 15
    assert age_at(date(2026, 3, 11), date_of_birth=None) is None


def test_under_16_is_too_young_and_an_unknown_age_is_not_refused():
    assert too_young(15)
    assert not too_young(16)
    assert not too_young(None)
    assert victim_age_problem(BORN, None, today=date(2026, 3, 11)) is not None
    assert victim_age_problem(BORN, None, today=date(2026, 12, 20)) is None
