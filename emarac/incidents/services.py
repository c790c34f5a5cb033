"""Recording incidents, for a person known to the recording agency."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from emarac.agencies.models import User
from emarac.auditing import record_event
from emarac.clock import as_utc, utcnow
from emarac.crypto.fields import index_candidates
from emarac.extensions import db
from emarac.hooks import Hook
from emarac.incidents.models import Incident, IncidentType, IncidentTypeRow, IncidentVersion
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


# --- reading an incident back, and correcting it as a new version ---

CORRECTABLE = ("occurred_at", "types", "perpetrator_id", *ENCRYPTED, *PLAIN)
"""Every field a correction may change, in the order the incident page shows them."""


class NothingChanged(ValueError):
    """A correction that changes no field: there is no new version to keep."""


def get_incident(
    actor: User, incident_id: uuid.UUID, *, victim_id: uuid.UUID, to_correct: bool = False
) -> Incident:
    """The incident of this victim if ``actor`` may read it (or, ``to_correct``, correct
    it); otherwise NotAllowed (a 404, and audited)."""
    incident = db.session.scalar(
        select(Incident)
        .where(Incident.id == incident_id, Incident.victim_id == victim_id)
        .options(
            selectinload(Incident.reporting_agency),
            selectinload(Incident.recorded_by),
            selectinload(Incident.perpetrator),
        )
    )
    may = policy.may_correct_incident if to_correct else policy.may_view_incident
    if incident is None or not may(actor, incident):
        raise NotAllowed("incident", incident_id)
    return incident


def record_view(incident: Incident, *, shown: tuple[str, ...]) -> None:
    """Record that the signed-in user read the incident (field names only); commits."""
    record_event("incident.view", object_type="incident", object_id=incident.id, fields=shown)
    db.session.commit()


def versions_of(incident: Incident) -> list[IncidentVersion]:
    """The incident's earlier versions, newest first (the current one is the incident)."""
    return list(
        db.session.scalars(
            select(IncidentVersion)
            .where(IncidentVersion.incident_id == incident.id)
            .options(
                selectinload(IncidentVersion.recorded_by),
                selectinload(IncidentVersion.corrected_by),
            )
            .order_by(IncidentVersion.number.desc())
        )
    )


def details_of(incident: Incident) -> IncidentDetails:
    """What the incident says now, as the correction form starts from it."""
    return IncidentDetails(
        occurred_at=incident.occurred_at,
        types=set(incident.types),
        perpetrator=incident.perpetrator,
        **{name: getattr(incident, name) for name in (*ENCRYPTED, *PLAIN)},
    )


def _values(details: IncidentDetails) -> dict[str, object]:
    values: dict[str, object] = {
        "occurred_at": as_utc(details.occurred_at),
        "types": sorted(details.types),
        "perpetrator_id": details.perpetrator.id if details.perpetrator else None,
    }
    for name in ENCRYPTED:
        values[name] = getattr(details, name) or None
    for name in PLAIN:
        values[name] = bool(getattr(details, name))
    return values


def changed_fields(before: IncidentDetails, after: IncidentDetails) -> list[str]:
    """Names of the fields that differ, in the order of ``CORRECTABLE``."""
    old, new = _values(before), _values(after)
    return [name for name in CORRECTABLE if old[name] != new[name]]


def correct_incident(
    incident: Incident, *, by: User, details: IncidentDetails, reason: str
) -> IncidentVersion:
    """Correct an incident: keep what it said as a numbered earlier version, then change it.

    The correction needs a reason and must change something. The ledger records
    ``incident.correct`` with the names of the fields changed, never their values.
    Commits once.
    """
    if not policy.may_correct_incident(by, incident):
        raise NotAllowed("incident", incident.id, purpose="correction refused")
    if not reason.strip():
        raise ValueError("Enter why the incident is being corrected")
    changed = changed_fields(details_of(incident), details)
    if not changed:
        raise NothingChanged(
            "You have not changed any answer: change one, or go back to the incident"
        )
    earlier = versions_of(incident)
    # Who wrote the version being replaced: the last correction, or the first recording.
    recorded_by_id: uuid.UUID | None = incident.recorded_by_id
    recorded_at = incident.created_at
    if earlier:
        recorded_by_id, recorded_at = earlier[0].corrected_by_id, earlier[0].corrected_at
    kept = IncidentVersion(
        incident_id=incident.id,
        number=len(earlier) + 1,
        occurred_at=incident.occurred_at,
        types=[t.value for t in incident.types],
        perpetrator_id=incident.perpetrator_id,
        recorded_by_id=recorded_by_id,
        recorded_at=recorded_at,
        corrected_by_id=by.id,
        corrected_at=utcnow(),
        changed_fields=changed,
    )
    for name in (*ENCRYPTED, *PLAIN):
        setattr(kept, name, getattr(incident, name))
    kept.reason = reason
    db.session.add(kept)
    incident.occurred_at = details.occurred_at
    incident.perpetrator_id = details.perpetrator.id if details.perpetrator else None
    if "types" in changed:
        _retype(incident, details.types)
    for name in (*ENCRYPTED, *PLAIN):
        setattr(incident, name, getattr(details, name) or (None if name in ENCRYPTED else False))
    db.session.flush()
    record_event(
        "incident.correct",
        object_type="incident",
        object_id=incident.id,
        fields=(*changed, "reason"),
        purpose=f"version {kept.number + 1}",
    )
    db.session.commit()
    return kept


def _retype(incident: Incident, types: set[IncidentType]) -> None:
    """Remove the types no longer given and add the new ones (a kept type keeps its row,
    so the unique (incident, type) pair is never inserted twice in one flush)."""
    wanted = {t.value for t in types}
    for row in list(incident.type_rows):
        if row.type not in wanted:
            incident.type_rows.remove(row)
    held = {row.type for row in incident.type_rows}
    incident.type_rows.extend(IncidentTypeRow(type=t) for t in sorted(wanted - held))


after_record: Hook[Callable[[Incident, User], None]] = Hook("incidents.after_record")
"""Each runs after an incident is recorded, before the commit (referrals flag repeats)."""


# --- what incidents add to people's search and merging (plugged in by create_app) ---

PERSON_LINKS: tuple[tuple[Any, str], ...] = (
    (Incident, "victim_id"),
    (Incident, "perpetrator_id"),
    (IncidentVersion, "perpetrator_id"),
)
"""The incident columns that point at a person: merging people moves them."""


def victims_with_reference(reference: str) -> Select[tuple[Any]]:
    """Victims of incidents with this agency reference (compared through its blind index)."""
    return select(Incident.victim_id).where(
        Incident.agency_reference_bidx.in_(
            index_candidates(Incident, "agency_reference_bidx", reference)
        )
    )
