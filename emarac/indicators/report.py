"""The managers' dashboard and exports, built from the indicator queries.

Every figure leaves here already suppressed: a count under 5 becomes "<5", and
so does a percentage either of whose counts is under 5. Pages, charts and CSV
files all read these display values, so none of them can show a small number.
Charts get ``None`` (a gap) where the table says "<5".
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Protocol, TypeVar

from sqlalchemy import select

from emarac.agencies.models import Agency
from emarac.indicators import definitions, disclosure, queries
from emarac.indicators.definitions import (
    BUCKETS,
    FACTORS,
    SUPPRESS_BELOW,
    ActionsOnTime,
    DaysToHearing,
    FactorCounts,
    QuarterlyReturn,
    ReferralSources,
    RepeatQuarter,
    RepeatRate,
    ReturnDetails,
    Volume,
    suppress,
    suppress_rate,
)
from emarac.indicators.periods import (
    Filters,
    Period,
    previous_period,
    quarter_label,
    quarters_between,
)
from emarac.risk.return_sources import RETURN_SOURCES, SOURCE_CODES, SOURCE_LABELS

TREND_QUARTERS = 8
LOW, HIGH = definitions.EXPECTED_REPEAT_PERCENT
EXPECTED_REPEATS = f"Well-run MARACs expect {LOW} to {HIGH}%"
INCOMPLETE = "Records incomplete"

FACTOR_LABELS = {
    "perpetrator_alcohol": "Perpetrator: alcohol",
    "perpetrator_drugs": "Perpetrator: drugs",
    "perpetrator_mental_health": "Perpetrator: mental health",
    "abuser_problems_checklist": "Abuser's alcohol, drugs or mental health",
    "incident_alcohol_or_drugs": "Alcohol or drugs at an incident",
    "victim_alcohol": "Victim: alcohol",
    "victim_drugs": "Victim: drugs",
    "victim_mental_health": "Victim: mental health",
    "pregnancy": "Pregnancy",
    "separation": "Separation",
    "child_contact": "Child contact",
    "financial_dependence": "Financial dependence",
}


def count_text(n: int) -> str:
    return str(suppress(n))


def rate_text(numerator: int, denominator: int) -> str:
    value = suppress_rate(numerator, denominator)
    return value if isinstance(value, str) else f"{value:.1f}%"


def chart_value(n: int) -> int | None:
    return None if n < SUPPRESS_BELOW else n


def chart_rate(numerator: int, denominator: int) -> float | None:
    value = suppress_rate(numerator, denominator)
    return None if isinstance(value, str) else round(value, 1)


@dataclass(frozen=True)
class Headline:
    label: str
    value: str
    previous: str
    change: str
    note: str = ""  # what to read the figure against, such as the expected band


@dataclass(frozen=True)
class Table:
    """A table as the page, the chart and the CSV all see it."""

    key: str
    caption: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    chart: str | None = None  # "line" or "bar": which chart the page draws from it
    chart_data: dict[str, list[float | None]] = field(default_factory=dict)

    def csv_rows(self) -> Iterable[Sequence[str]]:
        yield self.columns
        yield from self.rows


@dataclass(frozen=True)
class Dashboard:
    period: Period
    previous: Period
    filters: Filters
    headlines: tuple[Headline, ...]
    trends: tuple[Table, ...]
    quarterly_return: Table
    process: Table
    referrers: Table
    records_begin: date | None = None  # the area's first referral

    @property
    def factor_sources(self) -> tuple[tuple[str, str], ...]:
        """Each factor's name on the page and where its figures come from."""
        return tuple((FACTOR_LABELS[f], definitions.FACTOR_SOURCES[f]) for f in FACTORS)

    @property
    def incomplete(self) -> bool:
        """The period starts before the area's records began: its repeat rate is not comparable."""
        return self.records_begin is None or self.period.start < self.records_begin


def _change(now: float | None, before: float | None, *, unit: str) -> str:
    if now is None or before is None:
        return "Not comparable"
    delta = now - before
    if abs(delta) < 0.05:
        return "No change"
    word = "Up" if delta > 0 else "Down"
    amount = f"{abs(delta):.1f}" if unit == "points" else f"{abs(delta):.0f}"
    return f"{word} {amount}{' points' if unit == 'points' else ''}"


def _count_or_none(n: int) -> float | None:
    return None if n < SUPPRESS_BELOW else float(n)


def _rate_or_none(numerator: int, denominator: int) -> float | None:
    value = suppress_rate(numerator, denominator)
    return None if isinstance(value, str) else value


@dataclass(frozen=True)
class Figures:
    """One period's results that several parts of the dashboard read, queried once."""

    heard: Volume
    repeat: RepeatRate
    returns: tuple[QuarterlyReturn, ...]
    days: DaysToHearing
    actions: ActionsOnTime
    protected: ProtectedReturn


def _figures(
    bind: queries.Bind,
    filters: Filters,
    population: int | None,
    returns: tuple[QuarterlyReturn, ...] | None = None,
) -> Figures:
    """The period's figures; from ``returns`` (its quarters' returns) when already known."""
    if returns is None:
        returns = queries.quarterly_return(bind, filters)
        heard = queries.cases_heard(bind, filters, population=population)
        repeat = queries.repeat_rate(bind, filters)
    else:
        heard = Volume(
            heard=sum(r.cases_discussed for r in returns), days=filters.days, population=population
        )
        repeat = repeat_of(returns)
    return Figures(
        heard=heard,
        repeat=repeat,
        returns=returns,
        protected=protect_return(filters, returns),
        days=queries.days_to_hearing(bind, filters),
        actions=queries.actions_on_time(bind, filters),
    )


def _headlines(now: Figures, before: Figures) -> tuple[Headline, ...]:
    """The headline figures now and before; each hidden wherever the return hides its total.

    Cases heard is the return's "cases discussed" total, and the yearly rate
    per 10,000 women is that total times a constant, so both follow it. The
    repeat rate times the cases gives the repeats back, so it follows both.
    """
    days_now, days_before = now.days, before.days
    actions_now, actions_before = now.actions, before.actions

    def heard(figures: Figures) -> str:
        return figures.protected.text(CASES)

    def heard_value(figures: Figures) -> float | None:
        return None if figures.protected.hidden(CASES) else float(figures.heard.heard)

    def per_women(figures: Figures) -> str:
        rate = figures.heard.per_10000_women
        if rate is None:
            return "Population not set"
        if figures.protected.hidden(CASES):
            return f"{figures.protected.text(CASES)} cases"
        return f"{rate:.1f}"

    def per_women_value(figures: Figures) -> float | None:
        return None if figures.protected.hidden(CASES) else figures.heard.per_10000_women

    def repeat_rate(figures: Figures) -> str:
        protected = figures.protected
        text = rate_text(protected.values[(REPEATS, TOTAL)], protected.values[(CASES, TOTAL)])
        if text != definitions.SUPPRESSED and protected.rate_value(REPEATS) is None:
            return disclosure.WITHHELD
        return text

    return (
        Headline(
            "Cases heard",
            heard(now),
            heard(before),
            _change(heard_value(now), heard_value(before), unit="n"),
        ),
        Headline(
            "Repeat rate",
            repeat_rate(now),
            repeat_rate(before),
            _change(
                now.protected.rate_value(REPEATS),
                before.protected.rate_value(REPEATS),
                unit="points",
            ),
            note=EXPECTED_REPEATS,
        ),
        Headline(
            "Cases a year per 10,000 women (benchmark 40)",
            per_women(now),
            per_women(before),
            _change(per_women_value(now), per_women_value(before), unit="points"),
        ),
        Headline(
            "Referrals from partners other than police",
            now.protected.share(),
            before.protected.share(),
            _change(_share_value(now.protected), _share_value(before.protected), unit="points"),
        ),
        Headline(
            "Median days from referral to hearing",
            _days_text(days_now.median, days_now.hearings),
            _days_text(days_before.median, days_before.hearings),
            _change(_days_value(days_now), _days_value(days_before), unit="n"),
        ),
        _rate_headline(
            "Actions completed on time",
            (actions_now.on_time, actions_now.due),
            (actions_before.on_time, actions_before.due),
        ),
    )


def _share_value(protected: ProtectedReturn) -> float | None:
    if protected.hidden(POLICE) or protected.hidden(CASES):
        return None
    cases = protected.values[(CASES, TOTAL)]
    return _rate_or_none(cases - protected.values[(POLICE, TOTAL)], cases)


def _rate_headline(label: str, now: tuple[int, int], before: tuple[int, int]) -> Headline:
    """A percentage now and in the previous period (numerator, denominator each)."""
    return Headline(
        label,
        rate_text(*now),
        rate_text(*before),
        _change(_rate_or_none(*now), _rate_or_none(*before), unit="points"),
    )


def _days_shown(hearings: int, value: int | None) -> bool:
    return value is not None and hearings >= SUPPRESS_BELOW


def _days_value(days: DaysToHearing) -> float | None:
    if days.median is None or days.hearings < SUPPRESS_BELOW:
        return None
    return float(days.median)


def _days_text(value: int | None, hearings: int) -> str:
    if not _days_shown(hearings, value):
        return "<5 hearings" if hearings else "No hearings"
    return f"{value} days"


def _sources(returns: Iterable[QuarterlyReturn]) -> ReferralSources:
    totals = dict.fromkeys(BUCKETS, 0)
    for row in returns:
        for bucket in BUCKETS:
            totals[bucket] += getattr(row.referrals, bucket)
    return ReferralSources(**totals)


def trend_filters(filters: Filters) -> Filters:
    """The eight whole calendar quarters up to the one the chosen period ends in.

    Whole quarters, even when the period ends mid-quarter: a quarter cut at
    the period's end would differ from the same quarter on the next month's
    page by exactly one month, which gives away a month that is suppressed.
    """
    last = quarters_between(filters.end, filters.end)[0]
    start = last.start
    for _ in range(TREND_QUARTERS - 1):
        start = quarters_between(start - timedelta(days=1), start - timedelta(days=1))[0].start
    return Filters(start, last.end, filters.area_id, filters.referring_agency_id)


def repeat_of(returns: Sequence[QuarterlyReturn]) -> RepeatRate:
    """The repeat rate read off quarterly returns: a return counts the cases heard
    (``cases_discussed``) and the repeats among them, quarter by quarter."""
    quarters = tuple(RepeatQuarter(r.quarter, r.cases_discussed, r.repeat_cases) for r in returns)
    return RepeatRate(
        heard=sum(q.heard for q in quarters),
        repeats=sum(q.repeats for q in quarters),
        by_quarter=quarters,
    )


class _Quarterly(Protocol):
    @property
    def quarter(self) -> str: ...


_Row = TypeVar("_Row", bound=_Quarterly)


def returns_within(rows: Sequence[_Row], filters: Filters) -> tuple[_Row, ...] | None:
    """The rows (returns, return details) of the quarters ``filters`` spans, or None unless
    it is whole quarters that are all among ``rows`` (a month, say, must be counted on its own)."""
    quarters = quarters_between(filters.start, filters.end)
    by_code = {r.quarter: r for r in rows}
    if quarters[0].start != filters.start or quarters[-1].end != filters.end:
        return None
    if any(q.code not in by_code for q in quarters):
        return None
    return tuple(by_code[q.code] for q in quarters)


def _trends(
    bind: queries.Bind,
    filters: Filters,
    returns: Sequence[QuarterlyReturn] | None = None,
    records_begin: date | None = None,
    details: Sequence[ReturnDetails] | None = None,
) -> tuple[Table, ...]:
    """The eight-quarter trend tables: repeat rate, volume, referral sources, factors.

    ``returns`` and ``details`` are the eight quarters' returns and return details
    when the caller has them already.
    A quarter that starts before ``records_begin`` (the area's first referral)
    is marked as one whose records are incomplete.
    """
    wide = trend_filters(filters)
    quarters = [q.code for q in quarters_between(wide.start, wide.end)]
    if returns is None:
        returns = queries.quarterly_return(bind, wide)
    if details is None:
        details = queries.return_details(bind, wide)
    incomplete = {
        q.code
        for q in quarters_between(wide.start, wide.end)
        if records_begin is None or q.start < records_begin
    }
    by_quarter = {r.quarter: r for r in returns}
    return (
        _repeat_trend(repeat_of(returns), quarters, incomplete),
        _volume_trend(by_quarter, quarters),
        _sources_trend({d.quarter: d for d in details}, by_quarter, quarters),
        _factor_trend({f.quarter: f for f in queries.factors(bind, wide)}, quarters),
    )


def _repeat_trend(
    repeat: RepeatRate, quarters: Sequence[str], incomplete: Iterable[str] = ()
) -> Table:
    by_quarter = {r.quarter: r for r in repeat.by_quarter}
    rows = []
    for code in quarters:
        row = by_quarter.get(code)
        heard, repeats = (row.heard, row.repeats) if row else (0, 0)
        rows.append(
            (
                quarter_label(code),
                count_text(heard),
                count_text(repeats),
                rate_text(repeats, heard),
                INCOMPLETE if code in incomplete else "Complete",
            )
        )
    return Table(
        key="repeat-trend",
        caption=f"Cases heard and repeat rate by quarter ({EXPECTED_REPEATS.lower()})",
        columns=("Quarter", "Cases heard", "Repeat cases", "Repeat rate", "Records"),
        rows=tuple(rows),
        chart="line",
        chart_data={
            "Repeat rate": [
                chart_rate(by_quarter[c].repeats, by_quarter[c].heard) if c in by_quarter else None
                for c in quarters
            ]
        },
    )


def _volume_trend(returns: dict[str, QuarterlyReturn], quarters: Sequence[str]) -> Table:
    return Table(
        key="volume-trend",
        caption="Cases heard by quarter",
        columns=("Quarter", "Cases heard", "Children in the households"),
        rows=tuple(
            (
                quarter_label(c),
                count_text(returns[c].cases_discussed if c in returns else 0),
                count_text(returns[c].children if c in returns else 0),
            )
            for c in quarters
        ),
        chart="bar",
        chart_data={
            "Cases heard": [
                chart_value(returns[c].cases_discussed) if c in returns else None for c in quarters
            ]
        },
    )


SOURCE_TOTAL = "cases"


def _sources_trend(
    details: dict[str, ReturnDetails],
    returns: dict[str, QuarterlyReturn],
    quarters: Sequence[str],
) -> Table:
    """Hearings by the return's referral-source categories, quarter by quarter.

    In each quarter the sources add up to the cases heard (shown beside them in
    the volume trend), so a lone hidden source withholds the next smallest, as
    in the return itself, which shows the same quarter the same way.
    """
    values: dict[tuple[str, str], int] = {}
    for code in quarters:
        row = details.get(code, ReturnDetails.empty(code))
        for source, n in zip(SOURCE_CODES, row.sources, strict=True):
            values[(source, code)] = n
        values[(SOURCE_TOTAL, code)] = returns[code].cases_discussed if code in returns else 0
    shield = disclosure.protect(
        values,
        [
            disclosure.Line(
                tuple((source, code) for source in SOURCE_CODES),
                (SOURCE_TOTAL, code),
                disclosure.WIDEN_PART,
            )
            for code in quarters
        ],
    )
    return Table(
        key="sources-trend",
        caption="Cases heard by referral source, by quarter",
        columns=("Quarter", *(SOURCE_LABELS[source] for source in SOURCE_CODES)),
        rows=tuple(
            (
                quarter_label(code),
                *(shield.text((s, code), values[(s, code)]) for s in SOURCE_CODES),
            )
            for code in quarters
        ),
        chart="bar",
        chart_data={
            SOURCE_LABELS[s]: [
                None if shield.hidden((s, code)) else float(values[(s, code)]) for code in quarters
            ]
            for s in SOURCE_CODES
        },
    )


def _factor_trend(factor_rows: dict[str, FactorCounts], quarters: Sequence[str]) -> Table:
    empty = FactorCounts(quarter="", heard=0)
    return Table(
        key="factors-trend",
        caption="Causal and vulnerability factors in the cases heard, by quarter",
        columns=("Quarter", "Cases heard", *(FACTOR_LABELS[f] for f in FACTORS)),
        rows=tuple(
            (
                quarter_label(c),
                count_text(factor_rows.get(c, empty).heard),
                *(count_text(factor_rows.get(c, empty).as_dict()[f]) for f in FACTORS),
            )
            for c in quarters
        ),
        chart="bar",
        chart_data={
            FACTOR_LABELS[f]: [
                chart_value(factor_rows[c].as_dict()[f]) if c in factor_rows else None
                for c in quarters
            ]
            for f in FACTORS
        },
    )


RETURN_FIELDS: tuple[tuple[str, str], ...] = (
    ("Meetings held", "meetings"),
    ("Cases discussed", "cases_discussed"),
    ("Repeat cases", "repeat_cases"),
    ("Children in the households", "children"),
    ("Referrals from the police", "referrals.police"),
    ("Referrals from the IDVA service", "referrals.idva"),
    ("Referrals from health", "referrals.health"),
    ("Referrals from children's services", "referrals.childrens_services"),
    ("Referrals from housing", "referrals.housing"),
    ("Referrals from other agencies", "referrals.others"),
    ("Victims who are Black, Asian or minority ethnic", "victims_bame"),
    ("Victims who are lesbian, gay, bisexual or transgender", "victims_lgbt"),
    ("Victims who are disabled", "victims_disabled"),
    ("Victims who are male", "victims_male"),
    ("Victims aged 16 or 17", "victims_aged_16_17"),
    ("Perpetrators aged 17 or under", "perpetrators_17_or_under"),
)


# What partners add to the national return: rows read off ``ReturnDetails``.
DETAIL_FIELDS: tuple[tuple[str, str], ...] = (
    ("Cases with children in the household", "details.cases_with_children"),
    *((f"Referral source: {label}", f"source.{code}") for code, label in RETURN_SOURCES),
    ("Cases referred on visible high risk", "criteria.visible_high_risk"),
    ("Cases referred on professional judgement", "criteria.professional_judgement"),
    ("Cases referred on potential escalation", "criteria.potential_escalation"),
    ("Cases referred as repeats", "criteria.repeat"),
    ("Referrals returned to the referrer", "details.returned"),
    ("Duplicate referrals", "details.duplicates"),
)
FINE_SOURCE_PATHS = tuple(f"source.{code}" for code in SOURCE_CODES)


def _value(row: QuarterlyReturn, path: str) -> int:
    if path.startswith("referrals."):
        return int(getattr(row.referrals, path.split(".", 1)[1]))
    return int(getattr(row, path))


def _detail(row: ReturnDetails, path: str) -> int:
    group, name = path.split(".", 1)
    if group == "source":
        return row.sources[SOURCE_CODES.index(name)]
    if group == "criteria":
        return row.criteria[definitions.CRITERIA.index(name)]
    return int(getattr(row, name))


TOTAL = "Total"
CASES = "cases_discussed"
REPEATS = "repeat_cases"
POLICE = "referrals.police"
SOURCE_PATHS = tuple(f"referrals.{bucket}" for bucket in BUCKETS)

Cell = tuple[str, str]  # (field path, quarter code or TOTAL)


@dataclass(frozen=True)
class ProtectedReturn:
    """The quarterly return's counts with what is hidden in them, primary and secondary.

    The headlines read the same object, so a total withheld in the return is
    withheld in the headline too: otherwise the year's headline minus the
    quarters shown gives the withheld quarter back.
    """

    quarters: tuple[str, ...]
    values: dict[Cell, int]
    shield: disclosure.Protection[Cell]

    def hidden(self, path: str, column: str = TOTAL) -> bool:
        return self.shield.hidden((path, column))

    def text(self, path: str, column: str = TOTAL) -> str:
        return self.shield.text((path, column), self.values[(path, column)])

    def share(self, column: str = TOTAL) -> str:
        """Share of referrals from partners other than police, hidden with the police or the cases.

        The share times the cases gives the police count back, so it cannot
        be shown when either of them is hidden.
        """
        cases, police = self.values[(CASES, column)], self.values[(POLICE, column)]
        text = rate_text(cases - police, cases)
        if text != definitions.SUPPRESSED and (
            self.hidden(POLICE, column) or self.hidden(CASES, column)
        ):
            return disclosure.WITHHELD
        return text

    def rate_value(self, path: str) -> float | None:
        """The period's rate of ``path`` among the cases, or None where it is not shown."""
        if self.hidden(path) or self.hidden(CASES):
            return None
        return _rate_or_none(self.values[(path, TOTAL)], self.values[(CASES, TOTAL)])


def protect_return(
    filters: Filters,
    returns: Sequence[QuarterlyReturn],
    details: Sequence[ReturnDetails] = (),
) -> ProtectedReturn:
    """The return's counts per quarter and in total, with primary and secondary suppression.

    Each field's quarters add up to its total: each quarter has a page of its
    own with the same figures, so a lone hidden quarter withholds the total.
    In each column the referral sources add up to the cases discussed, and so
    do the finer sources of ``details``: a lone hidden source withholds the
    next smallest. Neither kind of line can hide the cases discussed, the
    police or the repeats, so the headlines (protected without ``details``)
    hide what the return hides.
    """
    quarters = tuple(q.code for q in quarters_between(filters.start, filters.end))
    by_quarter = {r.quarter: r for r in returns}
    detail_of = {d.quarter: d for d in details}
    values: dict[Cell, int] = {}
    for _, path in RETURN_FIELDS:
        for code in quarters:
            values[(path, code)] = _value(by_quarter[code], path) if code in by_quarter else 0
        values[(path, TOTAL)] = sum(values[(path, code)] for code in quarters)
    for _, path in DETAIL_FIELDS:
        for code in quarters:
            values[(path, code)] = _detail(detail_of[code], path) if code in detail_of else 0
        values[(path, TOTAL)] = sum(values[(path, code)] for code in quarters)
    lines = [
        disclosure.Line(
            tuple((path, code) for code in quarters), (path, TOTAL), disclosure.WIDEN_TOTAL
        )
        for _, path in (*RETURN_FIELDS, *DETAIL_FIELDS)
    ]
    lines += [
        disclosure.Line(tuple((path, column) for path in paths), (CASES, column), widen)
        for paths, widen in (
            (SOURCE_PATHS, disclosure.WIDEN_PART),
            (FINE_SOURCE_PATHS, disclosure.WIDEN_PART),
        )
        for column in (*quarters, TOTAL)
    ]
    return ProtectedReturn(quarters, values, disclosure.protect(values, lines))


def _return_table(
    filters: Filters, returns: Sequence[QuarterlyReturn], details: Sequence[ReturnDetails] = ()
) -> Table:
    """The quarterly return as partners fill it in: a row per field, a column per quarter."""
    protected = protect_return(filters, returns, details)
    columns = (*protected.quarters, TOTAL)
    rows = [
        (label, *(protected.text(path, column) for column in columns))
        for label, path in RETURN_FIELDS
    ]
    rows.append(
        (
            "Share of referrals from partners other than police",
            *(protected.share(column) for column in columns),
        )
    )
    rows += [
        (label, *(protected.text(path, column) for column in columns))
        for label, path in DETAIL_FIELDS
    ]
    return Table(
        key="quarterly-return",
        caption="Quarterly return",
        columns=("Field", *(quarter_label(column) for column in columns)),
        rows=tuple(rows),
    )


def _process_table(
    bind: queries.Bind, filters: Filters, days: DaysToHearing, on_time: ActionsOnTime
) -> Table:
    attendance = queries.attendance(bind, filters)
    research = queries.research_response(bind, filters)
    set_aside = queries.agenda_outcomes(bind, filters)
    days_p90 = _days_text(days.p90, days.hearings)
    return Table(
        key="process",
        caption="Process measures",
        columns=("Measure", "Figure", "Out of"),
        rows=(
            (
                "Median days from referral to hearing",
                _days_text(days.median, days.hearings),
                count_text(days.hearings) + " hearings",
            ),
            (
                "90th percentile of days from referral to hearing",
                days_p90,
                count_text(days.hearings) + " hearings",
            ),
            (
                "Actions completed on time",
                rate_text(on_time.on_time, on_time.due),
                count_text(on_time.due) + " actions due",
            ),
            (
                "Agency attendance",
                rate_text(attendance.attended, attendance.invited),
                count_text(attendance.invited) + " invitations",
            ),
            (
                "Research responses",
                rate_text(research.received, research.expected),
                count_text(research.expected) + " requests",
            ),
            (
                "Cases deferred to the next meeting",
                count_text(set_aside.deferred),
                "Not counted as heard",
            ),
            (
                "Cases withdrawn",
                count_text(set_aside.withdrawn),
                "Not counted as heard",
            ),
        ),
    )


def _referrers_table(bind: queries.Bind, filters: Filters) -> Table:
    """Referrals per referring agency in the period, most first (agency names, not people)."""
    counts = queries.referrals_by_agency(bind, filters).counts
    names = dict(
        bind.execute(select(Agency.id, Agency.name).where(Agency.id.in_([a for a, _ in counts])))
        .tuples()
        .all()
    )
    return Table(
        key="referrers",
        caption="Referrals by referring agency",
        columns=("Agency", "Referrals"),
        rows=tuple(
            (names.get(agency_id, "Unknown agency"), count_text(n)) for agency_id, n in counts
        ),
    )


def build(
    bind: queries.Bind,
    period: Period,
    *,
    area_id: uuid.UUID | None,
    referring_agency_id: uuid.UUID | None,
    population: int | None,
) -> Dashboard:
    previous = previous_period(period)
    now = Filters.for_period(period, area_id=area_id, referring_agency_id=referring_agency_id)
    before = Filters.for_period(previous, area_id=area_id, referring_agency_id=referring_agency_id)
    # The eight quarters of the trends hold the period and the one before whenever
    # they are whole quarters (a quarter, a financial year): the return, the
    # cases heard and the repeat rate of both are read off them, not counted
    # again. Each count reads every hearing's history, so this is most of the page.
    eight_quarters = trend_filters(now)
    wide = queries.quarterly_return(bind, eight_quarters)
    wide_details = queries.return_details(bind, eight_quarters)
    figures = _figures(bind, now, population, returns_within(wide, now))
    figures_before = _figures(bind, before, population, returns_within(wide, before))
    details = returns_within(wide_details, now) or queries.return_details(bind, now)
    begins = queries.records_begin(bind, area_id)
    return Dashboard(
        period=period,
        previous=previous,
        filters=now,
        headlines=_headlines(figures, figures_before),
        trends=_trends(bind, now, wide, begins, wide_details),
        quarterly_return=_return_table(now, figures.returns, details),
        process=_process_table(bind, now, figures.days, figures.actions),
        referrers=_referrers_table(bind, now),
        records_begin=begins,
    )


def headlines(
    bind: queries.Bind, period: Period, *, area_id: uuid.UUID | None, population: int | None
) -> tuple[Headline, ...]:
    """The dashboard's headline figures alone (for the home page), protected the same way."""
    now = Filters.for_period(period, area_id=area_id)
    before = Filters.for_period(previous_period(period), area_id=area_id)
    return _headlines(_figures(bind, now, population), _figures(bind, before, population))


def quarterly_return_table(bind: queries.Bind, filters: Filters) -> Table:
    """The return alone, for its export and print view."""
    return _return_table(
        filters,
        queries.quarterly_return(bind, filters),
        queries.return_details(bind, filters),
    )


def trend_tables(bind: queries.Bind, filters: Filters) -> list[Table]:
    """The trends, process measures and referrers alone, for their export."""
    days = queries.days_to_hearing(bind, filters)
    on_time = queries.actions_on_time(bind, filters)
    return [
        *_trends(bind, filters, records_begin=queries.records_begin(bind, filters.area_id)),
        _process_table(bind, filters, days, on_time),
        _referrers_table(bind, filters),
    ]


def to_csv(tables: Iterable[Table]) -> str:
    """Tables one after another, each under its caption; cells a spreadsheet will not run."""
    out = io.StringIO()
    writer = csv.writer(out)
    for number, table in enumerate(tables):
        if number:
            writer.writerow([])
        writer.writerow([table.caption])
        for row in table.csv_rows():
            writer.writerow([_csv_safe(cell) for cell in row])
    return out.getvalue()


def _csv_safe(text: str) -> str:
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def default_period(today: date) -> Period:
    """The last complete calendar quarter."""
    return previous_period(quarters_between(today, today)[0])
