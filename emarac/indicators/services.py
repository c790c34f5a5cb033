"""The indicators a manager reads: the dashboard, the quarterly return and their exports.

Each reading is audited (what was asked for: the period, the area and the
referring agency, never any figure) and committed here, so the views only
parse the filters and show what comes back.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from emarac.agencies.models import Agency, Area, User
from emarac.auditing import record_event
from emarac.clock import today
from emarac.extensions import db
from emarac.indicators import report
from emarac.indicators.periods import Filters, Period
from emarac.protocol import policy
from emarac.protocol.policy import NotAllowed


def _may_view(actor: User) -> None:
    if not policy.may_view_indicators(actor):
        raise NotAllowed("indicators")


def areas() -> list[tuple[uuid.UUID, str]]:
    """(id, name) of every area, by name: the dashboard's area filter."""
    return [(i, n) for i, n in db.session.execute(select(Area.id, Area.name).order_by(Area.name))]


def referring_agencies(area_id: uuid.UUID | None) -> list[tuple[uuid.UUID, str]]:
    """(id, name) of the agencies of an area (of every area: ``None``), by name."""
    query = select(Agency.id, Agency.name).order_by(Agency.name)
    if area_id is not None:
        query = query.where(Agency.area_id == area_id)
    return [(i, n) for i, n in db.session.execute(query)]


def population(area_id: uuid.UUID | None) -> int | None:
    """Women aged 16+ in the area (all areas: their sum, when every area has it set)."""
    query = select(Area.adult_female_population)
    if area_id is not None:
        query = query.where(Area.id == area_id)
    values = db.session.scalars(query).all()
    if not values or any(v is None for v in values):
        return None
    return sum(v for v in values if v is not None)


def _audit(action: str, period: Period, area_id: Any, agency_id: Any, what: str) -> None:
    record_event(
        action,
        object_type="indicators",
        fields=("period", "area", "referring_agency"),
        purpose=f"{what}; period {period.code}; area {area_id or 'all'}; "
        f"referring agency {agency_id or 'all'}",
    )
    db.session.commit()


def dashboard(
    *, by: User, period: Period, area_id: uuid.UUID | None, agency_id: uuid.UUID | None
) -> report.Dashboard:
    """The dashboard's figures for the period and filters; the viewing is audited."""
    _may_view(by)
    board = report.build(
        db.session(),
        period,
        area_id=area_id,
        referring_agency_id=agency_id,
        population=population(area_id),
    )
    _audit("indicators.view", period, area_id, agency_id, "dashboard")
    return board


def headlines(*, by: User, area_id: uuid.UUID | None) -> tuple[Period, tuple[report.Headline, ...]]:
    """The last complete quarter's headline figures, for a manager's home page; audited."""
    _may_view(by)
    period = report.default_period(today())
    figures = report.headlines(
        db.session(), period, area_id=area_id, population=population(area_id)
    )
    _audit("indicators.view", period, area_id, None, "home page headlines")
    return period, figures


def export_csv(
    *,
    by: User,
    table: str,
    period: Period,
    area_id: uuid.UUID | None,
    agency_id: uuid.UUID | None,
) -> str:
    """The quarterly return (``table="return"``) or the trends as CSV; the export is audited."""
    _may_view(by)
    filters = Filters.for_period(period, area_id=area_id, referring_agency_id=agency_id)
    session = db.session()
    if table == "return":
        tables = [report.quarterly_return_table(session, filters)]
    else:
        tables = report.trend_tables(session, filters)
    body = report.to_csv(tables)
    _audit("indicators.export", period, area_id, agency_id, f"{table} CSV")
    return body


def return_for_print(
    *, by: User, period: Period, area_id: uuid.UUID | None, agency_id: uuid.UUID | None
) -> tuple[report.Table, str]:
    """The quarterly return and the name of its area, for printing; the print is audited."""
    _may_view(by)
    filters = Filters.for_period(period, area_id=area_id, referring_agency_id=agency_id)
    table = report.quarterly_return_table(db.session(), filters)
    _audit("indicators.print", period, area_id, agency_id, "quarterly return, print view")
    area = db.session.get(Area, area_id) if area_id else None
    return table, area.name if area else "All areas"
