"""People's details as the services store them."""

from __future__ import annotations

from datetime import UTC, date, datetime

from tests.factories import Cases


def test_an_estimated_age_is_dated_and_grows_from_that_day(db, make, clock):
    user = make.user(agency=make.agency(area="Testshire MARAC"))
    clock.now = datetime(2025, 1, 10, 9, 0, tzinfo=UTC)
    victim = Cases(db, make).open(by=user, born=None, estimated_age=16).victim
    assert victim.age_estimated_on == date(2025, 1, 10)
    assert victim.age(date(2026, 1, 9)) == 16
    assert victim.age(date(2026, 1, 10)) == 17
