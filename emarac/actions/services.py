"""Actions: agreeing them, updating them, the tracker, chasing overdue ones."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from emarac.actions.models import Action, ActionStatus
from emarac.agencies.models import User
from emarac.auditing import record_event
from emarac.cases.lifecycle import refresh_case_status
from emarac.cases.models import Case
from emarac.clock import today, utcnow
from emarac.extensions import db
from emarac.notifications import services as notify
from emarac.protocol import policy
from emarac.protocol.policy import NotAllowed


class AgreedAt(Protocol):
    """The meeting that agreed an action. Meetings stand above actions (their minutes
    list the actions), so only the meeting's id is asked for here."""

    @property
    def id(self) -> uuid.UUID: ...


def add_action(
    case: Case,
    *,
    by: User,
    meeting: AgreedAt | None,
    owner_agency_id: uuid.UUID,
    description: str,
    due_on: date,
) -> Action:
    """The chair or coordinator records an agreed action; its owner agency is told."""
    if not policy.may_agree_action(by, case):
        raise NotAllowed("marac_case", case.id, purpose="action refused")
    action = Action(
        case_id=case.id,
        meeting_id=meeting.id if meeting else None,
        owner_agency_id=owner_agency_id,
        created_by_id=by.id,
        due_on=due_on,
    )
    action.description = description
    db.session.add(action)
    db.session.flush()
    record_event(
        "action.create",
        object_type="action",
        object_id=action.id,
        fields=("description", "owner_agency_id", "due_on"),
    )
    _refresh(case)
    notify.to_agency(
        owner_agency_id,
        case=case,
        kind="action.new",
        text=f"New action for your agency on {case.reference}",
    )
    db.session.commit()
    return action


def update_action(action: Action, *, by: User, status: ActionStatus, note: str | None) -> None:
    """The owning agency marks its action done, or cannot be done (with a reason)."""
    if by.agency_id != action.owner_agency_id:
        raise NotAllowed
    if status == ActionStatus.CANNOT and not (note or "").strip():
        raise ValueError("Enter why the action cannot be done")
    action.status = status
    action.completion_note = note or None
    action.completed_on = today() if status != ActionStatus.OPEN else None
    db.session.flush()
    _refresh(action.case)
    record_event(
        "action.update",
        object_type="action",
        object_id=action.id,
        fields=("status", "completion_note"),
    )
    db.session.commit()


def _refresh(case: Case) -> None:
    refresh_case_status(case)


def open_action_count(case_id: uuid.UUID) -> int:
    """Plugged into ``cases.lifecycle``: a case with open actions is not finished."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Action)
            .where(Action.case_id == case_id, Action.status == ActionStatus.OPEN)
        )
        or 0
    )


def tracker(actor: User) -> list[Action]:
    """Our agency's actions; coordinators see every action of their area."""
    query = (
        select(Action)
        .join(Case, Case.id == Action.case_id)
        .where(policy.action_filter(actor))
        .options(selectinload(Action.case), selectinload(Action.owner_agency))
    )
    return list(db.session.scalars(query.order_by(Action.due_on)))


def open_tracker(actor: User) -> list[Action]:
    """The tracker page's actions, the view of them recorded first (one commit).

    Recording before loading keeps the commit from expiring the loaded rows.
    """
    if not policy.may_search_people(actor):
        raise NotAllowed("action", purpose="tracker refused")
    record_event("action.tracker_view", object_type="action", fields=("status", "due_on"))
    db.session.commit()
    return tracker(actor)


def actions_of_case(case_id: uuid.UUID) -> list[Action]:
    """Every action agreed for a case, soonest due first, with the owning agency."""
    return list(
        db.session.scalars(
            select(Action)
            .where(Action.case_id == case_id)
            .options(selectinload(Action.owner_agency))
            .order_by(Action.due_on)
        )
    )


def chase(action: Action, *, by: User) -> None:
    """A coordinator reminds the owning agency of an overdue action."""
    if not policy.may_chase_action(by, action):
        raise NotAllowed("action", action.id)
    action.last_chased_at = utcnow()
    record_event("action.chase", object_type="action", object_id=action.id)
    notify.to_agency(
        action.owner_agency_id,
        case=action.case,
        kind="action.chase",
        text=f"Overdue action on {action.case.reference}: please update it",
    )
    db.session.commit()
