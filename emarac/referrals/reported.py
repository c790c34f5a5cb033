"""Further incidents reported from a "known to MARAC" hint, by agencies without the case.

An agency that learns of further abuse need not see the case to pass it on.
From the hint it gives a date, a type and a short account; the incident is
recorded against the case's victim, attributed to the reporting agency, and
runs through the same repeat rule as any other (``repeats.flag_repeat``): a
repeat joins the repeats to confirm, anything else waits in the triage queue
as a reported incident for the coordinators to look at. The owning agency and
the coordinators are told, by case reference and agency name only.

The reporter learns nothing new: the page shows only what the hint showed
(the case reference), and the answer is the same whether the incident turned
out to be a repeat or not.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from emarac.agencies.models import Agency, User
from emarac.auditing import record_event
from emarac.cases.models import Case
from emarac.clock import utcnow
from emarac.extensions import db
from emarac.incidents.models import IncidentType
from emarac.incidents.services import IncidentDetails, store_incident
from emarac.notifications import services as notify
from emarac.protocol import policy
from emarac.protocol.guard import get_or_404
from emarac.protocol.policy import NotAllowed
from emarac.referrals import repeats
from emarac.referrals.models import ReportedIncident, ReportedStatus

# Noon UTC: the repeat rule reads an incident's date in UTC, and noon keeps the
# day the reporter typed whatever the clocks do.
_MIDDAY = time(12, 0)


@dataclass(frozen=True)
class FurtherIncident:
    occurred_on: date
    type: IncidentType
    account: str


def hinted_case(actor: User, case_id: uuid.UUID) -> Case:
    """The case a hint told ``actor`` of, for the report form; otherwise :class:`NotAllowed`."""
    case = db.session.get(Case, case_id)
    if case is None or not policy.may_report_from_hint(actor, case):
        raise NotAllowed("marac_case", case_id, purpose="report from hint")
    return case


def report_further_incident(actor: User, case_id: uuid.UUID, data: FurtherIncident) -> None:
    """Record the incident on the case, queue it for the coordinators, tell them; commits."""
    case = hinted_case(actor, case_id)
    if not data.account.strip():
        raise ValueError("a reported incident needs an account")
    incident = store_incident(
        by=actor,
        victim=case.victim,
        details=IncidentDetails(
            occurred_at=datetime.combine(data.occurred_on, _MIDDAY, tzinfo=UTC),
            types={data.type},
            narrative=data.account,
        ),
    )
    is_repeat = any(found.id == case.id for found in repeats.repeat_cases(incident))
    item = ReportedIncident(
        case_id=case.id,
        area_id=case.area_id,
        incident_id=incident.id,
        agency_id=actor.agency_id,
        reported_by_id=actor.id,
        is_repeat=is_repeat,
    )
    db.session.add(item)
    db.session.flush()
    record_event(
        "incident.report_from_hint",
        object_type="reported_incident",
        object_id=item.id,
        fields=("occurred_at", "types", "narrative"),
        purpose=f"case {case.id}",
    )
    agency = db.session.get(Agency, actor.agency_id)
    text = (
        f"Further incident on {case.reference} reported by {agency.name if agency else 'an agency'}"
    )
    notify.to_agency(case.owning_agency_id, case=case, kind="case.reported_incident", text=text)
    notify.to_coordinators(case.area_id, case=case, kind="case.reported_incident", text=text)
    db.session.commit()


def reported_to_review(coordinator: User) -> list[ReportedIncident]:
    """Reported incidents of the coordinator's area that are not repeats and wait for a look."""
    if not policy.may_triage(coordinator):
        raise NotAllowed
    return list(
        db.session.scalars(
            select(ReportedIncident)
            .where(policy.reported_incident_filter(coordinator))
            .where(
                ReportedIncident.status == ReportedStatus.TO_REVIEW,
                ReportedIncident.is_repeat.is_(False),
            )
            .options(
                selectinload(ReportedIncident.case),
                selectinload(ReportedIncident.incident),
                selectinload(ReportedIncident.agency),
            )
            .order_by(ReportedIncident.created_at)
        )
    )


def to_review(item_id: uuid.UUID, *, by: User) -> ReportedIncident:
    """A reported incident still waiting that ``by`` may review; otherwise :class:`NotAllowed`."""
    item = get_or_404(ReportedIncident, item_id, may=policy.may_review_reported, actor=by)
    if item.status != ReportedStatus.TO_REVIEW or item.is_repeat:
        raise NotAllowed("reported_incident", item.id)
    return item


def mark_seen(item: ReportedIncident, *, by: User) -> None:
    """A coordinator has looked at a reported incident; it leaves the queue; commits."""
    if not policy.may_review_reported(by, item) or item.status != ReportedStatus.TO_REVIEW:
        raise NotAllowed("reported_incident", item.id)
    item.status = ReportedStatus.SEEN
    item.seen_by_id = by.id
    item.seen_at = utcnow()
    record_event(
        "incident.reported_seen",
        object_type="reported_incident",
        object_id=item.id,
        fields=("status",),
    )
    db.session.commit()
