"""The kept hearing facts follow every change to the records they are decided from.

A generated partnership's facts are worked out once; then records change one at
a time through the ORM, as the services change them, each change chosen so it
alters some hearing's facts. After each, the facts the indicators would read
(``facts.refresh`` of the marked victims) must equal the facts worked out from
scratch, and differ from those before the change: a change the flush listener
failed to mark would leave them stale, and this test would say which.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from emarac.cases.models import Case, CaseChild, CasePerpetrator
from emarac.incidents.models import Incident
from emarac.indicators import facts, queries
from emarac.indicators.models import hearing_fact, stale_victim
from emarac.indicators.periods import Filters
from emarac.meetings.models import AgendaItem, Meeting, MeetingInvite, Research
from emarac.people import services as people
from emarac.people.models import Person, PersonMerge
from emarac.referrals.models import Referral
from emarac.risk.models import RiskAssessment
from emarac.synth import generate
from tests.indicators import oracle, rows
from tests.indicators.kept import from_scratch, kept


@pytest.fixture
def partnership(db, clock) -> Any:
    with db.engine.begin() as conn:
        generate(conn, cases=150, incidents=900, seed=1437)
    return db


def _heard(db: Any, *conditions: Any) -> Any:
    """The first heard item (by id) meeting the conditions, with its case and meeting."""
    return db.session.execute(
        select(AgendaItem, Case, Meeting)
        .join(Case, Case.id == AgendaItem.case_id)
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .join(hearing_fact, hearing_fact.c.item_id == AgendaItem.id)
        .where(hearing_fact.c.heard, *conditions)
        .order_by(AgendaItem.id)
        .limit(1)
    ).one()


def _changes(db: Any, make: Any) -> list[tuple[str, Callable[[], None]]]:
    """(what, how) for each kind of record and column a fact is decided from."""
    session = db.session
    coordinator = make.user(roles=("coordinator",))

    def item_deferred() -> None:
        item, _, _ = _heard(db)
        item.outcome = "deferred"

    def meeting_moved() -> None:
        _, _, meeting = _heard(db)
        meeting.held_on -= timedelta(days=400)

    def meeting_reopened() -> None:
        _, _, meeting = _heard(db)
        meeting.status = "planned"

    def referral_dated() -> None:
        item, _, _ = _heard(db, AgendaItem.referral_id.is_not(None))
        session.get(Referral, item.referral_id).submitted_on -= timedelta(days=3)

    def referral_criteria() -> None:
        item, _, _ = _heard(db, hearing_fact.c.criterion_repeat.is_(False))
        session.get(Referral, item.referral_id).criteria = ["repeat"]

    def referral_from_elsewhere() -> None:
        item, _, _ = _heard(db, AgendaItem.referral_id.is_not(None))
        referral = session.get(Referral, item.referral_id)
        other = session.scalar(
            select(Case.owning_agency_id).where(
                Case.owning_agency_id != referral.referring_agency_id
            )
        )
        referral.referring_agency_id = other

    def item_without_referral_case_owner() -> None:
        item, case, _ = _heard(db, AgendaItem.referral_id.is_not(None))
        item.referral_id = None
        session.flush()
        case.referring_agency_id = None
        case.owning_agency_id = session.scalar(
            select(Case.owning_agency_id).where(Case.owning_agency_id != case.owning_agency_id)
        )

    def last_referrals_returned() -> None:
        item, case, _ = _heard(db, hearing_fact.c.is_repeat)
        earlier = session.scalars(
            select(Referral)
            .join(Case, Case.id == Referral.case_id)
            .where(Case.victim_id == case.victim_id, Referral.id != item.referral_id)
        )
        for referral in earlier:
            referral.status = "returned"

    def victim_details() -> None:
        _, case, meeting = _heard(db, hearing_fact.c.victim_male.is_(False))
        victim = session.get(Person, case.victim_id)
        victim.gender = "male"
        victim.birth_year = meeting.held_on.year - 16

    def perpetrator_young_and_drinking() -> None:
        _, case, meeting = _heard(db, hearing_fact.c.young_perpetrators == 0)
        link = session.scalar(
            select(CasePerpetrator).where(CasePerpetrator.case_id == case.id).limit(1)
        )
        assert link is not None
        person = session.get(Person, link.person_id)
        person.birth_year = meeting.held_on.year - 15
        person.alcohol = "yes"

    def perpetrator_unlinked() -> None:
        _, case, _ = _heard(db, hearing_fact.c.young_perpetrators > 0)
        for link in session.scalars(
            select(CasePerpetrator).where(CasePerpetrator.case_id == case.id)
        ):
            session.delete(link)

    def child_moved_out() -> None:
        _, case, _ = _heard(db, hearing_fact.c.children > 0)
        for child in session.scalars(select(CaseChild).where(CaseChild.case_id == case.id)):
            child.lives_in_household = False

    def assessment_answered() -> None:
        _, case, meeting = _heard(db, hearing_fact.c.factor_pregnancy.is_(False))
        assessment = session.scalar(
            select(RiskAssessment).where(RiskAssessment.case_id == case.id).limit(1)
        )
        assert assessment is not None
        assessment.yes_factors = ",pregnancy,"
        assessment.completed_on = meeting.held_on - timedelta(days=1)

    def incident_with_drink() -> None:
        _, case, meeting = _heard(db, hearing_fact.c.factor_incident_alcohol_or_drugs.is_(False))
        incident = session.scalar(
            select(Incident).where(Incident.victim_id == case.victim_id).limit(1)
        )
        assert incident is not None
        incident.alcohol_or_drugs = True
        incident.occurred_at = datetime.combine(
            meeting.held_on - timedelta(days=10), datetime.min.time(), tzinfo=UTC
        )

    def incident_to_another_victim() -> None:
        _, case, _ = _heard(db, hearing_fact.c.factor_incident_alcohol_or_drugs)
        other = session.scalar(select(Case.victim_id).where(Case.victim_id != case.victim_id))
        for incident in session.scalars(
            select(Incident).where(Incident.victim_id == case.victim_id)
        ):
            incident.victim_id = other

    def research_withdrawn() -> None:
        _, case, meeting = _heard(db, hearing_fact.c.research_received > 0)
        for section in session.scalars(
            select(Research).where(Research.meeting_id == meeting.id, Research.case_id == case.id)
        ):
            session.delete(section)

    def agency_uninvited() -> None:
        _, _, meeting = _heard(db, hearing_fact.c.invited_agencies > 0)
        invite = session.scalar(
            select(MeetingInvite).where(MeetingInvite.meeting_id == meeting.id).limit(1)
        )
        session.delete(invite)

    def victims_merged() -> None:
        _, case, _ = _heard(db, hearing_fact.c.is_repeat.is_(False))
        _, other, _ = _heard(db, hearing_fact.c.is_repeat, Case.victim_id != case.victim_id)
        keep, gone = session.get(Person, case.victim_id), session.get(Person, other.victim_id)
        people.merge_people(keep, gone, by=coordinator)

    def merge_undone() -> None:
        record = session.scalar(select(PersonMerge).order_by(PersonMerge.merged_at.desc()))
        people.undo_merge(record, by=coordinator)

    def item_removed() -> None:
        item, _, _ = _heard(db)
        session.delete(item)

    return [
        ("an item deferred", item_deferred),
        ("a meeting moved", meeting_moved),
        ("a meeting reopened", meeting_reopened),
        ("a referral's date", referral_dated),
        ("a referral's criteria", referral_criteria),
        ("a referral's agency", referral_from_elsewhere),
        ("an item without a referral, its case's agencies", item_without_referral_case_owner),
        ("earlier referrals returned", last_referrals_returned),
        ("the victim's record", victim_details),
        ("a perpetrator's record", perpetrator_young_and_drinking),
        ("a perpetrator unlinked", perpetrator_unlinked),
        ("a child moved out", child_moved_out),
        ("an assessment", assessment_answered),
        ("an incident", incident_with_drink),
        ("incidents moved to another victim", incident_to_another_victim),
        ("research withdrawn", research_withdrawn),
        ("an agency uninvited", agency_uninvited),
        ("two victims merged", victims_merged),
        ("the merge undone", merge_undone),
        ("an item removed", item_removed),
    ]


def test_each_change_to_the_records_reaches_the_kept_facts(partnership, make):
    db = partnership
    before = kept(db)
    assert before
    assert before == from_scratch(db)
    for what, change in _changes(db, make):
        change()
        db.session.commit()
        now = kept(db)
        assert now != before, f"{what}: the change altered no fact; choose another"
        assert now == from_scratch(db), f"{what}: the kept facts are stale"
        before = now


def test_a_change_marks_only_the_victims_it_concerns(partnership):
    db = partnership
    kept(db)
    _, case, _ = _heard(db)
    db.session.get(Person, case.victim_id).lgbt = "yes"
    db.session.commit()
    with db.engine.connect() as conn:
        marked = set(conn.scalars(select(stale_victim.c.victim_id)))
        assert marked == {case.victim_id}
        assert facts.refresh(conn) == 1
        assert facts.refresh(conn) == 0  # nothing left to do
        conn.rollback()


def test_a_change_that_rolls_back_leaves_no_mark(partnership):
    db = partnership
    kept(db)
    _, case, _ = _heard(db)
    db.session.get(Person, case.victim_id).lgbt = "yes"
    db.session.flush()
    db.session.rollback()
    with db.engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(stale_victim)) == 0


def test_what_does_not_decide_a_fact_marks_nothing(partnership):
    """A chair's draft, a case's last activity: no fact is decided from them."""
    db = partnership
    kept(db)
    item, _, _ = _heard(db)
    item.draft_risk = "high"
    db.session.commit()
    with db.engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(stale_victim)) == 0


def test_the_indicators_after_changes_agree_with_the_python_rules(partnership, make):
    """The oracle still agrees once changes have gone through marks and refreshes."""
    db = partnership
    kept(db)
    for _, change in _changes(db, make)[:8]:
        change()
        db.session.commit()
    whole = Filters(date(2023, 1, 1), date(2026, 11, 2))
    with db.engine.connect() as conn:
        data = rows.load(conn, whole)
        for name, indicator in queries.INDICATORS.items():
            assert indicator(conn, whole) == oracle.INDICATORS[name](data, whole), name
        conn.rollback()


def test_two_refreshes_at_once_work_a_victim_out_once_at_a_time(partnership):
    """Two dashboards reading at once: the second waits for the first to commit.

    On PostgreSQL the victim is changed again meanwhile, so the second has a
    mark of its own for the same victim: working it out beside the first would
    insert that victim's facts twice and fail on their keys. (SQLite lets one
    writer in at a time, so there the change would wait too.)
    """
    db = partnership
    kept(db)
    _, case, _ = _heard(db)
    db.session.get(Person, case.victim_id).lgbt = "yes"
    db.session.commit()
    postgresql = db.engine.dialect.name == "postgresql"
    found: list[int | None] = []
    with db.engine.connect() as first, db.engine.connect() as second:
        assert facts.refresh(first) == 1  # not committed yet
        if postgresql:
            db.session.get(Person, case.victim_id).disability = "yes"
            db.session.commit()
        waiting = threading.Thread(target=lambda: found.append(facts.refresh(second)))
        waiting.start()
        waiting.join(timeout=0.5)
        assert waiting.is_alive()  # held back until the first commits
        first.commit()
        waiting.join(timeout=30)
        second.commit()
    assert found == [1 if postgresql else 0]
    assert kept(db) == from_scratch(db)
