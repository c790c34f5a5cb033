"""SQL both ways of keeping the indicators share: dates in each database's spelling, ages, counts.

The indicator statements (``queries``) and the facts kept for each agenda item
(``facts``) run on SQLite and PostgreSQL alike; where the two differ (date
arithmetic, an incident's date in UTC) ``Dates`` picks the spelling.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Date,
    DateTime,
    Integer,
    case,
    cast,
    extract,
    func,
    literal,
)
from sqlalchemy.orm import Session

Bind = Connection | Session


class Dates:
    """Date arithmetic in the spelling of the database at hand."""

    def __init__(self, sqlite: bool) -> None:
        self.sqlite = sqlite

    def days_before(self, day: ColumnElement[Any], days: int) -> ColumnElement[Any]:
        if self.sqlite:
            return func.date(day, f"-{int(days)} days", type_=Date)
        return day - literal(days, Integer)

    def months_after(self, day: ColumnElement[Any], months: int) -> ColumnElement[Any]:
        """The same calendar date ``months`` later, or that month's last day (``add_months``)."""
        if self.sqlite:
            shifted = func.date(day, f"+{int(months)} months", type_=Date)
            # SQLite rolls 29 February on into March; the rule stops at the month's end.
            rolled_on = func.strftime("%d", shifted) != func.strftime("%d", day)
            return case(
                (rolled_on, func.date(shifted, "start of month", "-1 day", type_=Date)),
                else_=shifted,
            )
        # PostgreSQL's month arithmetic already stops at the month's last day.
        return cast(day + func.make_interval(0, int(months)), Date)

    def utc_midnight(self, day: ColumnElement[Any], days_later: int = 0) -> ColumnElement[Any]:
        """The start (in UTC) of the day ``days_later`` after ``day``, to compare timestamps with.

        ``incident_on <= day`` is ``occurred_at < utc_midnight(day, 1)``, and a bare
        ``occurred_at`` can use an index where the day worked out of it cannot.
        """
        if self.sqlite:
            # Timestamps are stored as UTC text ("YYYY-MM-DD HH:MM:SS..."), which sorts.
            return func.datetime(day, f"+{int(days_later)} days")
        return func.timezone("UTC", cast(day + literal(days_later, Integer), DateTime))

    def whole_years(self, earlier: Any, later: Any) -> Any:
        """Whole years from ``earlier`` to ``later``, as ``definitions.whole_years``."""

        def year(day: Any) -> Any:
            return cast(extract("year", day), Integer)

        def month_day(day: Any) -> Any:
            if self.sqlite:
                return func.strftime("%m-%d", day)
            return func.to_char(day, "MM-DD")

        not_yet = case((month_day(later) < month_day(earlier), 1), else_=0)
        return year(later) - year(earlier) - not_yet

    def days_between(self, later: ColumnElement[Any], earlier: ColumnElement[Any]) -> Any:
        if self.sqlite:
            return cast(func.julianday(later) - func.julianday(earlier), Integer)
        return cast(later - earlier, Integer)

    def utc_date(self, moment: Any) -> ColumnElement[Any]:
        """The calendar day of a timestamp in UTC (SQLite stores them in UTC already)."""
        if self.sqlite:
            return func.date(moment, type_=Date)
        return cast(func.timezone("UTC", moment), Date)


def _is_sqlite(bind: Bind) -> bool:
    dialect = bind.dialect if isinstance(bind, Connection) else bind.get_bind().dialect
    return dialect.name == "sqlite"


def is_sqlite(bind: Bind) -> bool:
    dialect = bind.dialect if isinstance(bind, Connection) else bind.get_bind().dialect
    return dialect.name == "sqlite"


def midnight(day: date, days_later: int) -> datetime:
    return datetime.combine(day + timedelta(days=days_later), time(0), tzinfo=UTC)


def age_at(
    dates: Dates, held_on: Any, birth_year: Any, estimated_age: Any, estimated_on: Any
) -> Any:
    year = cast(extract("year", held_on), Integer)
    return case(
        (birth_year.is_not(None), year - birth_year),
        (estimated_on.is_not(None), estimated_age + dates.whole_years(estimated_on, held_on)),
        else_=estimated_age,
    )


def count_if(condition: ColumnElement[bool]) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)
