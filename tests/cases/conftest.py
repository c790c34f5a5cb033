"""Builders for case tests: a case with people and incidents in one line."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from emarac.cases import services as case_services
from emarac.cases.models import Relationship
from emarac.incidents.models import IncidentType
from emarac.incidents.services import IncidentDetails, record_incident
from emarac.people.models import Gender
from emarac.people.services import PersonDetails, create_person


class Cases:
    def __init__(self, db: Any, make: Any) -> None:
        self.db = db
        self.make = make

    def open(
        self,
        *,
        by: Any,
        family_name: str = "Featherstonehaugh",
        given_name: str = "Imogen",
        born: date = date(1990, 4, 12),
        **details: Any,
    ) -> Any:
        victim = create_person(
            PersonDetails(
                given_name=given_name,
                family_name=family_name,
                date_of_birth=born,
                gender=Gender.FEMALE,
                **details,
            ),
            by=by,
            role="victim",
        )
        return case_services.open_case(by=by, victim=victim)

    def perpetrator(self, case: Any, *, by: Any, family_name: str = "Grimshaw") -> Any:
        person = create_person(
            PersonDetails(given_name="Rufus", family_name=family_name), by=by, role="perpetrator"
        )
        return case_services.add_perpetrator(
            case, by=by, person=person, relationship=Relationship.EX_PARTNER
        )

    def incident(
        self, case: Any, *, by: Any, days_ago: int = 1, narrative: str = "Synthetic"
    ) -> Any:
        return record_incident(
            by=by,
            victim=case.victim,
            details=IncidentDetails(
                occurred_at=datetime(2026, 11, 1, 21, 0, tzinfo=UTC) - timedelta(days=days_ago),
                types={IncidentType.PHYSICAL},
                narrative=narrative,
                police_attended=True,
            ),
        )


@pytest.fixture
def cases(db: Any, make: Any) -> Cases:
    return Cases(db, make)
