"""Recording incidents, for a person known to the recording agency."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from emarac.agencies.models import User
from emarac.auditing import record_event
from emarac.extensions import db
from emarac.incidents.models import Incident, IncidentType
from emarac.people.models import Person
from emarac.protocol import policy
from emarac.protocol.policy import NotAllowed


@dataclass
class IncidentDetails:
    occurred_at: datetime
    types: set[IncidentType] = field(default_factory=set)
    perpetrator: Person | None = None
    agency_reference: str | None = None
    location: str | None = None
    injuries: str | None = None
    narrative: str | None = None
    injured: bool = False
    weapon_used: bool = False
    children_present: bool = False
    alcohol_or_drugs: bool = False
    police_attended: bool = False


ENCRYPTED = ("agency_reference", "location", "injuries", "narrative")
PLAIN = ("injured", "weapon_used", "children_present", "alcohol_or_drugs", "police_attended")


def record_incident(*, by: User, victim: Person, details: IncidentDetails) -> Incident:
    """Any agency user may record an incident for a person known to them; commits."""
    if not policy.may_record_incident(by, victim):
        raise NotAllowed
    incident = Incident(
        victim_id=victim.id,
        perpetrator_id=details.perpetrator.id if details.perpetrator else None,
        occurred_at=details.occurred_at,
        reporting_agency_id=by.agency_id,
        recorded_by_id=by.id,
        is_demo=by.is_demo,
    )
    for name in (*ENCRYPTED, *PLAIN):
        setattr(incident, name, getattr(details, name))
    incident.set_types(details.types)
    db.session.add(incident)
    db.session.flush()
    touched = [n for n in (*ENCRYPTED, *PLAIN) if getattr(details, n)]
    record_event(
        "incident.create",
        object_type="incident",
        object_id=incident.id,
        fields=("occurred_at", "types", *touched),
    )
    for hook in AFTER_RECORD:
        hook(incident, by)
    db.session.commit()
    return incident


# The referral feature adds repeat detection here (a hook, so incidents need not know it).
AFTER_RECORD: list[Callable[[Incident, User], None]] = []
