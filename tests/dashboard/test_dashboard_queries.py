"""The dashboard works each hearing's history out once (issue 18, the page budget).

Each hearing's repeat, factors and the rest are kept as facts, worked out
after a change and not on every page (``indicators.facts``). The return, the
cases heard and the repeat rate of the period and of the one before are read
off the eight quarters of the trends whenever the periods are whole quarters.
Counting them again cost most of the page at 100,000 cases.
"""

from __future__ import annotations

import pytest
from sqlalchemy import event

from emarac.clock import today
from emarac.indicators import report
from emarac.indicators.periods import Filters, parse_period, previous_period
from emarac.indicators.views import period_choices
from emarac.synth import generate
from tests.conftest import sign_in


@pytest.fixture
def partnership(db, clock):
    """A small synthetic partnership: a few hundred hearings over three years."""
    summary = generate(db.engine, cases=150, incidents=900, seed=11)
    db.session.expire_all()
    return summary


def _periods() -> dict[str, str]:
    choices = period_choices(today())
    years = [code for code, label in choices if label.startswith("Financial")]
    months = [code for code, label in choices if label.startswith("Month")]
    return {"quarter": report.default_period(today()).code, "year": years[1], "month": months[1]}


@pytest.mark.parametrize("kind", ["quarter", "year", "month"])
def test_the_hearing_facts_are_worked_out_once_and_then_not_again(
    client, make, db, partnership, kind
):
    # The repeat rule and the factors (the costly part) run when the hearing facts
    # are worked out: on the first page after the load, once, and not on the next.
    sign_in(client, make.user(roles=("manager",)))
    seen: list[str] = []

    def watch(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("INSERT INTO hearing_fact"):
            seen.append(statement)

    pages = []
    event.listen(db.engine, "before_cursor_execute", watch)
    try:
        for _ in range(2):
            pages.append(client.get(f"/indicators/?period={_periods()[kind]}").status_code)
            pages.append(len(seen))
    finally:
        event.remove(db.engine, "before_cursor_execute", watch)
    assert pages == [200, 1, 200, 1]


@pytest.mark.parametrize("kind", ["quarter", "year"])
def test_figures_read_off_the_trends_are_the_figures_counted(db, partnership, kind):
    period = parse_period(_periods()[kind], latest=today())
    bind = db.session()
    for chosen in (period, previous_period(period)):
        filters = Filters.for_period(chosen)
        wide = report.queries.quarterly_return(
            bind, report.trend_filters(Filters.for_period(period))
        )
        derived = report.returns_within(wide, filters)
        assert derived is not None
        counted = report._figures(bind, filters, 5000)
        assert report._figures(bind, filters, 5000, derived) == counted
        assert counted.heard.heard > 0  # a test over hearings that exist


def test_a_month_is_not_read_off_quarters(db, partnership):
    month = parse_period(_periods()["month"], latest=today())
    wide = report.queries.quarterly_return(
        db.session(), report.trend_filters(Filters.for_period(month))
    )
    assert report.returns_within(wide, Filters.for_period(month)) is None
