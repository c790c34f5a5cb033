"""The page latency budget: p50 and p95 of each main page, through the Flask test client.

Each page is asked for by a user of the role that uses it (a practitioner works
cases, a coordinator runs the meeting and reads the trail, a manager reads the
indicators), signed in with password and security code like anyone else. The
ids are real ones that user may see; a meeting with 20 cases on its agenda is
found or made. Every answer must be a 200: a redirect or a 404 would mean the
wrong role or id, and timing it would say nothing.

Used by ``benchmarks/run.py`` (the demo partnership, in a fresh database) and
``benchmarks/scale.py`` (100,000 cases and 1,000,000 incidents). Ids, counts and
timings only are returned: no personal data.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import time as clock_time
from typing import Any

from sqlalchemy import func, select

PASSWORD = "bench-only-Pages-2026-synthetic"  # noqa: S105 - synthetic benchmark accounts
EMAIL = "bench.{role}@pages.synth.emarac.invalid"
AGENDA_CASES = 20
PLACE = "Benchmark meeting room (synthetic)"

# A page stops being asked for after this many seconds (warm-up included), once it
# has MIN_REQUESTS timings: a page taking ten seconds gives its figure in three,
# and make bench has ten minutes for everything.
PAGE_SECONDS = 30.0
MIN_REQUESTS = 3

# p95 budgets in milliseconds, (demo scale, full scale)
BUDGET_MS = {"demo": 250.0, "full": 500.0}
INDICATOR_BUDGET_MS = {"demo": 250.0, "full": 1000.0}


@dataclass(frozen=True)
class Page:
    name: str
    role: str
    path: str
    form: dict[str, str] | None = None  # sent by POST (the name search)

    @property
    def is_indicators(self) -> bool:
        return self.path.startswith("/indicators")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


# --- the users ---------------------------------------------------------------------


def _bench_user(role: Any, agency: Any) -> Any:
    """A synthetic account of ``role`` in ``agency`` with a fresh security-code secret."""
    from emarac.agencies import services as agency_services
    from emarac.agencies.models import User
    from emarac.auth import totp
    from emarac.clock import utcnow
    from emarac.extensions import db

    email = EMAIL.format(role=role.value.replace("_", "-"))
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        user = agency_services.create_user(
            email=email,
            full_name=f"Benchmark {role.label} (synthetic)",
            agency=agency,
            roles={role},
            password=PASSWORD,
            is_demo=True,
        )
    # A fresh secret each run: a code is accepted once only, even across runs.
    user.totp_secret = totp.new_secret()
    user.totp_last_step = 0
    user.totp_confirmed_at = utcnow()
    db.session.commit()
    return user


def _users() -> dict[str, Any]:
    """A practitioner, a coordinator, a chair and a manager of the busiest area."""
    from emarac.agencies.models import Agency, AgencyKind, Role
    from emarac.cases.models import Case
    from emarac.extensions import db

    # The agency owning the most cases: its practitioners see the longest lists.
    owner_id = db.session.scalar(
        select(Case.owning_agency_id)
        .group_by(Case.owning_agency_id)
        .order_by(func.count().desc())
        .limit(1)
    )
    owner = db.session.get(Agency, owner_id)
    if owner is None:
        raise RuntimeError("no cases to benchmark: load the demo or the synthetic data first")
    partnership = db.session.scalar(
        select(Agency)
        .where(Agency.area_id == owner.area_id, Agency.kind == AgencyKind.OTHER)
        .order_by(Agency.name)
        .limit(1)
    )
    if partnership is None:
        raise RuntimeError("the area has no partnership agency for its coordinator")
    return {
        "practitioner": _bench_user(Role.PRACTITIONER, owner),
        "coordinator": _bench_user(Role.COORDINATOR, partnership),
        "chair": _bench_user(Role.CHAIR, partnership),
        "manager": _bench_user(Role.MANAGER, partnership),
    }


# --- the meeting -------------------------------------------------------------------


def _meeting(coordinator: Any, chair: Any) -> Any:
    """A released meeting of the area, the nearest to 20 agenda cases: found, else made."""
    from emarac.extensions import db
    from emarac.meetings.models import AgendaItem, Meeting, MeetingStatus

    area_id = coordinator.agency.area_id
    size = func.count(AgendaItem.case_id)
    found = db.session.execute(
        select(Meeting.id, size)
        .join(AgendaItem, AgendaItem.meeting_id == Meeting.id)
        .where(
            Meeting.area_id == area_id,
            Meeting.status.in_([MeetingStatus.AGENDA_RELEASED, MeetingStatus.IN_SESSION]),
        )
        .group_by(Meeting.id)
        .having(size > 0)
        .order_by(func.abs(size - AGENDA_CASES), Meeting.id)
        .limit(1)
    ).first()
    if found is not None:
        return db.session.get(Meeting, found[0])
    return _make_meeting(coordinator, chair)


def _make_meeting(coordinator: Any, chair: Any) -> Any:
    """Refer 20 unreferred cases of the area, accept them onto a new meeting and release it."""
    from emarac.agencies.models import User
    from emarac.cases.models import Case, CaseStatus
    from emarac.clock import today
    from emarac.extensions import db
    from emarac.meetings import services as meetings
    from emarac.referrals import services as referrals
    from emarac.referrals.models import Consent, Referral
    from emarac.risk.rules import Criterion

    meeting = meetings.create_meeting(
        by=coordinator,
        held_on=today(),  # people may join a meeting only on its day
        starts_at=clock_time(10, 0),
        place=PLACE,
        chair_id=chair.id,
    )
    cases = db.session.scalars(
        select(Case)
        .where(
            Case.area_id == coordinator.agency.area_id,
            Case.status != CaseStatus.CLOSED,
            Case.lead_practitioner_id.is_not(None),
            Case.id.not_in(select(Referral.case_id)),
        )
        .order_by(Case.reference)
        .limit(AGENDA_CASES)
    ).all()
    if not cases:  # a tiny smoke run may have fewer than 20: the agenda takes what there is
        raise RuntimeError("no unreferred case for the benchmark meeting")
    for case in cases:
        referrer = db.session.get(User, case.lead_practitioner_id)
        referral = referrals.refer_case(
            case,
            by=referrer,
            data=referrals.ReferralInput(
                criteria={Criterion.PROFESSIONAL_JUDGEMENT, *referrals.criteria_for(case)},
                consent=Consent.GIVEN,
                risks="Synthetic benchmark risks.",
                safety_measures="Synthetic benchmark measures.",
                judgement_reason="Synthetic benchmark judgement.",
            ),
        )
        referrals.accept(referral, by=coordinator, meeting=meeting)
    meetings.release_agenda(meeting, by=coordinator)
    db.session.commit()
    return meeting


# --- the pages ---------------------------------------------------------------------


@dataclass(frozen=True)
class Setup:
    users: dict[str, tuple[str, str]]  # role -> (email, security-code secret)
    pages: list[Page]
    meeting_id: uuid.UUID
    agenda_cases: int


def prepare(app: Any) -> Setup:
    """Users, ids and the list of pages to time (inside the app, before any request)."""
    from emarac.cases.models import Case, CaseStatus
    from emarac.clock import today
    from emarac.extensions import db
    from emarac.incidents.models import Incident
    from emarac.indicators import report
    from emarac.indicators.views import period_choices
    from emarac.protocol import policy

    with app.app_context():
        users = _users()
        practitioner = users["practitioner"]
        meeting = _meeting(users["coordinator"], users["chair"])
        first_on_agenda = meeting.items[0].case_id
        # An open case of the practitioner's agency with a long story: most incidents.
        incidents = (
            select(Incident.victim_id, func.count().label("n"))
            .group_by(Incident.victim_id)
            .subquery()
        )
        case = db.session.scalar(
            select(Case)
            .join(incidents, incidents.c.victim_id == Case.victim_id)
            .where(
                Case.owning_agency_id == practitioner.agency_id,
                Case.status != CaseStatus.CLOSED,
                policy.case_filter(practitioner, emergency=False),
            )
            .order_by(incidents.c.n.desc(), Case.id)
            .limit(1)
        )
        if case is None:
            raise RuntimeError("the practitioner sees no case")
        family_name = case.victim.family_name or "Smith"
        now = today()
        quarter = report.default_period(now).code
        years = [code for code, label in period_choices(now) if label.startswith("Financial")]
        year = years[1]  # the last whole financial year
        pages = [
            Page("home", "practitioner", "/"),
            Page("case list", "coordinator", "/cases/"),
            Page("case page", "practitioner", f"/cases/{case.id}"),
            Page("timeline", "practitioner", f"/cases/{case.id}/timeline"),
            Page("risk checklist form", "practitioner", f"/cases/{case.id}/risk/new"),
            Page("new case", "practitioner", "/cases/new"),
            Page("name search", "practitioner", "/people/search", {"name": family_name}),
            # The agenda carries each case's research pack (names, ages, referral, score,
            # research outstanding): its cost must not grow with the number of cases.
            Page(
                f"agenda with pack ({len(meeting.items)} cases)",
                "coordinator",
                f"/meetings/{meeting.id}",
            ),
            Page("agenda printed with pack", "coordinator", f"/meetings/{meeting.id}/agenda/print"),
            Page("research due", "practitioner", "/meetings/research-due"),
            Page(
                "conference view",
                "coordinator",
                f"/meetings/{meeting.id}/cases/{first_on_agenda}/conference",
            ),
            Page("action tracker", "coordinator", "/actions/"),
            Page("indicators, a quarter", "manager", f"/indicators/?period={quarter}"),
            Page("indicators, a year", "manager", f"/indicators/?period={year}"),
            Page("audit trail", "coordinator", "/audit/"),
        ]
        setup = Setup(
            users={role: (u.email, u.totp_secret) for role, u in users.items()},
            pages=pages,
            meeting_id=meeting.id,
            agenda_cases=len(meeting.items),
        )
        db.session.remove()
    return setup


def _sign_in(app: Any, email: str, secret: str) -> Any:
    from emarac.auth import totp

    client = app.test_client()
    response = client.post("/sign-in", data={"email": email, "password": PASSWORD})
    if response.status_code != 302:
        raise RuntimeError(f"sign-in failed with {response.status_code}")
    response = client.post("/sign-in/security-code", data={"code": totp.code_for_now(secret)})
    if response.status_code != 302:
        raise RuntimeError(f"security code refused with {response.status_code}")
    return client


def _fetch(client: Any, page: Page) -> Any:
    if page.form is not None:
        return client.post(page.path, data=page.form)
    return client.get(page.path)


def bench_pages(app: Any, *, scale: str, requests: int = 30, warm: int = 2) -> dict[str, Any]:
    """Time every page ``requests`` times after ``warm`` untimed requests; p50, p95, budget.

    A slow page is timed fewer times (``PAGE_SECONDS``, ``MIN_REQUESTS``); each row
    says how many requests it was timed on.
    """
    setup = prepare(app)
    clients = {role: _sign_in(app, *who) for role, who in setup.users.items()}
    # The conference view is shown only after the confidentiality statement is accepted.
    clients["coordinator"].post(f"/meetings/{setup.meeting_id}/attend", data={})
    rows: dict[str, Any] = {}
    for page in setup.pages:
        client = clients[page.role]
        deadline = time.perf_counter() + PAGE_SECONDS
        for _ in range(warm):
            _fetch(client, page)
        times: list[float] = []
        while len(times) < requests and (
            len(times) < MIN_REQUESTS or time.perf_counter() < deadline
        ):
            start = time.perf_counter()
            response = _fetch(client, page)
            times.append(time.perf_counter() - start)
            if response.status_code != 200:
                raise RuntimeError(f"{page.name} answered {response.status_code}")
        budget = (INDICATOR_BUDGET_MS if page.is_indicators else BUDGET_MS)[scale]
        p95 = percentile(times, 0.95) * 1e3
        rows[page.name] = {
            "role": page.role,
            "requests": len(times),
            "p50_ms": percentile(times, 0.5) * 1e3,
            "p95_ms": p95,
            "budget_p95_ms": budget,
            "ratio": p95 / budget,
            "within_budget": p95 <= budget,
        }
    return {"scale": scale, "agenda_cases": setup.agenda_cases, "pages": rows}


def table(result: dict[str, Any]) -> Any:
    from rich.table import Table

    out = Table(title=f"Page latency budget ({result['scale']} scale)")
    for column in ("page", "role", "requests", "p50 ms", "p95 ms", "budget ms", "ratio", ""):
        out.add_column(column, justify="left" if column in ("page", "role") else "right")
    for name, row in result["pages"].items():
        out.add_row(
            name,
            row["role"],
            str(row["requests"]),
            f"{row['p50_ms']:.1f}",
            f"{row['p95_ms']:.1f}",
            f"{row['budget_p95_ms']:.0f}",
            f"{row['ratio']:.2f}",
            "ok" if row["within_budget"] else "OVER",
        )
    return out


def demo_database(url: str) -> Any:
    """The app on an empty database at ``url``: migrated, set up and given the demo, as
    ``flask db upgrade``, ``flask emarac setup`` and ``flask emarac demo`` would."""
    from flask_migrate import upgrade

    from benchmarks.scale import ROOT, bench_app
    from emarac import demo
    from emarac.extensions import db
    from emarac.schema import set_up_data

    app = bench_app(url)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        set_up_data()
        demo.load()
        db.session.remove()
    return app


def bench_demo(url: str, *, requests: int = 30) -> dict[str, Any]:
    """The page budget on the demo partnership in the (fresh) database at ``url``."""
    app = demo_database(url)
    try:
        return bench_pages(app, scale="demo", requests=requests)
    finally:
        with app.app_context():
            from emarac.extensions import db

            db.engine.dispose()
