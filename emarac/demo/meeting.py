"""A demo MARAC: a meeting held today with four referred cases on its agenda.

Loaded after the demo cases so that ``make run`` shows a meeting to release,
research and run. It is dated today because people may join a meeting only on
its day (unless the area opens it earlier), and a demo is tried in one sitting.
Everything is synthetic and marked as demo data.
"""

from __future__ import annotations

from datetime import time

from sqlalchemy import select

from emarac.agencies.models import User
from emarac.cases.models import Case
from emarac.clock import today
from emarac.extensions import db
from emarac.meetings import services as meetings
from emarac.meetings.models import Meeting
from emarac.protocol import policy
from emarac.referrals import services as referrals
from emarac.referrals.models import Consent, Referral
from emarac.risk.rules import Criterion

CASES_ON_AGENDA = 4


def load() -> Meeting | None:
    """Create the demo meeting once; returns it (or None without a demo coordinator)."""
    coordinator = db.session.scalar(
        select(User)
        .where(User.is_demo.is_(True), User.email.like("coordinator.%"))
        .order_by(User.email)
    )
    if coordinator is None or not policy.may_create_meeting(coordinator):
        return None
    area_id = coordinator.agency.area_id
    existing = db.session.scalar(select(Meeting).where(Meeting.area_id == area_id))
    if existing is not None:
        return existing
    chair = db.session.scalar(
        select(User).where(User.is_demo.is_(True), User.email.like("chair.%"))
    )
    meeting = meetings.create_meeting(
        by=coordinator,
        held_on=today(),
        starts_at=time(10, 0),
        place="Committee Room 2, Demoshire Civic Centre (demo)",
        chair_id=chair.id if chair is not None else None,
    )
    referred = select(Referral.case_id)
    cases = db.session.scalars(
        select(Case)
        .where(Case.is_demo.is_(True), Case.area_id == area_id, Case.id.not_in(referred))
        .order_by(Case.reference)
        .limit(CASES_ON_AGENDA)
    ).all()
    for case in cases:
        referrer = (
            db.session.get(User, case.lead_practitioner_id) if case.lead_practitioner_id else None
        )
        if referrer is None:
            continue
        referral = referrals.refer_case(
            case,
            by=referrer,
            data=referrals.ReferralInput(
                criteria={Criterion.PROFESSIONAL_JUDGEMENT},
                consent=Consent.GIVEN,
                risks="Synthetic demo risks: escalating threats reported.",
                safety_measures="Synthetic demo measures: safety plan in place.",
                judgement_reason="Synthetic demo judgement.",
            ),
        )
        referrals.accept(referral, by=coordinator, meeting=meeting)
    meetings.build_agenda(meeting)
    db.session.commit()
    return meeting
