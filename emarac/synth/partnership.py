"""Areas, their partner agencies and staff, and the checklist assessments are made on.

Each area gets one agency of every kind a MARAC usually invites (two health
and two housing bodies), and a community safety partnership that employs the
coordinator, the chair and an analyst. Staff accounts are invitations only:
no password and no authenticator, so nobody can sign in as a synthetic user.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import Connection, select

from emarac.agencies.models import Agency, AgencyKind, Area, Role, User, UserRole
from emarac.risk.checklist_seed import SECTIONS
from emarac.risk.models import ChecklistQuestion, ChecklistVersion
from emarac.risk.services import DEFAULT_LABEL
from emarac.synth import vocabulary as words
from emarac.synth.context import Context

# (kind, name inside the area, roles of its staff, how many staff)
AGENCY_PLAN: tuple[tuple[AgencyKind, str, Role, int], ...] = (
    (AgencyKind.POLICE, "Police", Role.PRACTITIONER, 4),
    (AgencyKind.PROBATION, "Probation", Role.PRACTITIONER, 2),
    (AgencyKind.HEALTH, "Health Trust", Role.PRACTITIONER, 2),
    (AgencyKind.HEALTH, "GP Alliance", Role.PRACTITIONER, 1),
    (AgencyKind.CHILDRENS_SOCIAL_CARE, "Children's Services", Role.PRACTITIONER, 2),
    (AgencyKind.ADULT_SOCIAL_CARE, "Adult Social Care", Role.PRACTITIONER, 1),
    (AgencyKind.HOUSING, "Homes", Role.PRACTITIONER, 1),
    (AgencyKind.HOUSING, "Housing Association", Role.PRACTITIONER, 1),
    (AgencyKind.EDUCATION, "Schools", Role.PRACTITIONER, 1),
    (AgencyKind.IDVA_SERVICE, "IDVA Service", Role.IDVA, 3),
    (AgencyKind.REFUGE, "Refuge", Role.PRACTITIONER, 1),
    (AgencyKind.SPECIALIST_CHARITY, "Women's Aid", Role.PRACTITIONER, 1),
    (AgencyKind.VICTIM_SUPPORT, "Victim Support", Role.PRACTITIONER, 1),
    (AgencyKind.YOUTH_OFFENDING, "Youth Offending", Role.PRACTITIONER, 1),
    (AgencyKind.FIRE_AND_RESCUE, "Fire and Rescue", Role.PRACTITIONER, 1),
    (AgencyKind.OTHER, "Community Safety Partnership", Role.COORDINATOR, 1),
)
PARTNERSHIP_ROLES = (Role.CHAIR, Role.MANAGER)
CASES_PER_AREA = 1250  # about 600 hearings a year: a large but real MARAC
MAX_AREAS = 100
CASES_PER_10K_WOMEN = 47  # one recent national year (DOMAIN.md)
EXPECTED_HEARINGS_PER_CASE = 1.45


@dataclass
class AgencyInfo:
    id: uuid.UUID
    kind: AgencyKind
    users: list[uuid.UUID]


@dataclass
class AreaInfo:
    index: int
    id: uuid.UUID
    name: str
    agencies: list[AgencyInfo]
    weight: float
    coordinator: uuid.UUID = field(default=uuid.UUID(int=0))
    chair: uuid.UUID = field(default=uuid.UUID(int=0))
    perpetrators: list[uuid.UUID] = field(default_factory=list)
    _by_kind: dict[AgencyKind, list[AgencyInfo]] = field(default_factory=dict)

    def of_kind(self, kind: AgencyKind) -> list[AgencyInfo]:
        found = self._by_kind.get(kind)
        if found is None:
            found = self._by_kind[kind] = [a for a in self.agencies if a.kind == kind]
        return found

    def first(self, kind: AgencyKind) -> AgencyInfo:
        return self.of_kind(kind)[0]


@dataclass(frozen=True)
class Question:
    id: uuid.UUID
    section: str
    code: str
    factor: str | None = None


@dataclass(frozen=True)
class Checklist:
    version_id: uuid.UUID
    questions: list[Question]
    created: bool  # added by this run: its publication is audited like the service's


def area_count(cases: int) -> int:
    return max(1, min(MAX_AREAS, round(cases / CASES_PER_AREA)))


def area_name(seed: int, index: int) -> str:
    first = words.PLACES_FIRST[index % len(words.PLACES_FIRST)]
    second = words.PLACES_SECOND[(index // len(words.PLACES_FIRST)) % len(words.PLACES_SECOND)]
    return f"{first} {second.capitalize()} MARAC (synthetic, seed {seed}, area {index + 1})"


def build(ctx: Context, *, cases: int) -> list[AreaInfo]:
    """Rows for every area, agency, account and role; returns what cases need of them."""
    areas = []
    count = area_count(cases)
    weights = [ctx.rng.uniform(0.5, 1.5) for _ in range(count)]
    total = sum(weights)
    for index, weight in enumerate(weights):
        name = area_name(ctx.seed, index)
        expected_hearings_a_year = cases * weight / total * EXPECTED_HEARINGS_PER_CASE / 3
        area = AreaInfo(index=index, id=ctx.new_id(), name=name, agencies=[], weight=weight)
        ctx.batch.add(
            "area",
            {
                "id": area.id,
                "name": name,
                "adult_female_population": max(
                    1000, int(expected_hearings_a_year * 10_000 / CASES_PER_10K_WOMEN)
                ),
                "is_demo": True,
                "created_at": ctx.at(ctx.start - timedelta(days=60)),
            },
        )
        for kind, label, role, staff in AGENCY_PLAN:
            area.agencies.append(_agency(ctx, area, kind, label, role, staff))
        areas.append(area)
    return areas


def existing(conn: Connection, area_id: uuid.UUID) -> AreaInfo:
    """An area already in the database, with its agencies and their staff, to add history to.

    Every agency kind the cases draw on must be there (as in the demo
    partnership). An agency without staff has the coordinator stand in, as
    the partnership's own agency does in ``build``.
    """
    name = conn.scalar(select(Area.name).where(Area.id == area_id))
    if name is None:
        raise LookupError("no such area")
    area = AreaInfo(index=0, id=area_id, name=name, agencies=[], weight=1.0)
    staff = conn.execute(
        select(User.id, User.agency_id, UserRole.role)
        .join(UserRole, UserRole.user_id == User.id)
        .join(Agency, Agency.id == User.agency_id)
        .where(Agency.area_id == area_id)
        .order_by(User.email)
    ).all()
    for user_id, _, role in staff:
        if role == Role.COORDINATOR and area.coordinator == uuid.UUID(int=0):
            area.coordinator = user_id
        if role == Role.CHAIR and area.chair == uuid.UUID(int=0):
            area.chair = user_id
    workers = {Role.PRACTITIONER.value, Role.IDVA.value}
    for agency_id, kind in conn.execute(
        select(Agency.id, Agency.kind).where(Agency.area_id == area_id).order_by(Agency.name)
    ):
        users = sorted({u for u, a, r in staff if a == agency_id and r in workers})
        area.agencies.append(
            AgencyInfo(id=agency_id, kind=AgencyKind(kind), users=users or [area.coordinator])
        )
    return area


def _agency(
    ctx: Context, area: AreaInfo, kind: AgencyKind, label: str, role: Role, staff: int
) -> AgencyInfo:
    place = area.name.split(" MARAC")[0]
    agency = AgencyInfo(id=ctx.new_id(), kind=kind, users=[])
    signed = ctx.start - timedelta(days=ctx.rng.randint(30, 400))
    ctx.batch.add(
        "agency",
        {
            "id": agency.id,
            "name": f"{place} {label} (synthetic, seed {ctx.seed}, area {area.index + 1})",
            "kind": kind.value,
            "area_id": area.id,
            "isp_signed_on": signed,
            "suspended_at": None,
            "is_demo": True,
            "created_at": ctx.at(signed),
        },
    )
    roles = [role] * staff
    if role is Role.COORDINATOR:
        roles += list(PARTNERSHIP_ROLES)
    for number, user_role in enumerate(roles, start=1):
        user_id = ctx.new_id()
        slug = user_role.value.replace("_", "-")
        ctx.batch.add(
            "user_account",
            {
                "id": user_id,
                "email": (
                    f"{slug}.{_slug(label)}.{number}"
                    f".a{area.index + 1}.s{ctx.seed}@{words.EMAIL_DOMAIN}"
                ),
                "full_name": f"Synthetic {user_role.label} {number} ({label})",
                "agency_id": agency.id,
                "password_hash": None,  # nosec B105 - an invitation: no password yet
                "totp_secret_ct": None,  # nosec B105 - nor an authenticator
                "totp_confirmed_at": None,
                "totp_last_step": 0,
                "failed_login_count": 0,
                "locked_until": None,
                "session_version": 1,
                "suspended_at": None,
                "is_demo": True,
                "last_login_at": None,
                "created_at": ctx.at(signed),
            },
        )
        ctx.batch.add(
            "user_role", {"id": ctx.new_id(), "user_id": user_id, "role": user_role.value}
        )
        if user_role is Role.COORDINATOR:
            area.coordinator = user_id
        else:
            if user_role is Role.CHAIR:
                area.chair = user_id
            agency.users.append(user_id)
    if not agency.users:  # the partnership's chair and analyst stand in as its staff
        agency.users.append(area.coordinator)
    return agency


def _slug(text: str) -> str:
    return "-".join("".join(ch for ch in text.lower() if ch.isalnum() or ch == " ").split())


def current_checklist(conn: Connection, ctx: Context) -> Checklist:
    """The current checklist and its questions in order; the default is added if none is current.

    Assessments are made on the version in force, as the risk service would;
    when a database has none yet, the default is added from the seed.
    """
    version_id = conn.scalar(
        select(ChecklistVersion.id).where(ChecklistVersion.is_current.is_(True))
    )
    if version_id is not None:
        rows = conn.execute(
            select(
                ChecklistQuestion.id,
                ChecklistQuestion.section,
                ChecklistQuestion.code,
                ChecklistQuestion.factor,
            )
            .where(ChecklistQuestion.version_id == version_id)
            .order_by(ChecklistQuestion.position)
        ).all()
        questions = [Question(r.id, r.section, r.code, r.factor) for r in rows]
        return Checklist(version_id, questions, False)
    version_id = ctx.new_id()
    ctx.batch.add(
        "checklist_version",
        {
            "id": version_id,
            "label": DEFAULT_LABEL,
            "published_at": ctx.now,
            "is_current": True,
            "created_at": ctx.now,
        },
    )
    questions = []
    position = 0
    for section, (_, seeds) in SECTIONS.items():
        for seed_question in seeds:
            position += 1
            question = Question(ctx.new_id(), section, seed_question.code, seed_question.factor)
            questions.append(question)
            ctx.batch.add(
                "checklist_question",
                {
                    "id": question.id,
                    "version_id": version_id,
                    "section": section,
                    "code": seed_question.code,
                    "text": seed_question.text,
                    "position": position,
                    "factor": seed_question.factor,
                },
            )
    return Checklist(version_id, questions, True)
