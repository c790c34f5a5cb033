"""Builders of test data, with keyword-only arguments: one line of data per test.

``Factory`` makes agencies and users through the real services (so every
record is audited and encrypted as in production); ``Cases`` makes a victim's
case with its perpetrators and incidents. The ``make`` and ``cases`` fixtures
in tests/conftest.py hand them to tests; browser tests use them directly.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from emarac.agencies.models import AgencyKind, Role
from emarac.agencies.services import create_agency, create_user, get_or_create_area
from emarac.auth import totp
from emarac.cases import services as case_services
from emarac.cases.models import Relationship
from emarac.clock import utcnow
from emarac.extensions import db as extension_db
from emarac.incidents.models import IncidentType
from emarac.incidents.services import IncidentDetails, record_incident
from emarac.meetings import minutes as minutes_service
from emarac.people.models import Gender
from emarac.people.services import PersonDetails, create_person

DEFAULT_PASSWORD = "correct horse battery staple"  # noqa: S105 - test fixture


@dataclass
class Factory:
    """Small builders with keyword-only arguments: one line of data per test."""

    db: Any

    def agency(
        self,
        *,
        name: str | None = None,
        kind: str = "police",
        area: str = "Testshire MARAC",
        signed: bool = True,
    ) -> Any:

        return create_agency(
            name=name or f"Test agency {uuid.uuid4().hex[:6]}",
            kind=AgencyKind(kind),
            area_id=get_or_create_area(area).id,
            signed_on=date(2026, 1, 5) if signed else None,
        )

    def user(
        self,
        *,
        agency: Any = None,
        roles: tuple[str, ...] = ("practitioner",),
        email: str | None = None,
        password: str = DEFAULT_PASSWORD,
        enrolled: bool = True,
    ) -> Any:

        agency = agency or self.agency()
        user = create_user(
            email=email or f"user-{uuid.uuid4().hex[:8]}@example.test",
            full_name="Test User " + uuid.uuid4().hex[:4],
            agency=agency,
            roles={Role(r) for r in roles},
            password=password,
        )
        if enrolled:
            user.totp_secret = totp.new_secret()
            user.totp_confirmed_at = utcnow()
        self.db.session.commit()
        return user


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


def send_minutes(meeting: Any, *, coordinator: Any, chair: Any = None) -> list[Any]:
    """The path after the conference: the coordinator drafts, a chair approves, the coordinator
    sends. Without ``chair``, a chair is made in the coordinator's agency."""
    minutes_service.draft(meeting, by=coordinator)
    if chair is None:
        chair = Factory(extension_db).user(agency=coordinator.agency, roles=("chair",))
    minutes_service.approve(meeting, by=chair)
    return minutes_service.send(meeting, by=coordinator)
