"""The SQL indicators and the pure functions agree on a generated partnership.

``emarac.synth`` writes 2,000 cases with their people, incidents, checklists,
referrals, meetings, research, attendance and actions. Its data follows the
rules, so on its own it seldom reaches the edges where two workings of a rule
part company; a few deliberate changes put some there: agenda items with no
referral, cases deferred or withdrawn, meetings still in session, earlier
referrals exactly 365 and 366 days before (and returned, merged or waiting
ones) with further abuse on the edges of their repeat windows (and by someone
new), alcohol incidents late in the evening 365 and 366 days before a hearing,
and victims and perpetrators whose age is only estimated or who are 16 or 17.

Then, for several sets of filters, every indicator in ``queries.INDICATORS``
must equal its namesake in ``oracle.INDICATORS`` over the rows ``rows.load``
reads.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, func, insert, select, update

from emarac.cases.models import Case, CasePerpetrator
from emarac.incidents.models import Incident
from emarac.indicators import queries
from emarac.indicators.periods import Filters, parse_period
from emarac.meetings.models import AgendaItem, Meeting
from emarac.people.models import Person
from emarac.referrals.models import Referral
from emarac.risk.rules import add_months
from emarac.synth import generate
from tests.indicators import oracle, rows

CASES = 2_000
INCIDENTS = 5_000
SEED = 32  # after NI 32


def every(ids: list[Any], step: int, offset: int = 0) -> list[Any]:
    """A fixed sample: every ``step``-th of the sorted ids (the generator's ids are seeded)."""
    return sorted(ids, key=str)[offset::step]


def push_to_the_edges(conn: Connection) -> None:
    """Deliberate changes that put generated hearings on the edges of the rules."""
    heard = conn.execute(
        select(
            AgendaItem.id,
            AgendaItem.referral_id,
            AgendaItem.case_id,
            Meeting.held_on,
            Referral.submitted_on,
            Referral.area_id,
            Referral.referring_agency_id,
            Referral.referred_by_id,
            Case.victim_id,
        )
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .join(Referral, Referral.id == AgendaItem.referral_id)
        .join(Case, Case.id == AgendaItem.case_id)
        .where(Meeting.status.in_(oracle.HEARD_STATUSES))
    ).all()
    by_id = {row.id: row for row in heard}
    ids = list(by_id)
    by_id_case_victim = {row.case_id: row.victim_id for row in heard}

    # Earlier referrals on the boundary, in every status.
    statuses = ("accepted", "submitted", "returned", "duplicate")
    earlier = []
    for n, item_id in enumerate(every(ids, 11)):
        row = by_id[item_id]
        earlier.append(
            {
                "id": uuid.uuid5(uuid.NAMESPACE_OID, f"edge-referral-{item_id}"),
                "case_id": row.case_id,
                "area_id": row.area_id,
                "referring_agency_id": row.referring_agency_id,
                "referred_by_id": row.referred_by_id,
                "status": statuses[n % 4],
                "submitted_on": row.submitted_on - timedelta(days=365 + (n // 4) % 2),
                "criteria": [],
                "consent": "given",
            }
        )
    conn.execute(insert(Referral), earlier)

    # Further abuse on the edges of those referrals' windows: day 0, the day after, the
    # window's last day (12 calendar months on), the day after that, and by a perpetrator
    # not on the case; named (the case's perpetrator) or not (no one recorded).
    named = dict(conn.execute(select(CasePerpetrator.case_id, CasePerpetrator.person_id)).all())
    strangers = every(list(set(named.values())), 29)
    further = []
    for n, row in enumerate(earlier):
        start = row["submitted_on"]
        day = [
            start,
            start + timedelta(days=1),
            add_months(start, 12),
            add_months(start, 12) + timedelta(days=1),
            start + timedelta(days=40),
        ][n % 5]
        who = (
            strangers[n % len(strangers)]
            if n % 5 == 4
            else (named.get(row["case_id"]) if n % 2 else None)
        )
        further.append(
            {
                "id": uuid.uuid5(uuid.NAMESPACE_OID, f"edge-abuse-{row['id']}"),
                "victim_id": by_id_case_victim[row["case_id"]],
                "perpetrator_id": who,
                "occurred_at": datetime.combine(day, time(23, 30), tzinfo=UTC),
                "reporting_agency_id": row["referring_agency_id"],
            }
        )
    conn.execute(insert(Incident), further)

    # Alcohol incidents at 23:30 UTC, 365 or 366 days before the hearing.
    incidents = []
    for n, item_id in enumerate(every(ids, 13, offset=5)):
        row = by_id[item_id]
        day = row.held_on - timedelta(days=365 + n % 2)
        incidents.append(
            {
                "id": uuid.uuid5(uuid.NAMESPACE_OID, f"edge-incident-{item_id}"),
                "victim_id": row.victim_id,
                "occurred_at": datetime.combine(day, time(23, 30), tzinfo=UTC),
                "reporting_agency_id": row.referring_agency_id,
                "alcohol_or_drugs": True,
            }
        )
    conn.execute(insert(Incident), incidents)

    # Items with no referral: the hearing date becomes the reference date.
    unlinked = every(ids, 7, offset=3)
    conn.execute(update(AgendaItem).where(AgendaItem.id.in_(unlinked)).values(referral_id=None))

    # Cases the meeting deferred to its next one, or withdrew: on the agenda, not heard.
    set_aside = every(ids, 23, offset=1)
    for outcome, chosen in (("deferred", set_aside[::2]), ("withdrawn", set_aside[1::2])):
        conn.execute(
            update(AgendaItem)
            .where(AgendaItem.id.in_(chosen))
            .values(outcome=outcome, heard_at=None, heard_by_id=None)
        )

    meeting_ids = conn.scalars(
        select(Meeting.id).where(Meeting.status.in_(oracle.HEARD_STATUSES))
    ).all()
    in_session = every(list(meeting_ids), 9)
    conn.execute(update(Meeting).where(Meeting.id.in_(in_session)).values(status="in_session"))

    # Victims and perpetrators of 16 and 17 by year of birth, or by an estimate alone.
    # An estimate is dated (a year or so before, on either side of the hearing's
    # day in the year) or not dated at all.
    victims = every([by_id[i].victim_id for i in ids], 17)
    for n, person_id in enumerate(victims):
        values = {"birth_year": 2009 + n % 3} if n % 2 else {"birth_year": None}
        values["estimated_age"] = 16 + n % 3
        values["age_estimated_on"] = (
            None if n % 5 == 0 else date(2024, 1, 1) + timedelta(days=37 * n % 730)
        )
        conn.execute(update(Person).where(Person.id == person_id).values(**values))
    perpetrators = conn.scalars(select(CasePerpetrator.person_id)).all()
    for n, person_id in enumerate(every(list(perpetrators), 19)):
        values = {"birth_year": 2008 + n % 3} if n % 2 else {"birth_year": None}
        values["estimated_age"] = 16 + n % 3
        values["age_estimated_on"] = (
            None if n % 5 == 0 else date(2024, 1, 1) + timedelta(days=41 * n % 730)
        )
        conn.execute(update(Person).where(Person.id == person_id).values(**values))


@pytest.fixture
def partnership(db, clock) -> Any:
    """2,000 generated cases (three years up to 2 November 2026), pushed to the edges."""
    with db.engine.begin() as conn:
        generate(conn, cases=CASES, incidents=INCIDENTS, seed=SEED)
        push_to_the_edges(conn)
    with db.engine.connect() as conn:
        yield conn


@pytest.mark.slow
def test_sql_and_python_agree_on_every_indicator(partnership):
    conn = partnership
    assert conn.scalar(select(func.count()).select_from(Case)) >= CASES
    area_id, agency_id = conn.execute(
        select(Referral.area_id, Referral.referring_agency_id)
        .group_by(Referral.area_id, Referral.referring_agency_id)
        .order_by(func.count().desc(), Referral.referring_agency_id)
        .limit(1)
    ).one()
    whole = Filters(date(2023, 11, 1), date(2026, 11, 2))
    year = parse_period("FY2025")
    checked = [
        whole,
        Filters.for_period(year),
        Filters.for_period(year, area_id=area_id),
        Filters.for_period(parse_period("2026-Q2"), area_id=area_id),
        Filters.for_period(parse_period("2026-10")),
        Filters(date(2025, 2, 14), date(2026, 8, 3), referring_agency_id=agency_id),
    ]
    for filters in checked:
        data = rows.load(conn, filters)
        for name, indicator in queries.INDICATORS.items():
            from_sql = indicator(conn, filters)
            from_python = oracle.INDICATORS[name](data, filters)
            assert from_sql == from_python, (name, filters)

    # The data reaches the cases the rules are about, so agreement means something.
    rate = queries.repeat_rate(conn, whole)
    assert rate.heard > CASES
    assert 20 < (rate.percent or 0) < 45
    (q1,) = queries.quarterly_return(conn, Filters.for_period(parse_period("2026-Q1")))
    assert q1.victims_aged_16_17 > 0
    assert q1.perpetrators_17_or_under > 0
    assert q1.children > 0
    factors = queries.factors(conn, Filters.for_period(year))
    assert all(sum(f.as_dict()[name] for f in factors) for name in oracle.FACTORS)
    set_aside = queries.agenda_outcomes(conn, whole)
    assert set_aside.deferred > 0
    assert set_aside.withdrawn > 0
    waits = queries.days_to_hearing(conn, whole)
    assert waits.median is not None
    assert waits.p90 is not None
    assert waits.median <= waits.p90
