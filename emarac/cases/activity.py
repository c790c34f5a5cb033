"""A case's last activity: when anything on it last changed, so the case list can lead with it.

Any row written or changed with a ``case_id`` (a referral, an assessment, an
agenda item, research, an action...) moves its case's ``last_activity_at``
to now, as does a change to the case itself and an incident recorded against
its victim. The rule lives in one flush listener rather than in every
service: a new feature's rows count without it having to remember. Views and
reads never count (a view changes nothing), nor do notices and emergency
access, which are about who reads the case rather than what it holds.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import Flask
from sqlalchemy import event, or_, update
from sqlalchemy.orm import Session

from emarac.cases.models import Case, EmergencyAccess
from emarac.clock import utcnow
from emarac.incidents.models import Incident
from emarac.notifications.models import Notification

NOT_ACTIVITY = (Notification, EmergencyAccess)


def touch_cases(session: Session, flush_context: Any, instances: Any) -> None:
    """Before each flush: stamp the cases whose records are about to be written."""
    now = utcnow()
    case_ids: set[uuid.UUID] = set()
    victim_ids: set[uuid.UUID] = set()
    # ``session.new`` and ``session.dirty`` build a fresh set on each call: read
    # them once, or a flush of n new rows costs n squared (a bulk load of
    # 50,000 values took minutes).
    new = session.new
    dirty = [o for o in session.dirty if session.is_modified(o, include_collections=False)]
    for obj in (*new, *dirty):
        if isinstance(obj, NOT_ACTIVITY):
            continue
        if isinstance(obj, Case):
            obj.last_activity_at = now
            continue
        if isinstance(obj, Incident) and obj.victim_id is not None:
            victim_ids.add(obj.victim_id)
        case_id = getattr(obj, "case_id", None)
        if case_id is None and isinstance(getattr(obj, "case", None), Case):
            case_id = obj.case.id  # linked, not yet keyed
        if isinstance(case_id, uuid.UUID):
            case_ids.add(case_id)
    if case_ids or victim_ids:
        session.connection().execute(
            update(Case)
            .where(or_(Case.id.in_(case_ids), Case.victim_id.in_(victim_ids)))
            .values(last_activity_at=now)
            .execution_options(synchronize_session=False)
        )


def init_app(app: Flask) -> None:
    """The listener is process-wide (SQLAlchemy's Session class), so it is added once."""
    if not event.contains(Session, "before_flush", touch_cases):
        event.listen(Session, "before_flush", touch_cases)
