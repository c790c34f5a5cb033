"""About fifty synthetic cases for the demo partnership.

Names come from two short lists of made-up words so nobody real is described;
every record is marked ``is_demo``. Deterministic: the same seed, the same data.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from emarac.agencies.models import User
from emarac.cases import services as case_services
from emarac.cases.models import Case, Relationship
from emarac.clock import today
from emarac.extensions import db
from emarac.incidents.models import IncidentType
from emarac.incidents.services import IncidentDetails, record_incident
from emarac.people.models import EthnicGroup, Gender, YesNoUnknown
from emarac.people.services import PersonDetails, create_person
from emarac.protocol import policy

CASES = 50
GIVEN = [
    "Amberly",
    "Brisa",
    "Caelin",
    "Dovey",
    "Elowen",
    "Fennick",
    "Galya",
    "Hesper",
    "Ilsabet",
    "Jorunn",
    "Kestra",
    "Liora",
    "Maelis",
    "Nerys",
    "Orla",
    "Perrin",
    "Quilla",
    "Rosamel",
    "Sabeline",
    "Tamsin",
]
# Made-up surnames, each marked so that no demo record can pass for a real person.
FAMILY = [
    f"{stem}-Demo"
    for stem in (
        "Ashgrove",
        "Brackenby",
        "Cindervale",
        "Dunmarrow",
        "Elderwick",
        "Fallowmere",
        "Gorsefield",
        "Harrowgate",
        "Ivybridge",
        "Juniperlee",
        "Kestrelton",
        "Larkspire",
        "Moorcroft",
        "Nettlebed",
        "Oakhurst",
        "Pebbleton",
        "Quarrington",
        "Rookmoor",
        "Saltmarsh",
        "Thornbury",
    )
]
PERP_GIVEN = ["Bram", "Corvin", "Dacre", "Edric", "Fenwick", "Garrick", "Hollis", "Ivor"]
SCHOOLS = ["Demoshire Primary (demo)", "Fallowmere Infants (demo)", "Larkspire Academy (demo)"]


def load(seed: int = 20261123) -> int:
    """Create the demo cases once; returns how many exist."""
    existing = db.session.scalar(select(func.count()).select_from(Case).where(Case.is_demo))
    if existing:
        return int(existing or 0)
    rng = random.Random(seed)  # noqa: S311  # nosec B311 - synthetic data, not security
    practitioners = db.session.scalars(
        select(User).where(User.is_demo.is_(True)).order_by(User.email)
    ).all()
    workers = [u for u in practitioners if policy.works_cases_in_agency(u)]
    for i in range(CASES):
        by = workers[i % len(workers)]
        born = today() - timedelta(days=rng.randint(17 * 365, 70 * 365))
        victim = create_person(
            PersonDetails(
                given_name=GIVEN[i % len(GIVEN)],
                family_name=FAMILY[(i * 7) % len(FAMILY)],
                date_of_birth=born,
                gender=Gender.MALE if rng.random() < 0.05 else Gender.FEMALE,
                ethnic_group=rng.choice(list(EthnicGroup)),
                disability=rng.choice([YesNoUnknown.YES, YesNoUnknown.NO, YesNoUnknown.NOT_KNOWN]),
                current_address=f"{rng.randint(1, 99)} Synthetic Street, Demoshire",
                postcode=f"ZZ{rng.randint(1, 9)} {rng.randint(1, 9)}QQ",
                phone=f"07700 900{rng.randint(100, 999)}",
                safe_phone=f"07700 900{rng.randint(100, 999)}" if rng.random() < 0.6 else None,
                safe_times="Weekday mornings" if rng.random() < 0.5 else None,
                restricted_address=rng.random() < 0.15,
            ),
            by=by,
            role="victim",
        )
        case = case_services.open_case(
            by=by, victim=victim, opened_on=today() - timedelta(days=rng.randint(0, 400))
        )
        perp = create_person(
            PersonDetails(
                given_name=rng.choice(PERP_GIVEN),
                family_name=FAMILY[(i * 3 + 5) % len(FAMILY)],
                gender=Gender.MALE,
            ),
            by=by,
            role="perpetrator",
        )
        case_services.add_perpetrator(
            case, by=by, person=perp, relationship=rng.choice(list(Relationship))
        )
        for _ in range(rng.choice([0, 0, 1, 2, 3])):
            child = create_person(
                PersonDetails(
                    given_name=rng.choice(GIVEN),
                    family_name=victim.family_name,
                    date_of_birth=today() - timedelta(days=rng.randint(200, 15 * 365)),
                ),
                by=by,
                role="child",
            )
            case_services.add_child(
                case, by=by, person=child, school=rng.choice(SCHOOLS), lives_in_household=True
            )
        for _ in range(rng.randint(1, 4)):
            when = datetime.combine(case.opened_on, datetime.min.time(), tzinfo=UTC) - timedelta(
                days=rng.randint(0, 300), hours=rng.randint(0, 23)
            )
            record_incident(
                by=by,
                victim=victim,
                details=IncidentDetails(
                    occurred_at=when,
                    types=set(rng.sample(list(IncidentType), rng.randint(1, 3))),
                    perpetrator=perp,
                    narrative="Synthetic demo narrative: no real event is described.",
                    injured=rng.random() < 0.4,
                    weapon_used=rng.random() < 0.15,
                    children_present=rng.random() < 0.3,
                    alcohol_or_drugs=rng.random() < 0.35,
                    police_attended=rng.random() < 0.6,
                ),
            )
    return CASES
