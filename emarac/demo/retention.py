"""Two old, closed demo cases whose retention review is due, so the queue has work.

They were opened and closed years ago (dates set directly: the demo skips the
meeting they would have been heard at). The first shares its perpetrator with
a live demo case, to show that erasing it keeps what the live case needs.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from emarac.agencies.models import User
from emarac.cases import services as case_services
from emarac.cases.closure import review_date
from emarac.cases.models import Case, CasePerpetrator, CaseStatus, Relationship
from emarac.clock import today
from emarac.config import current_settings
from emarac.extensions import db
from emarac.incidents.models import IncidentType
from emarac.incidents.services import IncidentDetails, record_incident
from emarac.people.models import Gender
from emarac.people.services import PersonDetails, create_person

OLD_CASES = (("Wrenna", "Oldbarrow", 45), ("Sorrel", "Fernhallow", 20))


def load() -> int:
    """Create the due cases once; returns how many were made."""
    if db.session.scalar(select(Case.id).where(Case.is_demo, Case.review_on <= today())):
        return 0
    by = db.session.scalar(
        select(User).where(User.is_demo.is_(True), User.email.like("practitioner.%")).limit(1)
    )
    live = db.session.scalar(
        select(CasePerpetrator)
        .join(Case, Case.id == CasePerpetrator.case_id)
        .where(Case.is_demo, Case.status != CaseStatus.CLOSED)
        .order_by(Case.reference)
        .limit(1)
    )
    if by is None:
        return 0
    years = current_settings().retention_years
    made = 0
    for n, (given, family, days_overdue) in enumerate(OLD_CASES):
        closed_on = today() - timedelta(days=days_overdue)
        closed_on = closed_on.replace(year=closed_on.year - years)
        opened_on = closed_on - timedelta(days=150)
        victim = create_person(
            PersonDetails(given_name=given, family_name=family, gender=Gender.FEMALE),
            by=by,
            role="victim",
        )
        case = case_services.open_case(by=by, victim=victim, opened_on=opened_on)
        if n == 0 and live is not None:
            perpetrator = live.person
        else:
            perpetrator = create_person(
                PersonDetails(given_name="Aldous", family_name=f"{family}-Reeve"),
                by=by,
                role="perpetrator",
            )
        case_services.add_perpetrator(
            case, by=by, person=perpetrator, relationship=Relationship.EX_PARTNER
        )
        record_incident(
            by=by,
            victim=victim,
            details=IncidentDetails(
                occurred_at=datetime.combine(opened_on, datetime.min.time(), tzinfo=UTC)
                - timedelta(days=3),
                types={IncidentType.PHYSICAL},
                perpetrator=perpetrator,
                narrative="Synthetic demo narrative from an old case.",
                police_attended=True,
            ),
        )
        case.status = CaseStatus.CLOSED
        case.closed_on = closed_on
        case.review_on = review_date(closed_on, years)
        db.session.commit()
        made += 1
    return made
