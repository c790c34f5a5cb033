"""Reading the audit ledger: filtered, paginated, exported (the export itself audited)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import cast

from sqlalchemy import Select, Subquery, func, select

from audit.encoding import HASHED_COLUMNS
from emarac.agencies.models import Agency, User
from emarac.auditing import all_events, newest_first, record_event
from emarac.disclosures.models import DisclosureKind
from emarac.disclosures.services import record_disclosure
from emarac.extensions import db
from emarac.protocol import policy

PAGE_SIZE = 50
EXPORT_LIMIT = 100_000


@dataclass(frozen=True)
class AuditFilter:
    user_id: str | None = None
    agency_id: str | None = None
    action: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    date_from: date | None = None
    date_to: date | None = None

    def fields_used(self) -> tuple[str, ...]:
        return tuple(k for k, v in self.__dict__.items() if v)


@dataclass(frozen=True)
class FilterChoices:
    """What the filter form offers: (id, name) of each agency and user the reader may pick."""

    agencies: list[tuple[object, str]]
    users: list[tuple[object, str]]


def filter_choices(actor: User) -> FilterChoices:
    """The agencies whose trail the actor may read, and those agencies' users, by name."""
    agency_query = policy.audit_agencies(actor, select(Agency.id, Agency.name))
    agencies = [(i, n) for i, n in db.session.execute(agency_query.order_by(Agency.name))]
    users = db.session.execute(
        select(User.id, User.full_name)
        .where(User.agency_id.in_([a for a, _ in agencies]))
        .order_by(User.full_name)
    )
    return FilterChoices(agencies=agencies, users=[(i, n) for i, n in users])


def _query(actor: User, flt: AuditFilter, t: Subquery) -> Select[tuple[object, ...]]:
    query = select(t).where(policy.audit_filter(actor, t))
    if flt.user_id:
        query = query.where(t.c.user_id == flt.user_id)
    if flt.agency_id:
        query = query.where(t.c.agency_id == flt.agency_id)
    if flt.action:
        query = query.where(t.c.action.startswith(flt.action))
    if flt.object_type:
        query = query.where(t.c.object_type == flt.object_type)
    if flt.object_id:
        query = query.where(t.c.object_id == flt.object_id)
    if flt.date_from:
        query = query.where(t.c.occurred_at >= datetime.combine(flt.date_from, time.min))
    if flt.date_to:
        query = query.where(
            t.c.occurred_at < datetime.combine(flt.date_to + timedelta(days=1), time.min)
        )
    return query


@dataclass(frozen=True)
class Page:
    rows: list[dict[str, object]]
    number: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))


def search(actor: User, flt: AuditFilter, *, page: int = 1) -> Page:
    if not policy.may_read_audit(actor):
        raise PermissionError
    events = all_events()
    query = _query(actor, flt, events)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db.session.execute(
        query.order_by(*newest_first(events)).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    ).mappings()
    result = [_with_names(dict(r)) for r in rows]
    record_event("audit.search", object_type="audit_event", fields=flt.fields_used())
    db.session.commit()
    return Page(result, page, total)


def _with_names(row: dict[str, object]) -> dict[str, object]:
    row["fields_list"] = json.loads(str(row["fields"])) if row.get("fields") else []
    return row


def names_for(rows: list[dict[str, object]]) -> dict[str, str]:
    """Staff and agency names for the ids on a page (one query each, not one per row)."""
    user_ids = {r["user_id"] for r in rows if r["user_id"]}
    agency_ids = {r["agency_id"] for r in rows if r["agency_id"]}
    names: dict[str, str] = {}
    if user_ids:
        for uid, name in db.session.execute(
            select(User.id, User.full_name).where(User.id.in_([_uuid(u) for u in user_ids]))
        ):
            names[str(uid)] = name
    if agency_ids:
        for aid, name in db.session.execute(
            select(Agency.id, Agency.name).where(Agency.id.in_([_uuid(a) for a in agency_ids]))
        ):
            names[str(aid)] = name
    return names


def _uuid(value: object) -> object:
    import uuid

    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


# The ledger's own columns, in its canonical order (hashes are not exported).
CSV_COLUMNS = list(HASHED_COLUMNS)


def export_csv(actor: User, flt: AuditFilter) -> str:
    """The filtered events as CSV; the export is itself an audited event."""
    if not policy.may_read_audit(actor):
        raise PermissionError
    events = all_events()
    rows = db.session.execute(
        _query(actor, flt, events)
        .order_by(events.c.seq.asc().nulls_last(), events.c.occurred_at)
        .limit(EXPORT_LIMIT)
    ).mappings()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    count = 0
    for row in rows:
        writer.writerow([_csv_safe(row[c]) for c in CSV_COLUMNS])
        count += 1
    record_event(
        "audit.export",
        object_type="audit_event",
        fields=flt.fields_used(),
        purpose=f"{count} events exported as CSV",
    )
    record_disclosure(
        DisclosureKind.AUDIT_EXPORT,
        by=actor,
        object_type="audit_event",
        to_user=actor,
        purpose=f"{count} audit events exported as CSV",
    )
    db.session.commit()
    return out.getvalue()


def _csv_safe(value: object) -> str:
    """Text that a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


# What each event on a case means, as the "who has accessed this record" panel
# says it: a verb phrase that follows the person's name.
ACTION_WORDS: dict[str, str] = {
    "case.view": "viewed the case",
    "case.create": "opened the case",
    "case.add_child": "added a child",
    "case.add_perpetrator": "added a perpetrator",
    "case.transfer": "transferred the case",
    "case.close": "closed the case",
    "case.retain": "kept the case at its retention review",
    "case.erase": "erased the case at its retention review",
    "case.flag_repeat": "flagged the case as a repeat",
    "case.exclusion_add": "added someone to the must-not-receive list",
    "case.exclusion_remove": "removed someone from the must-not-receive list",
    "case.emergency_access": "opened the case with emergency access (break-glass)",
    "case.emergency_access_end": "ended emergency access",
    "case.emergency_access_review": "reviewed emergency access",
    "access.denied": "was refused access",
    "incident.create": "recorded an incident",
    "risk.assess": "completed a risk checklist",
    "referral.create": "referred the case to MARAC",
    "referral.view": "viewed the referral",
    "research.save": "added research",
    "research.view": "read the research",
    "conference.record": "recorded the meeting's discussion",
    "minutes.produce": "produced the minutes",
    "minutes.draft": "drafted the minutes",
    "minutes.edit": "changed the draft minutes",
    "minutes.approve": "approved the minutes",
    "minutes.return": "returned the draft minutes",
    "minutes.correct": "corrected the minutes",
    "minutes.distribute": "sent the minutes",
    "minutes.view": "read the minutes",
    "minutes.withhold": "withheld the minutes",
    "action.create": "agreed an action",
    "action.update": "updated an action",
}


def describe_action(action: str) -> str:
    """The words for an event code; an unlisted code still reads as words, never as a code."""
    if action in ACTION_WORDS:
        return ACTION_WORDS[action]
    return "recorded: " + action.replace(".", " ").replace("_", " ")


@dataclass(frozen=True)
class AccessEntry:
    """One line of the "who has accessed this record" panel."""

    who: str
    agency: str
    what: str
    at: datetime


def _who(row: dict[str, object], names: dict[str, str]) -> tuple[str, str]:
    """Who did it and their agency, from what the ledger row still tells us.

    The ledger keeps ids, not names. An id whose account no longer exists is a
    removed account; an event with no user at all was the system's own (an
    operator command on the server, or a scheduled task).
    """
    agency = names.get(str(row["agency_id"]), "") if row["agency_id"] else ""
    if row["user_id"]:
        name = names.get(str(row["user_id"]))
        if name:
            return name, agency
        return ("A removed account", agency)
    if agency:
        return (f"Someone at {agency}", "")
    return ("eMARAC (the system)", "")


def access_panel(object_type: str, object_id: object, *, limit: int = 20) -> list[AccessEntry]:
    """The latest events on one record, in words, for the access panel."""
    rows = recent_access(object_type, object_id, limit=limit)
    names = names_for(rows)
    entries = []
    for row in rows:
        who, agency = _who(row, names)
        entries.append(
            AccessEntry(
                who=who,
                agency=agency,
                what=describe_action(str(row["action"])),
                at=cast(datetime, row["occurred_at"]),
            )
        )
    return entries


@dataclass(frozen=True)
class HistoryEntry:
    """One step in a record's history: the ledger's action, who took it and when."""

    action: str
    who: str
    agency: str
    at: datetime


def history_of(
    object_type: str, object_id: object, *, actions: Collection[str]
) -> list[HistoryEntry]:
    """The given actions on one record, oldest first, with who took them (by name)."""
    t = all_events()
    rows = [
        dict(r)
        for r in db.session.execute(
            select(t.c.occurred_at, t.c.user_id, t.c.agency_id, t.c.action)
            .where(
                t.c.object_type == object_type,
                t.c.object_id == str(object_id),
                t.c.action.in_(list(actions)),
            )
            .order_by(t.c.occurred_at, t.c.seq.nulls_last())
        ).mappings()
    ]
    names = names_for(rows)
    entries = []
    for row in rows:
        who, agency = _who(row, names)
        entries.append(
            HistoryEntry(
                action=str(row["action"]),
                who=who,
                agency=agency,
                at=cast(datetime, row["occurred_at"]),
            )
        )
    return entries


def recent_access(
    object_type: str, object_id: object, *, limit: int = 20
) -> list[dict[str, object]]:
    """The latest events on one record, for the "who has accessed this record" panel."""
    t = all_events()
    rows = db.session.execute(
        select(t.c.occurred_at, t.c.user_id, t.c.agency_id, t.c.action)
        .where(t.c.object_type == object_type, t.c.object_id == str(object_id))
        .order_by(*newest_first(t))
        .limit(limit)
    ).mappings()
    return [dict(r) for r in rows]
