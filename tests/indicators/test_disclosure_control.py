"""Disclosure control that holds: no hidden figure can be worked out from the published ones.

A small area is generated once. For every period the dashboard offers (eight
quarters, three financial years, twelve months) and a few custom ranges, and
for every area and referring-agency filter, the dashboard is built twice: as
published, and with suppression switched off (the true values, laid out the
same way). Every published number and every hidden one is tagged with what
it counts (its *family*), the filters, and the span of days it covers.

What the test counts as an attack, and why that is fair:

1. Within one page, the lines that add up on it (a field's quarters and its
   total; the referral sources and the cases in a column; the headline and
   the return's total; the headline and the trend quarters of the same span)
   are solved as far as they go: any line with exactly one unknown gives it
   up, and that may open another line. No figure shown as "<5" may fall out.
2. Across every page and export, within one family and one set of filters:
   no hidden value may be published elsewhere for the same span, nor be the
   sum of two published values whose spans join to make its span, nor the
   difference of two whose spans differ by exactly its span. The spans must
   fit, not only the numbers: in a family of a few hundred numbers, some two
   always differ by 3 by chance, and a reader cannot tell a chance from a fit.
3. A published percentage with its denominator published for the same span
   publishes its numerator and its complement (to the nearest whole case).
   These are added to (2) as published numbers.

Families are the quantities that add up over time: cases heard (the
headline, the return's "cases discussed" and the trends' "cases heard" are
one family), each return field, each factor, each agency's referrals, each
process count. Numbers of different families are not added to each other,
except through the lines of (1), where the sum is a published fact (the
sources add up to the cases).

Not covered, and said so in the indicators' documentation: relations of more
than two numbers across pages (a quarter from its three months), the sum of
every agency's page against the all-agency page, and the difference of two
custom ranges of whole months.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from emarac.agencies.models import Area
from emarac.indicators import definitions, queries, report
from emarac.indicators.disclosure import WITHHELD
from emarac.indicators.periods import (
    Filters,
    Period,
    parse_period,
    quarter_label,
    quarters_between,
    whole_months,
)
from emarac.indicators.views import CUSTOM, period_choices
from emarac.referrals.models import Referral
from emarac.risk.models import AreaReferralSource
from emarac.synth import generate

Span = tuple[date, date]
FilterKey = tuple[uuid.UUID | None, uuid.UUID | None]

CASES = "cases"
RATE_PARTS = {
    # rate family: (numerator family, complement family); the denominator is the cases.
    "rate:repeat": ("Repeat cases", None),
    "rate:not police": (None, "Referrals from the police"),
}


@dataclass
class Figure:
    family: str
    filters: FilterKey
    span: Span
    shown: str
    true: str

    @property
    def hidden(self) -> bool:
        return self.shown.startswith((definitions.SUPPRESSED, WITHHELD))

    @property
    def primary(self) -> bool:
        return self.shown.startswith(definitions.SUPPRESSED)

    @property
    def value(self) -> float:
        return number(self.true)


def number(text: str) -> float:
    return float(text.split()[0].rstrip("%"))


def is_number(text: str) -> bool:
    try:
        number(text)
    except (ValueError, IndexError):
        return False
    return True


# --- reading a dashboard into figures ---------------------------------------------


def clip(quarter: str, period: Period) -> Span:
    q = parse_period(quarter)
    return (max(q.start, period.start), min(q.end, period.end))


def in_trend(quarter: str, trend_end: date) -> Span:
    """A trend row's span: its quarter, up to the day the trend's figures end."""
    q = parse_period(quarter)
    return (q.start, min(q.end, trend_end))


HEADLINE_FAMILIES = {
    "Cases heard": CASES,
    "Repeat rate": "rate:repeat",
    "Referrals from partners other than police": "rate:not police",
    "Actions completed on time": "rate:actions",
}
TREND_FAMILIES = {"Cases heard": CASES, "Repeat rate": "rate:repeat"}
OUT_OF = {"hearings": "hearings from referrals", "actions": "actions due"}


def figures_of(shown: report.Dashboard, true: report.Dashboard, key: FilterKey) -> list[Figure]:
    """Every count and percentage the page publishes, paired with its true value."""
    period, previous = shown.period, shown.previous
    found: list[Figure] = []

    def add(family: str | None, span: Span, a: str, b: str) -> None:
        if family and (is_number(a) or a.startswith((definitions.SUPPRESSED, WITHHELD))):
            found.append(Figure(family, key, span, a, b))

    for h, t in zip(shown.headlines, true.headlines, strict=True):
        family = HEADLINE_FAMILIES.get(h.label)
        add(family, (period.start, period.end), h.value, t.value)
        add(family, (previous.start, previous.end), h.previous, t.previous)
    trend_end = report.trend_filters(shown.filters).end
    for table, raw in zip(tables(shown), tables(true), strict=True):
        found += table_figures(table, raw, period, key, trend_end)
    return found


def tables(board: report.Dashboard) -> list[report.Table]:
    return [*board.trends, board.quarterly_return, board.process, board.referrers]


def table_figures(
    table: report.Table, raw: report.Table, period: Period, key: FilterKey, trend_end: date
) -> Iterator[Figure]:
    span = (period.start, period.end)
    for row, true_row in zip(table.rows, raw.rows, strict=True):
        for column, cell, true_cell in zip(table.columns, row, true_row, strict=True):
            family, where = place(table.key, column, row[0], period, trend_end)
            if family and (is_number(cell) or cell.startswith((definitions.SUPPRESSED, WITHHELD))):
                yield Figure(family, key, where or span, cell, true_cell)


def place(
    table: str, column: str, first: str, period: Period, trend_end: date
) -> tuple[str | None, Span | None]:
    """The family and span of one cell, or (None, None) for a label or a non-count."""
    if table == "quarterly-return":
        if column == "Field":
            return None, None
        span = (period.start, period.end) if column == report.TOTAL else clip(column, period)
        if first.startswith("Share of referrals"):
            return "rate:not police", span
        return (CASES if first == "Cases discussed" else first), span
    if table.endswith("-trend"):
        if column in ("Quarter", "Records"):
            return None, None
        if table == "sources-trend":  # the same figures as the return's finer sources
            return f"Referral source: {column}", in_trend(first, trend_end)
        family = TREND_FAMILIES.get(column, column)
        return (family if table != "factors-trend" or family == CASES else f"factor:{family}"), (
            in_trend(first, trend_end)
        )
    if table == "process":
        if column == "Out of":
            return next((f for word, f in OUT_OF.items() if word in first.lower()), None), None
        if column == "Figure" and first.startswith(("Cases deferred", "Cases withdrawn")):
            return f"count:{first}", None
        if column == "Figure" and "percentile" not in first and "Median" not in first:
            return f"rate:{first}", None
        return None, None
    if table == "referrers" and column == "Referrals":
        return f"referrals:{first}", None
    return None, None


# --- the attacks -------------------------------------------------------------------


def page_lines(board: report.Dashboard, raw: report.Dashboard) -> list[list[tuple[str, str]]]:
    """Lines that add up on one page, each a list of (shown, true) cells, total last."""
    ret, raw_ret = board.quarterly_return, raw.quarterly_return
    rows = {r[0]: (r[1:], q[1:]) for r, q in zip(ret.rows, raw_ret.rows, strict=True)}
    lines = []
    for label, (cells, true) in rows.items():
        if not label.startswith("Share"):
            lines.append(list(zip(cells, true, strict=True)))
    # Both the national return's sources and the finer ones add up to the cases.
    for prefix in ("Referrals from", "Referral source: "):
        sources = [label for label in rows if label.startswith(prefix)]
        for i in range(len(ret.columns) - 1):
            parts = [(rows[s][0][i], rows[s][1][i]) for s in sources]
            cases = (rows["Cases discussed"][0][i], rows["Cases discussed"][1][i])
            lines.append([*parts, cases])
    heard = board.headlines[0], raw.headlines[0]
    total = (rows["Cases discussed"][0][-1], rows["Cases discussed"][1][-1])
    lines.append([total, (heard[0].value, heard[1].value)])
    # The trend quarters inside the period add up to the headline when the
    # period is whole quarters.
    # Rows and columns are labelled by financial quarter ("2026-27 Q1").
    quarters = [
        quarter_label(q.code) for q in quarters_between(board.period.start, board.period.end)
    ]
    span = (parse_period(quarters[0]).start, parse_period(quarters[-1]).end)
    if span == (board.period.start, board.period.end):
        trend, raw_trend = board.trends[1], raw.trends[1]
        parts = [
            (r[1], q[1])
            for r, q in zip(trend.rows, raw_trend.rows, strict=True)
            if r[0] in quarters
        ]
        lines.append([*parts, (heard[0].value, heard[1].value)])
    # In the sources trend each quarter's sources add up to its cases heard.
    volume, raw_volume = board.trends[1], raw.trends[1]
    sources_trend, raw_sources = board.trends[2], raw.trends[2]
    assert sources_trend.key == "sources-trend"
    for shown, true, heard_row, true_heard in zip(
        sources_trend.rows, raw_sources.rows, volume.rows, raw_volume.rows, strict=True
    ):
        lines.append([*zip(shown[1:], true[1:], strict=True), (heard_row[1], true_heard[1])])
    return lines


def solve_page(lines: list[list[tuple[str, str]]]) -> list[str]:
    """Peel every line with one unknown; the "<5" cells that fall out (their true values)."""
    known: set[int] = set()
    cell_ids: dict[int, tuple[str, str]] = {}
    id_lines = []
    for line in lines:
        ids = []
        for cell in line:
            ident = id(cell)
            cell_ids[ident] = cell
            ids.append(ident)
            if not cell[0].startswith((definitions.SUPPRESSED, WITHHELD)):
                known.add(ident)
        id_lines.append(ids)
    # The same figure appears in two lines as two tuples: tie them by position.
    changed = True
    revealed = []
    while changed:
        changed = False
        for ids in id_lines:
            unknown = [i for i in ids if i not in known]
            if len(unknown) == 1:
                known.add(unknown[0])
                changed = True
                if cell_ids[unknown[0]][0].startswith(definitions.SUPPRESSED):
                    revealed.append(cell_ids[unknown[0]][1])
    return revealed


def derived(figures: list[Figure]) -> list[Figure]:
    """Numerators and complements that a published percentage and its denominator give away."""
    shown_cases = {
        (f.filters, f.span): f.value for f in figures if f.family == CASES and not f.hidden
    }
    extra = []
    for f in figures:
        parts = RATE_PARTS.get(f.family)
        if not parts or f.hidden or (f.filters, f.span) not in shown_cases:
            continue
        cases = shown_cases[(f.filters, f.span)]
        numerator = round(number(f.shown) * cases / 100)
        for family, value in zip(parts, (numerator, cases - numerator), strict=True):
            if family:
                extra.append(Figure(family, f.filters, f.span, str(value), str(value)))
    return extra


def leaks_across_pages(figures: list[Figure]) -> list[str]:
    """Hidden values equal to one published value, or to the sum or difference of two."""
    published: dict[tuple[str, FilterKey], dict[Span, float]] = defaultdict(dict)
    secrets: dict[tuple[str, FilterKey], dict[Span, float]] = defaultdict(dict)
    for f in figures:
        if f.family.startswith("rate:"):
            continue
        (secrets if f.primary else published)[(f.family, f.filters)][f.span] = f.value
    found = []
    for group, hidden in secrets.items():
        shown = published.get(group, {})
        by_start: dict[date, list[Span]] = defaultdict(list)
        by_end: dict[date, list[Span]] = defaultdict(list)
        for span in shown:
            by_start[span[0]].append(span)
            by_end[span[1]].append(span)
        day = timedelta(days=1)
        for (start, end), value in hidden.items():
            ways = []
            if (start, end) in shown:
                ways.append(shown[(start, end)])
            for a in by_start[start]:
                rest = (a[1] + day, end)
                if a[1] < end and rest in shown:
                    ways.append(shown[a] + shown[rest])
                longer = (end + day, a[1])
                if a[1] > end and longer in shown:
                    ways.append(shown[a] - shown[longer])
            for a in by_end[end]:
                longer = (a[0], start - day)
                if a[0] < start and longer in shown:
                    ways.append(shown[a] - shown[longer])
            if value in ways:
                found.append(f"{group[0]} {start}..{end} ({group[1]}) = {value:g}")
    return found


# --- building every page -----------------------------------------------------------


def offered_periods(on: date) -> list[Period]:
    periods = [parse_period(code) for code, _ in period_choices(on) if code != CUSTOM]
    # Custom ranges: the attack's own (one day shorter) and a few whole-month spans.
    periods += [
        whole_months(date(2026, 1, 1), date(2026, 3, 31)),
        whole_months(date(2026, 1, 2), date(2026, 3, 31)),
        whole_months(date(2025, 11, 1), date(2026, 2, 14)),
    ]
    return periods


QUERIES = (
    "actions_on_time",
    "attendance",
    "cases_heard",
    "days_to_hearing",
    "factors",
    "quarterly_return",
    "referrals_by_agency",
    "repeat_rate",
    "research_response",
    "return_details",
)

# Every finer referral source reachable, so that its lines can have one hidden
# figure (by default substance misuse and mental health are always 0).
EVERY_SOURCE = {
    "youth_offending": "substance_misuse",
    "victim_support": "mental_health",
    "fire_and_rescue": "specialist_da",
}


@pytest.fixture
def queried_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each query asked once per set of filters: the data is read-only for the whole test.

    Both builds of a page, and the pages whose previous period or trend span
    is another's, ask the same questions.
    """
    for name in QUERIES:
        original = getattr(queries, name)
        answers: dict[Any, Any] = {}

        def once(
            bind: Any, *args: Any, _original: Any = original, _answers: Any = answers, **kwargs: Any
        ) -> Any:
            key = (args, tuple(sorted(kwargs.items())))
            if key not in _answers:
                _answers[key] = _original(bind, *args, **kwargs)
            return _answers[key]

        monkeypatch.setattr(queries, name, once)


@pytest.fixture
def unsuppressed(monkeypatch: pytest.MonkeyPatch) -> Any:
    """A switch that builds the same dashboard with nothing hidden (the true values)."""

    def build(*args: Any, **kwargs: Any) -> report.Dashboard:
        with monkeypatch.context() as patch:
            patch.setattr(definitions, "SUPPRESS_BELOW", 0)
            patch.setattr(report, "SUPPRESS_BELOW", 0)
            return report.build(*args, **kwargs)

    return build


@pytest.mark.slow
def test_no_hidden_figure_can_be_worked_out_from_published_ones(
    db, clock, queried_once, unsuppressed
):
    generate(db.engine, cases=60, incidents=300, seed=15)
    db.session.expire_all()
    session = db.session()
    areas = list(session.scalars(select(Area.id)))
    for area_id in areas:
        for kind, source in EVERY_SOURCE.items():
            session.add(AreaReferralSource(area_id=area_id, agency_kind=kind, source=source))
    session.commit()
    # The three agencies that referred most: each agency's page is one more
    # dashboard, and the busiest have small figures and large ones alike.
    agencies = list(
        session.scalars(
            select(Referral.referring_agency_id)
            .group_by(Referral.referring_agency_id)
            .order_by(func.count().desc(), Referral.referring_agency_id)
            .limit(3)
        )
    )
    filter_keys: list[FilterKey] = [
        (None, None),
        *((a, None) for a in areas),
        *((None, g) for g in agencies),
    ]
    figures: list[Figure] = []
    page_leaks: list[str] = []
    hidden_seen = 0
    for period in offered_periods(clock.now.date()):
        for area_id, agency_id in filter_keys:
            args = dict(area_id=area_id, referring_agency_id=agency_id, population=50_000)
            board = report.build(session, period, **args)
            raw = unsuppressed(session, period, **args)
            page = figures_of(board, raw, (area_id, agency_id))
            hidden_seen += sum(1 for f in page if f.primary)
            figures += page
            page_leaks += [f"{period.code}: {v}" for v in solve_page(page_lines(board, raw))]
            assert_exports_publish_only_the_page(board, session, period, area_id, agency_id)
    assert hidden_seen > 50, "the area is too big to test suppression"
    assert not page_leaks
    assert not leaks_across_pages(figures + derived(figures))


def assert_exports_publish_only_the_page(board, session, period, area_id, agency_id):
    """The CSV exports are the page's tables, cell for cell: nothing more to collect."""
    filters = Filters.for_period(period, area_id=area_id, referring_agency_id=agency_id)
    page = [*board.trends, board.process, board.referrers]
    exported = report.to_csv(report.trend_tables(session, filters))
    assert exported == report.to_csv(page)
    assert report.to_csv([report.quarterly_return_table(session, filters)]) == report.to_csv(
        [board.quarterly_return]
    )
    assert next(csv.reader(io.StringIO(exported)))


# --- the three attacks found, as regression tests ------------------------------------


def returns(year: int, quarters: list[dict[str, int]]) -> list[definitions.QuarterlyReturn]:
    """A financial year's return from hand-written quarters (cases and police, the rest 0)."""
    codes = [q.code for q in quarters_between(date(year, 4, 1), date(year + 1, 3, 31))]
    rows = []
    for code, q in zip(codes, quarters, strict=True):
        sources = definitions.ReferralSources(police=q["police"], idva=q["cases"] - q["police"])
        rows.append(
            definitions.QuarterlyReturn(
                quarter=code,
                meetings=6,
                cases_discussed=q["cases"],
                repeat_cases=q.get("repeats", 0),
                children=0,
                referrals=sources,
                victims_bame=0,
                victims_lgbt=0,
                victims_disabled=0,
                victims_male=0,
                victims_aged_16_17=0,
                perpetrators_17_or_under=0,
            )
        )
    return rows


FY = parse_period("FY2025")
FY_FILTERS = Filters.for_period(FY)


def test_attack_a_the_years_headline_minus_the_quarters_shown():
    # Q3 had 3 cases: the quarters shown and the year's total would give it back.
    year = returns(
        2025,
        [
            {"cases": 20, "police": 10},
            {"cases": 18, "police": 9},
            {"cases": 3, "police": 1},
            {"cases": 22, "police": 11},
        ],
    )
    protected = report.protect_return(FY_FILTERS, year)
    assert protected.text("cases_discussed", "2025-Q4") == "<5"
    assert protected.text("cases_discussed") == WITHHELD
    table = report._return_table(FY_FILTERS, year)
    cases_row = next(r for r in table.rows if r[0] == "Cases discussed")
    assert cases_row[1:] == ("20", "18", "<5", "22", WITHHELD)
    # The headline reads the same withheld total, so it cannot be the way in.
    figures = report.Figures(
        heard=definitions.Volume(heard=63, days=FY.days),
        repeat=definitions.RepeatRate(heard=63, repeats=0, by_quarter=()),
        returns=tuple(year),
        days=definitions.DaysToHearing(hearings=0, median=None, p90=None),
        actions=definitions.ActionsOnTime(due=0, on_time=0, late=0, cannot=0, still_open=0),
        protected=protected,
    )
    heard = report._headlines(figures, figures)[0]
    assert (heard.value, heard.previous, heard.change) == (WITHHELD, WITHHELD, "Not comparable")


def test_attack_b_a_custom_range_one_day_shorter_asks_for_the_same_figures():
    longer = parse_period("2026-01-01/2026-03-31")
    for shorter in ("2026-01-02/2026-03-31", "2026-01-01/2026-03-30"):
        assert parse_period(shorter) == longer
    assert whole_months(date(2026, 1, 1), date(2026, 3, 30)) == longer


def test_attack_b_on_the_page_the_shorter_range_shows_the_same_page(client, make, db, clock):
    from tests.conftest import sign_in

    sign_in(client, make.user(roles=("manager",)))
    one = "/indicators/?period=custom&start=1&start=1&start=2026&end=31&end=3&end=2026"
    other = "/indicators/?period=custom&start=2&start=1&start=2026&end=30&end=3&end=2026"
    first, second = (client.get(url).get_data(as_text=True) for url in (one, other))
    assert "1 January 2026 to 31 March 2026" in second
    assert "whole calendar months" in second
    assert ("period", "1 January 2026 to 31 March 2026") in figures_on(second)
    assert figures_on(first) == figures_on(second)


def figures_on(page: str) -> list[tuple[str, str]]:
    """The period, headlines and every table of a page, as text, by their test ids."""
    soup = BeautifulSoup(page, "html.parser")
    return [
        (tag["data-testid"], tag.get_text(" ", strip=True)) for tag in soup.select("[data-testid]")
    ]


def test_attack_c_a_percentage_whose_complement_is_small():
    # 17 of 20 referrals not from the police: the share and the total give the 3 back.
    assert report.rate_text(17, 20) == "<5"
    quarter = returns(
        2025,
        [
            {"cases": 20, "police": 3},
            {"cases": 20, "police": 10},
            {"cases": 20, "police": 10},
            {"cases": 20, "police": 10},
        ],
    )
    protected = report.protect_return(FY_FILTERS, quarter)
    assert protected.text("referrals.police", "2025-Q2") == "<5"
    assert protected.share("2025-Q2") == "<5"
    # The year's share: its police total is withheld (one small quarter), so
    # the share would give the total back, and with it the small quarter.
    assert protected.text("referrals.police") == WITHHELD
    assert protected.share() == WITHHELD
    assert report._share_value(protected) is None


def test_a_lone_small_finer_source_withholds_the_next_smallest_in_the_return_and_trend():
    # One quarter: every finer source has 6 to 16 cases but mental health, with 2.
    (quarter,) = returns(2025, [{"cases": 106, "police": 16}] * 4)[:1]
    counts = dict.fromkeys(definitions.SOURCE_CODES, 9)
    counts.update(police=16, mental_health=2, education=6, other=10)
    assert sum(counts.values()) == 106
    details = definitions.ReturnDetails(
        quarter.quarter,
        tuple(counts[code] for code in definitions.SOURCE_CODES),
        0,
        (0, 0, 0, 0),
        0,
        0,
    )
    q1 = Filters.for_period(parse_period(quarter.quarter))
    protected = report.protect_return(q1, [quarter], [details])
    assert protected.text("source.mental_health", quarter.quarter) == definitions.SUPPRESSED
    # Education is the smallest shown: withheld, so 106 minus the rest gives nothing away.
    assert protected.text("source.education", quarter.quarter) == WITHHELD
    assert protected.text("source.police", quarter.quarter) == "16"
    trend = report._sources_trend(
        {quarter.quarter: details}, {quarter.quarter: quarter}, [quarter.quarter]
    )
    (row,) = trend.rows
    shown = dict(zip(trend.columns, row, strict=True))
    assert shown["Mental health"] == definitions.SUPPRESSED
    assert shown["Education"] == WITHHELD
    assert trend.chart_data["Education"] == [None]
