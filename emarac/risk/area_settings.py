"""Each area's referral thresholds (and how early its meetings open), kept as dated rows.

The rules of ``risk.rules`` take a ``RiskSettings``; ``in_force`` builds the one
an area had on a given day. The criteria, repeat detection and the checklist
band all ask for the day of the thing they judge (the referral, the incident,
the checklist), so a case judged last month keeps last month's thresholds.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, fields
from datetime import date

from sqlalchemy import select

from emarac.agencies.models import Area, User
from emarac.auditing import record_event
from emarac.clock import today
from emarac.extensions import db
from emarac.protocol import policy
from emarac.protocol.policy import NotAllowed
from emarac.risk import return_sources, rules
from emarac.risk.models import AreaReferralSource, AreaRiskSettings

# The outer limits an area may choose; beyond them a setting is a typing slip.
LIMITS: dict[str, tuple[int, int]] = {
    "medium_from": (1, 49),
    "high_from": (2, 50),
    "escalation_incidents": (1, 20),
    "repeat_months": (1, 36),
    "join_days_before": (0, 14),
}


@dataclass(frozen=True)
class SettingsInput:
    medium_from: int
    high_from: int
    escalation_incidents: int
    escalation_police_only: bool
    repeat_months: int
    join_days_before: int = 0  # meetings: 0 is on the day only


class Invalid(ValueError):
    """A setting out of bounds; ``field`` names the form field it belongs to."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _row_in_force(area_id: uuid.UUID, on: date) -> AreaRiskSettings | None:
    return db.session.scalar(
        select(AreaRiskSettings)
        .where(AreaRiskSettings.area_id == area_id, AreaRiskSettings.applies_from <= on)
        .order_by(AreaRiskSettings.applies_from.desc(), AreaRiskSettings.created_at.desc())
        .limit(1)
    )


def _as_rules(row: AreaRiskSettings | None) -> rules.RiskSettings:
    if row is None:
        return rules.DEFAULTS
    return rules.RiskSettings(
        medium_from=row.medium_from,
        high_from=row.high_from,
        escalation_incidents=row.escalation_incidents,
        escalation_police_only=row.escalation_police_only,
        repeat_months=row.repeat_months,
    )


def in_force(area_id: uuid.UUID, on: date) -> rules.RiskSettings:
    """The thresholds the area used on ``on`` (the national defaults before any change)."""
    return _as_rules(_row_in_force(area_id, on))


def check(data: SettingsInput) -> None:
    """Raise ``Invalid`` for the first setting out of bounds (the form checks the same)."""
    for name, (low, high) in LIMITS.items():
        value = getattr(data, name)
        if not low <= value <= high:
            raise Invalid(name, f"Enter a whole number from {low} to {high}")
    if data.medium_from >= data.high_from:
        raise Invalid("medium_from", "Medium risk must start below high risk")


@dataclass(frozen=True)
class AreaRules:
    area: Area
    current: SettingsInput
    changes: list[AreaRiskSettings]
    sources: dict[str, str]  # agency kind -> the data return's referral-source category


def _area(actor: User, area_id: uuid.UUID) -> Area:
    area = db.session.get(Area, area_id)
    if area is None or not policy.may_set_area_rules(actor, area_id):
        raise NotAllowed("area", area_id)
    return area


def area_rules(actor: User, area_id: uuid.UUID) -> AreaRules:
    """The area, the settings in force today and every change, newest first."""
    area = _area(actor, area_id)
    current = _values(_row_in_force(area_id, today()))
    changes = list(
        db.session.scalars(
            select(AreaRiskSettings)
            .where(AreaRiskSettings.area_id == area_id)
            .order_by(AreaRiskSettings.applies_from.desc(), AreaRiskSettings.created_at.desc())
        )
    )
    return AreaRules(area=area, current=current, changes=changes, sources=sources_of(area_id))


def _values(row: AreaRiskSettings | None) -> SettingsInput:
    """What the settings page shows: the risk thresholds and the meetings' join window."""
    thresholds = _as_rules(row)
    values = {
        f.name: getattr(thresholds, f.name)
        for f in fields(SettingsInput)
        if f.name != "join_days_before"
    }
    return SettingsInput(**values, join_days_before=row.join_days_before if row else 0)


def change(actor: User, area_id: uuid.UUID, data: SettingsInput) -> AreaRiskSettings:
    """Record new thresholds for the area, in force from today; audited; commits."""
    _area(actor, area_id)
    check(data)
    before = _values(_row_in_force(area_id, today()))
    row = AreaRiskSettings(
        area_id=area_id, applies_from=today(), set_by_id=actor.id, **asdict(data)
    )
    db.session.add(row)
    db.session.flush()
    changed = sorted(name for name, value in asdict(data).items() if getattr(before, name) != value)
    record_event(
        "area.risk_settings",
        object_type="area",
        object_id=area_id,
        fields=changed,
    )
    db.session.commit()
    return row


def sources_of(area_id: uuid.UUID) -> dict[str, str]:
    """Each agency kind's referral-source category in the area's data return."""
    mapping = dict(return_sources.DEFAULT_SOURCE)
    for row in db.session.scalars(
        select(AreaReferralSource).where(AreaReferralSource.area_id == area_id)
    ):
        mapping[row.agency_kind] = row.source
    return mapping


def change_sources(actor: User, area_id: uuid.UUID, sources: dict[str, str]) -> list[str]:
    """Set the area's referral-source categories; audited (the kinds changed); commits.

    Returns the agency kinds whose category changed.
    """
    _area(actor, area_id)
    for kind, source in sources.items():
        if kind not in return_sources.DEFAULT_SOURCE:
            raise Invalid(f"kind_{kind}", "Choose a kind of agency from the list")
        if source not in return_sources.SOURCE_CODES:
            raise Invalid(f"kind_{kind}", "Choose a referral source from the list")
    before = sources_of(area_id)
    rows = {
        row.agency_kind: row
        for row in db.session.scalars(
            select(AreaReferralSource).where(AreaReferralSource.area_id == area_id)
        )
    }
    changed = sorted(kind for kind, source in sources.items() if before[kind] != source)
    for kind in changed:
        row = rows.get(kind)
        if row is None:
            row = AreaReferralSource(area_id=area_id, agency_kind=kind, source=sources[kind])
            db.session.add(row)
        row.source = sources[kind]
        row.set_by_id = actor.id
    if changed:
        record_event(
            "area.return_sources",
            object_type="area",
            object_id=area_id,
            fields=changed,
        )
    db.session.commit()
    return changed
