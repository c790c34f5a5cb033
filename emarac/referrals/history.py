"""The victim's referrals and incidents, as the repeat rule of ``risk.rules`` reads them."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from emarac.cases.models import Case, CasePerpetrator
from emarac.clock import as_utc
from emarac.extensions import db
from emarac.incidents.models import Incident
from emarac.referrals.models import Referral, ReferralStatus
from emarac.risk import rules


def victim_referrals(
    victim_id: uuid.UUID, *, leave_out: uuid.UUID | None = None
) -> list[tuple[Referral, rules.PastReferral]]:
    """Every referral of the victim (any case, any status) with what the repeat rule reads."""
    found = db.session.execute(
        select(Referral, Case.id)
        .join(Case, Case.id == Referral.case_id)
        .where(Case.victim_id == victim_id)
        .order_by(Referral.submitted_on, Referral.created_at)
    ).all()
    case_ids = {case_id for _, case_id in found}
    named: dict[uuid.UUID, set[uuid.UUID]] = {case_id: set() for case_id in case_ids}
    for case_id, person_id in db.session.execute(
        select(CasePerpetrator.case_id, CasePerpetrator.person_id).where(
            CasePerpetrator.case_id.in_(case_ids)
        )
    ):
        named[case_id].add(person_id)
    return [
        (
            referral,
            rules.PastReferral(
                on=referral.submitted_on,
                accepted=referral.status == ReferralStatus.ACCEPTED,
                perpetrators=frozenset(named[case_id]),
            ),
        )
        for referral, case_id in found
        if referral.id != leave_out
    ]


def abuse_of(incident: Incident) -> rules.Abuse:
    """An incident as the repeat rule reads it: its date in UTC, as the indicators count it."""
    return rules.Abuse(
        as_utc(incident.occurred_at).date(),
        incident.perpetrator_id,
        police_attended=incident.police_attended,
    )


def victim_abuse(victim_id: uuid.UUID) -> list[rules.Abuse]:
    return [
        abuse_of(incident)
        for incident in db.session.scalars(select(Incident).where(Incident.victim_id == victim_id))
    ]
