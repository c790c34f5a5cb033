"""Reporting periods and the filters every indicator takes.

A manager chooses a period in one of four forms, each written as a short code
so it can travel in a query string:

- a calendar month, ``2026-03``;
- a calendar quarter, ``2026-Q1`` (January to March);
- a financial year, ``FY2026``, which runs from 1 April 2026 to 31 March 2027;
- a custom range of dates, ``2026-01-05/2026-02-01``, which is widened to
  whole calendar months (here 1 January to 28 February 2026): a range one
  day shorter than another would otherwise differ from it by one case, and
  give that case's details away (see ``whole_months``).

``previous_period`` gives the period to compare against for the "change
against the previous period" headline: the month, quarter or financial year
before, or for a custom range the same number of months (or days, for a
range that is not whole months) ending the day before it starts.
``quarters_between`` lists the calendar quarters a range touches, which is how
trends and the quarterly return are broken down.

The return itself is made by financial quarter: Q1 is April to June, and the
quarters are labelled by financial year, "2025-26 Q1" (``quarter_label``).
A financial quarter is a calendar quarter under another name, so codes stay
calendar ("2025-Q2"), and URLs written before keep working; every page and
export shows the financial label. A quarter may be asked for by its label
too ("2025-26-Q1" or "2025-26 Q1").

Dates are whole days and every range includes both its ends.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from emarac.bounds import EARLIEST_REPORTING, LATEST_ANY, long_date


class PeriodKind(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    FINANCIAL_YEAR = "financial_year"
    CUSTOM = "custom"


MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

# The financial year starts in April: FY2026 is 1 April 2026 to 31 March 2027.
FINANCIAL_YEAR_STARTS = 4


@dataclass(frozen=True)
class Period:
    """A span of whole days, both ends included, and the form it was chosen in."""

    kind: PeriodKind
    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("a period cannot end before it starts")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def code(self) -> str:
        """The short form ``parse_period`` reads back."""
        if self.kind is PeriodKind.MONTH:
            return f"{self.start:%Y-%m}"
        if self.kind is PeriodKind.QUARTER:
            return f"{self.start.year}-Q{_quarter_number(self.start)}"
        if self.kind is PeriodKind.FINANCIAL_YEAR:
            return f"FY{self.start.year}"
        return f"{self.start.isoformat()}/{self.end.isoformat()}"

    @property
    def label(self) -> str:
        """How the period reads on a page: "2025-26 Q4 (January to March 2026)", "March 2026"."""
        if self.kind is PeriodKind.MONTH:
            return f"{MONTH_NAMES[self.start.month - 1]} {self.start.year}"
        if self.kind is PeriodKind.QUARTER:
            first = MONTH_NAMES[self.start.month - 1]
            last = MONTH_NAMES[self.end.month - 1]
            return f"{quarter_label(self.code)} ({first} to {last} {self.start.year})"
        if self.kind is PeriodKind.FINANCIAL_YEAR:
            return f"April {self.start.year} to March {self.end.year}"
        return f"{_long_date(self.start)} to {_long_date(self.end)}"

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class Filters:
    """What every indicator is asked for: a range of days and, optionally, who.

    ``end`` is included. ``area_id`` limits the figures to one MARAC area;
    ``referring_agency_id`` to the cases one agency referred.
    """

    start: date
    end: date
    area_id: uuid.UUID | None = None
    referring_agency_id: uuid.UUID | None = None

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("the filters cannot end before they start")

    @classmethod
    def for_period(
        cls,
        period: Period,
        *,
        area_id: uuid.UUID | None = None,
        referring_agency_id: uuid.UUID | None = None,
    ) -> Filters:
        return cls(period.start, period.end, area_id, referring_agency_id)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def month_period(year: int, month: int) -> Period:
    if not 1 <= month <= 12:
        raise ValueError("a month is numbered 1 to 12")
    start = date(year, month, 1)
    return Period(PeriodKind.MONTH, start, _next_month(start) - timedelta(days=1))


def quarter_period(year: int, quarter: int) -> Period:
    if not 1 <= quarter <= 4:
        raise ValueError("a quarter is numbered 1 to 4")
    start = date(year, 3 * quarter - 2, 1)
    end = _next_month(_next_month(_next_month(start))) - timedelta(days=1)
    return Period(PeriodKind.QUARTER, start, end)


def financial_year(year: int) -> Period:
    start = date(year, FINANCIAL_YEAR_STARTS, 1)
    end = date(year + 1, FINANCIAL_YEAR_STARTS, 1) - timedelta(days=1)
    return Period(PeriodKind.FINANCIAL_YEAR, start, end)


def custom_period(start: date, end: date) -> Period:
    return Period(PeriodKind.CUSTOM, start, end)


def whole_months(start: date, end: date) -> Period:
    """A custom range widened to whole calendar months: from the 1st to the last day of the month.

    Managers may choose any dates, but the figures are only ever published for
    whole months, so two ranges can differ by a month at least, never by a day
    or a single hearing.
    """
    if end < start:
        raise ValueError("a period cannot end before it starts")
    return Period(PeriodKind.CUSTOM, start.replace(day=1), _month_end(end))


def is_whole_months(period: Period) -> bool:
    return period.start.day == 1 and period.end == _month_end(period.end)


def financial_quarter(day: date) -> tuple[int, int]:
    """(first year of the financial year, quarter 1 to 4) of a day: April to June is Q1."""
    first_year = day.year if day.month >= FINANCIAL_YEAR_STARTS else day.year - 1
    return first_year, (day.month - FINANCIAL_YEAR_STARTS) % 12 // 3 + 1


def quarter_label(code: str) -> str:
    """The financial label of a quarter's code: "2025-Q2" (April to June 2025) is "2025-26 Q1".

    Anything that is not a quarter's code comes back as it is.
    """
    match = _QUARTER.fullmatch(code)
    if not match:
        return code
    first_year, number = financial_quarter(date(int(match[1]), 3 * int(match[2]) - 2, 1))
    return f"{first_year}-{(first_year + 1) % 100:02d} Q{number}"


def quarter_containing(day: date) -> Period:
    return quarter_period(day.year, _quarter_number(day))


PERIOD_FORMS = (
    "Enter a period as a month (2026-03), a quarter (2026-Q1 or 2025-26-Q4), "
    "a financial year (FY2026) or a range of dates (2026-01-05/2026-02-01)"
)
_MONTH = re.compile(r"(\d{4})-(\d{2})")
_QUARTER = re.compile(r"(\d{4})-Q([1-4])")
_FINANCIAL_YEAR = re.compile(r"FY(\d{4})")
_FINANCIAL_QUARTER = re.compile(r"(\d{4})-(\d{2})[- ]Q([1-4])")
_CUSTOM = re.compile(r"(\d{4}-\d{2}-\d{2})/(\d{4}-\d{2}-\d{2})")


def latest_reporting_day(today: date) -> date:
    """The last day a period may reach: a year from today (planning ahead, never further)."""
    try:
        return today.replace(year=today.year + 1)
    except ValueError:  # 29 February
        return today.replace(year=today.year + 1, day=28)


def range_problem(start: date, end: date, *, latest: date) -> str | None:
    """Whether a period lies within the days reported on, in words a manager can act on.

    The bound also keeps ``previous_period`` (a period before this one) from
    running off the calendar. A range widened to whole months may reach the
    end of ``latest``'s month.
    """
    if start < EARLIEST_REPORTING or end > _month_end(latest):
        return f"Enter a period from {long_date(EARLIEST_REPORTING)} to {long_date(latest)}"
    return None


def parse_period(text: str, *, latest: date = LATEST_ANY) -> Period:
    """Read a period code; raises ValueError, in words a manager can act on, if it is not one.

    A period that starts before ``EARLIEST_REPORTING`` or ends after ``latest``
    is refused too.
    """
    period = _parse_code(text.strip().upper())
    problem = range_problem(period.start, period.end, latest=latest)
    if problem:
        raise ValueError(problem)
    return period


def _parse_code(code: str) -> Period:
    if match := _CUSTOM.fullmatch(code):
        try:
            start, end = date.fromisoformat(match[1]), date.fromisoformat(match[2])
        except ValueError:
            raise ValueError(PERIOD_FORMS) from None
        if end < start:
            raise ValueError("Enter an end date on or after the start date")
        return whole_months(start, end)
    try:
        if match := _MONTH.fullmatch(code):
            return month_period(int(match[1]), int(match[2]))
        if match := _QUARTER.fullmatch(code):
            return quarter_period(int(match[1]), int(match[2]))
        if match := _FINANCIAL_YEAR.fullmatch(code):
            return financial_year(int(match[1]))
        if match := _FINANCIAL_QUARTER.fullmatch(code):
            first_year = int(match[1])
            if (first_year + 1) % 100 != int(match[2]):
                raise ValueError(PERIOD_FORMS)
            start_month = FINANCIAL_YEAR_STARTS + 3 * (int(match[3]) - 1)
            day = date(first_year + (start_month - 1) // 12, (start_month - 1) % 12 + 1, 1)
            return quarter_containing(day)
    except (ValueError, OverflowError):
        pass
    raise ValueError(PERIOD_FORMS)


def previous_period(period: Period) -> Period:
    """The period just before, of the same kind, to compare a headline figure against."""
    if period.kind is PeriodKind.MONTH:
        last_month = period.start - timedelta(days=1)
        return month_period(last_month.year, last_month.month)
    if period.kind is PeriodKind.QUARTER:
        return quarter_containing(period.start - timedelta(days=1))
    if period.kind is PeriodKind.FINANCIAL_YEAR:
        return financial_year(period.start.year - 1)
    end = period.start - timedelta(days=1)
    if is_whole_months(period):
        months = 12 * (period.end.year - period.start.year) + period.end.month - period.start.month
        first = end.replace(day=1)
        for _ in range(months):
            first = (first - timedelta(days=1)).replace(day=1)
        return Period(PeriodKind.CUSTOM, first, end)
    return custom_period(end - timedelta(days=period.days - 1), end)


def quarters_between(start: date, end: date) -> list[Period]:
    """Every calendar quarter that shares at least one day with ``start`` to ``end``."""
    if end < start:
        raise ValueError("the range cannot end before it starts")
    quarters = [quarter_containing(start)]
    while quarters[-1].end < end:
        quarters.append(quarter_containing(quarters[-1].end + timedelta(days=1)))
    return quarters


def _quarter_number(day: date) -> int:
    return (day.month - 1) // 3 + 1


def _next_month(first_of_month: date) -> date:
    if first_of_month.month == 12:
        return date(first_of_month.year + 1, 1, 1)
    return date(first_of_month.year, first_of_month.month + 1, 1)


def _month_end(day: date) -> date:
    return _next_month(day.replace(day=1)) - timedelta(days=1)


def _long_date(day: date) -> str:
    return f"{day.day} {MONTH_NAMES[day.month - 1]} {day.year}"
