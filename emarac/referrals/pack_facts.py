"""The referral's part of an agenda case's research pack (plugged into ``meetings.pack``)."""

from __future__ import annotations

import uuid
from collections.abc import Collection

from sqlalchemy import select

from emarac.agencies.models import Agency
from emarac.extensions import db
from emarac.meetings.pack import ReferralFacts
from emarac.referrals.models import Referral
from emarac.risk import rules
from emarac.risk.models import AreaRiskSettings

CRITERION_LABELS = {
    rules.Criterion.VISIBLE_HIGH_RISK.value: "Visible high risk",
    rules.Criterion.PROFESSIONAL_JUDGEMENT.value: "Professional judgement",
    rules.Criterion.POTENTIAL_ESCALATION.value: "Potential escalation",
    rules.Criterion.REPEAT.value: "Repeat",
}


def referral_facts(referral_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, ReferralFacts]:
    """Agency, criteria, score and band of each referral; two queries however many.

    The band is the one the area's settings gave on the day of the referral.
    """
    rows = db.session.execute(
        select(
            Referral.id,
            Agency.name,
            Referral.criteria,
            Referral.yes_count,
            Referral.area_id,
            Referral.submitted_on,
        )
        .join(Agency, Agency.id == Referral.referring_agency_id)
        .where(Referral.id.in_(list(referral_ids)))
    ).all()
    # Every band change of the areas concerned, in one query: the band in force on a
    # referral's day is the latest change on or before it (else the national bands).
    changes: dict[uuid.UUID, list[AreaRiskSettings]] = {}
    for change in db.session.scalars(
        select(AreaRiskSettings)
        .where(AreaRiskSettings.area_id.in_({row[4] for row in rows}))
        .order_by(AreaRiskSettings.applies_from.desc(), AreaRiskSettings.created_at.desc())
    ):
        changes.setdefault(change.area_id, []).append(change)
    facts = {}
    for referral_id, agency, criteria, yes_count, area_id, submitted_on in rows:
        band = None
        if yes_count is not None:
            row = next(
                (c for c in changes.get(area_id, ()) if c.applies_from <= submitted_on), None
            )
            bands = (
                rules.DEFAULTS
                if row is None
                else rules.RiskSettings(medium_from=row.medium_from, high_from=row.high_from)
            )
            band = rules.risk_band(yes_count, bands).label
        facts[referral_id] = ReferralFacts(
            referring_agency=agency,
            criteria=tuple(CRITERION_LABELS.get(c, c) for c in criteria or ()),
            yes_count=yes_count,
            band=band,
        )
    return facts
