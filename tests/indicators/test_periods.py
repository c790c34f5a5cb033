"""Reporting periods: parsing the codes, the period before, quarters in a range."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest

from emarac.indicators.periods import (
    Filters,
    PeriodKind,
    custom_period,
    parse_period,
    previous_period,
    quarter_label,
    quarters_between,
    whole_months,
)


@pytest.mark.parametrize(
    ("code", "kind", "start", "end", "label"),
    [
        ("2026-03", PeriodKind.MONTH, date(2026, 3, 1), date(2026, 3, 31), "March 2026"),
        ("2024-02", PeriodKind.MONTH, date(2024, 2, 1), date(2024, 2, 29), "February 2024"),
        (
            "2026-Q1",
            PeriodKind.QUARTER,
            date(2026, 1, 1),
            date(2026, 3, 31),
            "2025-26 Q4 (January to March 2026)",
        ),
        (
            "2026-q4",
            PeriodKind.QUARTER,
            date(2026, 10, 1),
            date(2026, 12, 31),
            "2026-27 Q3 (October to December 2026)",
        ),
        (
            "FY2026",
            PeriodKind.FINANCIAL_YEAR,
            date(2026, 4, 1),
            date(2027, 3, 31),
            "April 2026 to March 2027",
        ),
        (
            " 2026-01-01/2026-02-28 ",
            PeriodKind.CUSTOM,
            date(2026, 1, 1),
            date(2026, 2, 28),
            "1 January 2026 to 28 February 2026",
        ),
    ],
)
def test_codes_parse_to_whole_day_ranges(code, kind, start, end, label):
    period = parse_period(code)
    assert (period.kind, period.start, period.end, period.label) == (kind, start, end, label)
    assert parse_period(period.code) == period


@pytest.mark.parametrize(
    "code", ["", "2026", "2026-13", "2026-00", "2026-Q5", "FY26", "2026-02-30/2026-03-01", "May"]
)
def test_anything_else_is_refused_with_a_message(code):
    with pytest.raises(ValueError, match="Enter a period as a month"):
        parse_period(code)


def test_a_range_that_ends_before_it_starts_is_refused():
    with pytest.raises(ValueError, match="Enter an end date on or after the start date"):
        parse_period("2026-02-01/2026-01-05")


@pytest.mark.parametrize(
    ("code", "previous"),
    [
        ("2026-03", "2026-02"),
        ("2026-01", "2025-12"),
        ("2026-Q1", "2025-Q4"),
        ("2026-Q3", "2026-Q2"),
        ("FY2026", "FY2025"),
        ("2026-03-01/2026-03-31", "2026-02-01/2026-02-28"),
        ("2026-02-01/2026-04-30", "2025-11-01/2026-01-31"),
    ],
)
def test_the_previous_period_is_of_the_same_kind_and_ends_the_day_before(code, previous):
    period = parse_period(code)
    before = previous_period(period)
    assert before.code == previous
    assert (period.start - before.end).days == 1


@pytest.mark.parametrize(
    ("code", "start", "end"),
    [
        ("2026-01-05/2026-02-01", date(2026, 1, 1), date(2026, 2, 28)),
        ("2024-02-29/2024-02-29", date(2024, 2, 1), date(2024, 2, 29)),
        ("2025-12-31/2026-01-01", date(2025, 12, 1), date(2026, 1, 31)),
        ("2026-03-01/2026-03-31", date(2026, 3, 1), date(2026, 3, 31)),
    ],
)
def test_a_custom_range_is_widened_to_whole_months(code, start, end):
    period = parse_period(code)
    assert (period.kind, period.start, period.end) == (PeriodKind.CUSTOM, start, end)
    # One day shorter, at either end, asks for the very same figures.
    shorter = parse_period(f"{start + timedelta(days=1)}/{end}")
    assert (shorter.start, shorter.end) == (start, end)
    assert whole_months(start, end - timedelta(days=1)) == period


def test_a_widened_range_may_reach_the_end_of_the_last_months_latest_day():
    assert parse_period("2026-06-01/2026-06-10", latest=date(2026, 6, 10)).end == date(2026, 6, 30)
    with pytest.raises(ValueError, match="Enter a period from"):
        parse_period("2026-06-01/2026-07-01", latest=date(2026, 6, 10))


def test_a_custom_range_is_compared_with_as_many_months_or_days_before_it():
    months = whole_months(date(2026, 3, 1), date(2026, 4, 30))
    assert previous_period(months).code == "2026-01-01/2026-02-28"
    days = custom_period(date(2026, 3, 5), date(2026, 3, 20))
    assert previous_period(days).days == days.days == 16


def test_quarters_between_lists_every_quarter_the_range_touches():
    quarters = quarters_between(date(2026, 2, 15), date(2026, 10, 1))
    assert [q.code for q in quarters] == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    assert [q.code for q in quarters_between(date(2026, 5, 1), date(2026, 5, 1))] == ["2026-Q2"]
    financial = parse_period("FY2026")
    assert [q.code for q in quarters_between(financial.start, financial.end)] == [
        "2026-Q2",
        "2026-Q3",
        "2026-Q4",
        "2027-Q1",
    ]


def test_filters_take_a_period_and_refuse_a_backward_range():
    area = uuid.uuid4()
    filters = Filters.for_period(parse_period("2026-Q1"), area_id=area)
    assert (filters.start, filters.end, filters.area_id, filters.days) == (
        date(2026, 1, 1),
        date(2026, 3, 31),
        area,
        90,
    )
    with pytest.raises(ValueError, match="cannot end before"):
        Filters(date(2026, 2, 1), date(2026, 1, 31))


@pytest.mark.parametrize(
    ("code", "label"),
    [
        ("2025-Q2", "2025-26 Q1"),
        ("2025-Q3", "2025-26 Q2"),
        ("2025-Q4", "2025-26 Q3"),
        ("2026-Q1", "2025-26 Q4"),
        ("1999-Q4", "1999-00 Q3"),
        ("2026-03", "2026-03"),
    ],
)
def test_quarters_are_labelled_as_financial_quarters(code, label):
    assert quarter_label(code) == label


@pytest.mark.parametrize(
    ("text", "code"),
    [("2025-26-Q1", "2025-Q2"), ("2025-26 q4", "2026-Q1"), ("2026-27-Q3", "2026-Q4")],
)
def test_a_quarter_can_be_asked_for_by_its_financial_label(text, code):
    assert parse_period(text).code == code


def test_a_financial_label_must_name_consecutive_years():
    with pytest.raises(ValueError, match="Enter a period"):
        parse_period("2025-27-Q1")
