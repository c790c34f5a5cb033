"""A synthetic partnership for trying eMARAC. Every name here is obviously fake."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select

from emarac.agencies import services as agency_services
from emarac.agencies.models import Agency, AgencyKind, Area, Role, User
from emarac.auth import totp
from emarac.clock import utcnow
from emarac.config import current_settings
from emarac.demo import cases as demo_cases
from emarac.demo import history as demo_history
from emarac.demo import meeting as demo_meeting
from emarac.demo import retention as demo_retention
from emarac.extensions import db
from emarac.schema import ensure_data_key

DEMO_AREA = "Demoshire MARAC"
DEMO_PASSWORD = "demo-only-Partnership-2026"  # noqa: S105  # nosec B105 - published demo password
DEMO_DOMAIN = "demo.emarac.invalid"
DEMO_POPULATION = 210_000

# (agency name, kind, roles of the users it gets)
DEMO_AGENCIES: list[tuple[str, AgencyKind, list[Role]]] = [
    ("Demoshire Police (demo)", AgencyKind.POLICE, [Role.PRACTITIONER, Role.AGENCY_ADMIN]),
    ("Demoshire Probation (demo)", AgencyKind.PROBATION, [Role.PRACTITIONER]),
    ("Demoshire Health Trust (demo)", AgencyKind.HEALTH, [Role.PRACTITIONER]),
    ("Demoshire Children's Services (demo)", AgencyKind.CHILDRENS_SOCIAL_CARE, [Role.PRACTITIONER]),
    ("Demoshire Adult Social Care (demo)", AgencyKind.ADULT_SOCIAL_CARE, [Role.PRACTITIONER]),
    ("Demoshire Homes (demo)", AgencyKind.HOUSING, [Role.PRACTITIONER]),
    ("Demoshire Schools (demo)", AgencyKind.EDUCATION, [Role.PRACTITIONER]),
    ("Demoshire IDVA Service (demo)", AgencyKind.IDVA_SERVICE, [Role.IDVA]),
    ("Demoshire Refuge (demo)", AgencyKind.REFUGE, [Role.PRACTITIONER]),
    ("Demoshire Women's Aid (demo)", AgencyKind.SPECIALIST_CHARITY, [Role.PRACTITIONER]),
    ("Demoshire Victim Support (demo)", AgencyKind.VICTIM_SUPPORT, [Role.PRACTITIONER]),
    ("Demoshire Youth Offending (demo)", AgencyKind.YOUTH_OFFENDING, [Role.PRACTITIONER]),
    ("Demoshire Fire and Rescue (demo)", AgencyKind.FIRE_AND_RESCUE, [Role.PRACTITIONER]),
    (
        "Demoshire Community Safety Partnership (demo)",
        AgencyKind.OTHER,
        [Role.COORDINATOR, Role.CHAIR, Role.MANAGER, Role.DPO, Role.SYSTEM_ADMIN],
    ),
]


class RefusedError(RuntimeError):
    """Demo data must never mix with real data or reach production."""


@dataclass(frozen=True)
class Login:
    email: str
    role: str
    agency: str
    totp_secret: str


def _slug(text: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in text.lower()).strip("-").replace("--", "-")


def _has_real_data() -> bool:
    real_agencies = db.session.scalar(
        select(func.count()).select_from(Agency).where(Agency.is_demo.is_(False))
    )
    real_users = db.session.scalar(
        select(func.count()).select_from(User).where(User.is_demo.is_(False))
    )
    return bool(real_agencies or real_users)


def load(*, history: bool = True) -> list[Login]:
    """Create the demo partnership if absent; return every demo login either way.

    ``history`` adds two years of synthetic MARAC history to the demo area
    (``demo.history``), so the indicators show numbers.
    """
    if current_settings().is_production:
        raise RefusedError("Refused: demo data is never loaded in production mode")
    if _has_real_data():
        raise RefusedError("Refused: this database holds real (non-demo) agencies or users")
    ensure_data_key()
    for name, kind, roles in DEMO_AGENCIES:
        agency = db.session.scalar(select(Agency).where(Agency.name == name))
        if agency is None:
            agency = agency_services.create_agency(
                name=name,
                kind=kind,
                area_id=agency_services.get_or_create_area(DEMO_AREA, is_demo=True).id,
                signed_on=date(2026, 4, 1),
                is_demo=True,
            )
        for role in roles:
            email = (
                f"{role.value.replace('_', '-')}.{_slug(name.replace('(demo)', ''))}@{DEMO_DOMAIN}"
            )
            if db.session.scalar(select(User.id).where(User.email == email)) is not None:
                continue
            user = agency_services.create_user(
                email=email,
                full_name=f"Demo {role.label} ({name.replace(' (demo)', '')})",
                agency=agency,
                roles={role},
                password=DEMO_PASSWORD,
                is_demo=True,
            )
            user.totp_secret = totp.new_secret()
            user.totp_confirmed_at = utcnow()
            db.session.commit()
    area = db.session.scalar(select(Area).where(Area.name == DEMO_AREA))
    if area is not None and area.adult_female_population is None:
        area.adult_female_population = DEMO_POPULATION  # made up, of a plausible size
        db.session.commit()
    demo_cases.load()
    demo_meeting.load()
    demo_retention.load()
    if history:
        demo_history.load(DEMO_AREA)
    return logins()


def logins() -> list[Login]:
    users = db.session.scalars(
        select(User).where(User.is_demo.is_(True)).order_by(User.email)
    ).all()
    return [
        Login(
            email=u.email,
            role=", ".join(u.role_labels),
            agency=u.agency.name,
            totp_secret=u.totp_secret or "",
        )
        for u in users
    ]


def print_logins(rows: list[Login]) -> None:
    console = Console(width=200)  # wide enough that no email or secret is cut
    table = Table(title=f"Demo logins (password for all: {DEMO_PASSWORD})")
    table.add_column("Email")
    table.add_column("Role")
    table.add_column("Agency")
    table.add_column("TOTP secret")
    for row in rows:
        table.add_row(row.email, row.role, row.agency, row.totp_secret)
    console.print(table)
    console.print("Current code for any demo account: flask emarac demo-code EMAIL")
