"""Actions: agreeing them, updating them, the tracker, chasing overdue ones."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy import Select, func, or_, select, update
from sqlalchemy.orm import selectinload

from emarac.actions.models import Action, ActionStatus, ActionUpdate
from emarac.agencies.models import Agency, User
from emarac.auditing import record_event
from emarac.bounds import long_date
from emarac.cases.lifecycle import refresh_case_status
from emarac.cases.models import Case
from emarac.clock import as_utc, today, utcnow
from emarac.disclosures.models import DisclosureKind
from emarac.disclosures.services import record_disclosure
from emarac.extensions import db
from emarac.hooks import Hook
from emarac.notifications import services as notify
from emarac.protocol import policy
from emarac.protocol.policy import NotAllowed
from emarac.query_args import last_page


class AgreedAt(Protocol):
    """The meeting that agreed an action. Meetings stand above actions (their minutes
    list the actions), so only what actions need of a meeting is asked for here."""

    @property
    def id(self) -> uuid.UUID: ...

    @property
    def held_on(self) -> date: ...


def due_date_problem(due_on: date, *, meeting: AgreedAt | None, on: date) -> str | None:
    """Why ``due_on`` cannot be an action's due date, or None.

    An action falls due after the meeting that agreed it (an action due on the
    day of the meeting, or before, would be overdue as soon as it was agreed);
    one agreed outside a meeting falls due after the day it is agreed, ``on``.
    """
    if meeting is not None and due_on <= meeting.held_on:
        return f"Enter a due date after the meeting on {long_date(meeting.held_on)}"
    if meeting is None and due_on <= on:
        return "Enter a due date after today"
    return None


def add_action(
    case: Case,
    *,
    by: User,
    meeting: AgreedAt | None,
    owner_agency_id: uuid.UUID,
    description: str,
    due_on: date,
) -> Action:
    """The chair or coordinator records an agreed action; its owner agency is told.

    A due date on or before the meeting's day is refused with a ``ValueError``.
    """
    if not policy.may_agree_action(by, case):
        raise NotAllowed("marac_case", case.id, purpose="action refused")
    problem = due_date_problem(due_on, meeting=meeting, on=today())
    if problem:
        raise ValueError(problem)
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
    """The owning agency marks its action done, or cannot be done (with a reason).

    Each update is kept in the action's history, written in the same transaction.
    """
    if not policy.may_update_action(by, action):
        raise NotAllowed("action", action.id)
    if status == ActionStatus.CANNOT and not (note or "").strip():
        raise ValueError("Enter why the action cannot be done")
    action.status = status
    action.completion_note = note or None
    action.completed_on = today() if status != ActionStatus.OPEN else None
    last = db.session.scalar(
        select(func.max(ActionUpdate.number)).where(ActionUpdate.action_id == action.id)
    )
    update = ActionUpdate(
        action_id=action.id,
        number=(last or 0) + 1,
        by_id=by.id,
        agency_id=by.agency_id,
        status=status,
    )
    update.note = note or None
    db.session.add(update)
    db.session.flush()
    _refresh(action.case)
    record_event(
        "action.update",
        object_type="action",
        object_id=action.id,
        fields=("status", "completion_note", "history"),
    )
    db.session.commit()


@dataclass(frozen=True)
class ActionPage:
    """What the action page shows its reader."""

    action: Action
    readable: bool  # the words of the action and of its notes (action_text_filter)
    may_update: bool
    history: list[ActionUpdate]  # newest first


def open_action(action: Action, *, by: User) -> ActionPage:
    """The action page, the view of it recorded first (one commit), then its history."""
    if not policy.may_view_action(by, action):
        raise NotAllowed("action", action.id)
    readable = policy.may_read_action(by, action)
    shown = ("description", "completion_note", "history") if readable else ("history",)
    record_event(
        "action.view", object_type="action", object_id=action.id, fields=("status", *shown)
    )
    db.session.commit()
    history = db.session.scalars(
        select(ActionUpdate)
        .where(ActionUpdate.action_id == action.id)
        .options(selectinload(ActionUpdate.by), selectinload(ActionUpdate.agency))
        .order_by(ActionUpdate.number.desc())
    )
    return ActionPage(
        action=action,
        readable=readable,
        may_update=policy.may_update_action(by, action),
        history=list(history),
    )


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


TRACKER_PAGE_SIZE = 50

meeting_titles: Hook[Callable[[Collection[uuid.UUID]], list[tuple[uuid.UUID, str]]]] = Hook(
    "actions.meeting_titles"
)
"""Each gives the titles of the meetings with these ids, newest first. Meetings plug
in: they stand above actions, which know a meeting only by its id."""


@dataclass(frozen=True)
class TrackerFilter:
    """What the tracker is narrowed to; ``None`` (or ``False``) leaves a filter off."""

    status: ActionStatus | None = None
    agency_id: uuid.UUID | None = None
    reference: str | None = None
    meeting_id: uuid.UUID | None = None
    overdue_only: bool = False

    def fields_used(self) -> tuple[str, ...]:
        """The names of the filters in use, for the ledger (never their values)."""
        used = {
            "status": self.status is not None,
            "owner_agency_id": self.agency_id is not None,
            "reference": bool(self.reference),
            "meeting_id": self.meeting_id is not None,
            "overdue": self.overdue_only,
        }
        return tuple(name for name, on in used.items() if on)


@dataclass(frozen=True)
class TrackerChoices:
    """The agencies and meetings the actor's tracker can be narrowed to, by name."""

    agencies: list[tuple[uuid.UUID, str]]
    meetings: list[tuple[uuid.UUID, str]]


@dataclass(frozen=True)
class TrackerRow:
    action: Action
    readable: bool  # whether the actor may read the action's words (action_text_filter)


@dataclass(frozen=True)
class TrackerPage:
    rows: list[TrackerRow]
    number: int
    total: int

    @property
    def pages(self) -> int:
        return last_page(self.total, TRACKER_PAGE_SIZE)


def _visible() -> Select[tuple[Action]]:
    return select(Action).join(Case, Case.id == Action.case_id)


def tracker_choices(actor: User) -> TrackerChoices:
    """The owning agencies and the meetings of the actions ``actor`` may follow."""
    if not policy.may_search_people(actor):
        raise NotAllowed("action", purpose="tracker refused")
    # Both lists from one pass over the actions: at a hundred thousand cases an area
    # has tens of thousands of actions, and reading them twice was most of the page.
    pairs = db.session.execute(
        _visible()
        .where(policy.action_filter(actor))
        .with_only_columns(Action.owner_agency_id, Action.meeting_id)
        .distinct()
    ).all()
    agency_ids = {agency_id for agency_id, _ in pairs}
    meeting_ids = list(dict.fromkeys(m for _, m in pairs if m is not None))
    agencies = (
        db.session.execute(
            select(Agency.id, Agency.name).where(Agency.id.in_(agency_ids)).order_by(Agency.name)
        ).all()
        if agency_ids
        else []
    )
    meetings: list[tuple[uuid.UUID, str]] = []
    if meeting_ids:
        for titles in meeting_titles.items():
            meetings.extend(titles(meeting_ids))
    return TrackerChoices(agencies=[(i, n) for i, n in agencies], meetings=meetings)


def _narrowed(query: Select[Any], flt: TrackerFilter, on: date) -> Select[Any]:
    if flt.status is not None:
        query = query.where(Action.status == flt.status)
    if flt.agency_id is not None:
        query = query.where(Action.owner_agency_id == flt.agency_id)
    if flt.reference:
        query = query.where(
            func.upper(Case.reference).contains(flt.reference.upper(), autoescape=True)
        )
    if flt.meeting_id is not None:
        query = query.where(Action.meeting_id == flt.meeting_id)
    if flt.overdue_only:  # the rule of Action.is_overdue, in SQL
        query = query.where(Action.status == ActionStatus.OPEN, Action.due_on < on)
    return query


def tracker(actor: User, flt: TrackerFilter | None = None, *, page: int = 1) -> TrackerPage:
    """One page of the actions ``actor`` follows, soonest due first, narrowed by ``flt``.

    Our agency's actions; coordinators see every action of their area. Each row
    says whether the actor may read its words, so only those are decrypted.
    """
    flt = flt or TrackerFilter()
    query = _narrowed(_visible().where(policy.action_filter(actor)), flt, today())
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    number = max(1, min(page, last_page(total, TRACKER_PAGE_SIZE)))
    readable = policy.action_text_filter(actor).label("readable")
    rows = db.session.execute(
        query.add_columns(readable)
        .options(selectinload(Action.case), selectinload(Action.owner_agency))
        .order_by(Action.due_on, Case.reference, Action.id)
        .limit(TRACKER_PAGE_SIZE)
        .offset((number - 1) * TRACKER_PAGE_SIZE)
    ).all()
    return TrackerPage(
        rows=[TrackerRow(action=a, readable=bool(r)) for a, r in rows], number=number, total=total
    )


def open_tracker(actor: User, flt: TrackerFilter | None = None, *, page: int = 1) -> TrackerPage:
    """The tracker page's actions, the view of them recorded first (one commit).

    Recording before loading keeps the commit from expiring the loaded rows.
    """
    if not policy.may_search_people(actor):
        raise NotAllowed("action", purpose="tracker refused")
    flt = flt or TrackerFilter()
    record_event(
        "action.tracker_view",
        object_type="action",
        fields=("reference", "description", "owner_agency_id", "status", "due_on"),
        purpose="filtered by " + ", ".join(flt.fields_used()) if flt.fields_used() else None,
    )
    db.session.commit()
    return tracker(actor, flt, page=page)


EXPORT_LIMIT = 5000  # far more open actions than one agency holds; keeps a file bounded
EXPORT_COLUMNS = ("Case reference", "Action", "Due by", "Overdue", "Agreed at", "Last chased")
EXPORT_PURPOSE = (
    "open actions exported as CSV by their owning agency, to work from under the "
    "information-sharing protocol"
)


def export_open_actions(*, by: User) -> str:
    """The open actions of ``by``'s own agency as CSV, soonest due first; audited.

    Each action exported is recorded as a disclosure to the person who took the
    file (ids and field names only). The words of an action the reader may not
    read (``action_text_filter``) are left out of the file as they are of the page.
    """
    if not policy.may_export_agency_actions(by):
        raise NotAllowed("action", purpose="export refused")
    readable = policy.action_text_filter(by).label("readable")
    rows = db.session.execute(
        _visible()
        .where(
            policy.action_filter(by),
            Action.owner_agency_id == by.agency_id,
            Action.status == ActionStatus.OPEN,
        )
        .add_columns(readable)
        .options(selectinload(Action.case))
        .order_by(Action.due_on, Case.reference, Action.id)
        .limit(EXPORT_LIMIT)
    ).all()
    titles: dict[uuid.UUID, str] = {}
    meeting_ids = {a.meeting_id for a, _ in rows if a.meeting_id is not None}
    if meeting_ids:
        for source in meeting_titles.items():
            titles.update(source(meeting_ids))
    on = today()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    recipient = f"user:{by.id} agency:{by.agency_id}"
    for action, can_read in rows:
        writer.writerow(
            [
                csv_safe(action.case.reference),
                csv_safe(action.description or "") if can_read else "Not shown to you",
                action.due_on.isoformat(),
                "Yes" if action.is_overdue(on) else "No",
                csv_safe(titles.get(action.meeting_id, "")) if action.meeting_id else "",
                as_utc(action.last_chased_at).date().isoformat() if action.last_chased_at else "",
            ]
        )
        shown = ("description",) if can_read else ()
        record_event(
            "action.export",
            object_type="action",
            object_id=action.id,
            fields=("reference", "due_on", "status", "meeting_id", "last_chased_at", *shown),
            recipient=recipient,
            purpose=EXPORT_PURPOSE,
        )
    record_disclosure(
        DisclosureKind.ACTION_EXPORT,
        by=by,
        object_type="action",
        to_user=by,
        purpose=f"{len(rows)} open actions of {by.agency.name} exported as CSV",
    )
    if not rows:
        record_event(
            "action.export",
            object_type="action",
            recipient=recipient,
            purpose="no open actions to export",
        )
    db.session.commit()
    return out.getvalue()


def csv_safe(text: str) -> str:
    """Text that a spreadsheet will not run as a formula (nor as a DDE command)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


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


class Chase(StrEnum):
    """What pressing "Chase" did."""

    SENT = "sent"
    ALREADY_TODAY = "already_today"  # chased earlier today: nothing sent, nothing recorded
    NOT_OPEN = "not_open"  # done or cannot be done: nothing to chase


def chase(action: Action, *, by: User) -> Chase:
    """A coordinator reminds the owning agency of an action: at most once a day.

    The day is claimed with one conditional UPDATE, so two presses (or two
    coordinators) at once send a single reminder: the database lets only one of
    them move ``last_chased_at`` into today, and only that one notifies.
    """
    if not policy.may_chase_action(by, action):
        raise NotAllowed("action", action.id)
    if action.status != ActionStatus.OPEN:
        return Chase.NOT_OPEN
    now = utcnow()
    start_of_day = datetime.combine(now.date(), time.min, tzinfo=UTC)
    claimed = db.session.execute(
        update(Action)
        .where(
            Action.id == action.id,
            Action.status == ActionStatus.OPEN,
            or_(Action.last_chased_at.is_(None), Action.last_chased_at < start_of_day),
        )
        .values(last_chased_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]  # a CursorResult for an UPDATE
        return Chase.ALREADY_TODAY
    record_event("action.chase", object_type="action", object_id=action.id)
    notify.to_agency(
        action.owner_agency_id,
        case=action.case,
        kind="action.chase",
        text=(
            f"Overdue action on {action.case.reference}: please update it"
            if action.is_overdue(now.date())
            else f"Reminder of an action on {action.case.reference}: please update it"
        ),
    )
    db.session.commit()
    return Chase.SENT
