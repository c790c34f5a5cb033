"""Writing the disclosure register, and reading it for coordinators and the DPO."""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Select, func, select

from emarac.agencies.models import Agency, Area, User
from emarac.auditing import record_event
from emarac.bounds import MAX_PAGE
from emarac.clock import utcnow
from emarac.disclosures.models import Disclosure, DisclosureKind
from emarac.extensions import db
from emarac.protocol import policy
from emarac.protocol.policy import NotAllowed

PAGE_SIZE = 50
EXPORT_LIMIT = 100_000
EXPORT_COLUMNS = [
    "When (UTC)",
    "What",
    "Record",
    "Case",
    "To",
    "By",
    "Purpose",
    "Lawful basis",
]


class CaseLike(Protocol):
    """A case as the register needs it (it sits below the cases package)."""

    id: uuid.UUID
    reference: str
    area_id: uuid.UUID


def user_in_words(user: User) -> str:
    return f"{user.full_name} ({user.agency.name})"


def record_disclosure(
    kind: DisclosureKind,
    *,
    by: User | None,
    object_type: str,
    object_id: Any = None,
    case: CaseLike | None = None,
    area_id: uuid.UUID | None = None,
    to_user: User | None = None,
    to_agency: Agency | None = None,
    to_area: Area | None = None,
    to_outside: str | None = None,
    purpose: str,
) -> Disclosure:
    """Add one row to the register and its ledger event, in the caller's transaction.

    The recipient is given as the user, agency or area it went to, or in words
    for an outside body or the person themselves; the register shows words.
    The area is the case's when there is one, else the discloser's.
    """
    if to_user is not None:
        recipient = user_in_words(to_user)
    elif to_agency is not None:
        recipient = to_agency.name
    elif to_area is not None:
        recipient = f"The MARAC of {to_area.name}"
    elif to_outside:
        recipient = to_outside
    else:
        raise ValueError("a disclosure needs a recipient")
    if area_id is None:
        if case is not None:
            area_id = case.area_id
        elif by is not None:
            area_id = by.agency.area_id
        else:
            raise ValueError("a disclosure needs an area")
    row = Disclosure(
        kind=kind,
        object_type=object_type,
        object_id=str(object_id) if object_id is not None else None,
        area_id=area_id,
        case_id=case.id if case is not None else None,
        case_reference=case.reference if case is not None else None,
        recipient_user_id=to_user.id if to_user is not None else None,
        recipient_agency_id=(
            to_agency.id
            if to_agency is not None
            else (to_user.agency_id if to_user is not None else None)
        ),
        recipient=recipient[:300],
        disclosed_by_id=by.id if by is not None else None,
        disclosed_at=utcnow(),
        purpose=purpose[:300],
        lawful_basis=kind.lawful_basis,
    )
    db.session.add(row)
    db.session.flush()
    record_event(
        "disclosure.record",
        object_type="disclosure",
        object_id=row.id,
        fields=("kind", "object", "case", "recipient", "purpose", "lawful_basis"),
        purpose=str(kind),
    )
    return row


@dataclass(frozen=True)
class RegisterFilter:
    case_reference: str | None = None
    recipient: str | None = None

    def fields_used(self) -> tuple[str, ...]:
        return tuple(k for k, v in self.__dict__.items() if v)


@dataclass(frozen=True)
class Page:
    rows: list[Disclosure]
    number: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))


def _query(actor: User, flt: RegisterFilter) -> Select[tuple[Disclosure]]:
    query = select(Disclosure).where(policy.disclosure_filter(actor))
    if flt.case_reference:
        query = query.where(Disclosure.case_reference == flt.case_reference.upper())
    if flt.recipient:
        needle = flt.recipient.lower().replace("%", "").replace("_", "")
        query = query.where(func.lower(Disclosure.recipient).contains(needle))
    return query


def search(actor: User, flt: RegisterFilter, *, page: int = 1) -> Page:
    """One page of the reader's area register, newest first (the reading is audited)."""
    if not policy.may_read_disclosures(actor):
        raise NotAllowed("disclosure")
    query = _query(actor, flt)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = max(1, min(page, -(-total // PAGE_SIZE) or 1, MAX_PAGE))
    rows = list(
        db.session.scalars(
            query.order_by(Disclosure.disclosed_at.desc(), Disclosure.id)
            .limit(PAGE_SIZE)
            .offset((page - 1) * PAGE_SIZE)
        )
    )
    record_event("disclosure.search", object_type="disclosure", fields=flt.fields_used())
    db.session.commit()
    return Page(rows, page, total)


def export_csv(actor: User, flt: RegisterFilter) -> str:
    """The filtered register as CSV; the export is itself a disclosure, to the reader."""
    if not policy.may_read_disclosures(actor):
        raise NotAllowed("disclosure")
    rows = db.session.scalars(
        _query(actor, flt).order_by(Disclosure.disclosed_at).limit(EXPORT_LIMIT)
    ).all()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    for row in rows:
        writer.writerow(
            [
                _csv_safe(row.disclosed_at.isoformat(timespec="seconds")),
                _csv_safe(row.kind_label),
                _csv_safe(row.object_type),
                _csv_safe(row.case_reference or ""),
                _csv_safe(row.recipient),
                _csv_safe(user_in_words(row.disclosed_by) if row.disclosed_by else "The system"),
                _csv_safe(row.purpose),
                _csv_safe(row.lawful_basis),
            ]
        )
    record_disclosure(
        DisclosureKind.REGISTER_EXPORT,
        by=actor,
        object_type="disclosure",
        to_user=actor,
        purpose=f"{len(rows)} register rows exported as CSV for oversight",
    )
    db.session.commit()
    return out.getvalue()


def _csv_safe(value: str) -> str:
    """Text that a spreadsheet will not run as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
