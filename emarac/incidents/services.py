"""Recording incidents, for a person known to the recording agency."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select

from emarac.agencies.models import User
from emarac.auditing import record_event
from emarac.crypto.fields import index_candidates
from emarac.extensions import db
from emarac.hooks import Hook
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
    incident = store_incident(by=by, victim=victim, details=details)
    db.session.commit()
    return incident


def store_incident(*, by: User, victim: Person, details: IncidentDetails) -> Incident:
    """Add an incident attributed to ``by``'s agency, audited, and run ``after_record``.

    The caller has asked the policy and commits: ``record_incident`` for people
    the user may see, or the further incident reported from a hint.
    """
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
    for hook in after_record.items():
        hook(incident, by)
    return incident


after_record: Hook[Callable[[Incident, User], None]] = Hook("incidents.after_record")
"""Each runs after an incident is recorded, before the commit (referrals flag repeats)."""


# --- what incidents add to people's search and merging (plugged in by create_app) ---

PERSON_LINKS: tuple[tuple[Any, str], ...] = ((Incident, "victim_id"), (Incident, "perpetrator_id"))
"""The incident columns that point at a person: merging people moves them."""


def victims_with_reference(reference: str) -> Select[tuple[Any]]:
    """Victims of incidents with this agency reference (compared through its blind index)."""
    return select(Incident.victim_id).where(
        Incident.agency_reference_bidx.in_(
            index_candidates(Incident, "agency_reference_bidx", reference)
        )
    )
