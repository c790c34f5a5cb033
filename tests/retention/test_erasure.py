"""Erasure: the case's personal values go everywhere, what another case needs stays,
the indicators for the period do not move, and the ledger records it."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from emarac.auditing import ledger_table
from emarac.cases import closure
from emarac.cases.models import CaseStatus
from emarac.crypto.fields import REGISTRY
from emarac.crypto.keyring import current_keyring
from emarac.extensions import db as _db
from emarac.incidents.models import Incident
from emarac.indicators import queries
from emarac.indicators.periods import Filters
from emarac.people.models import NameToken, Person
from emarac.protocol.policy import NotAllowed
from emarac.retention import erasure, services
from emarac.retention.models import Outcome, RetentionDecision
from tests.conftest import assert_ledger_verifies
from tests.retention.conftest import MARK


def _marked_ciphertexts(db, reference: str) -> set[bytes]:
    """Every ciphertext in the database whose plain value names the mark or the case."""
    ring = current_keyring()
    found = set()
    for table_name, infos in REGISTRY.items():
        table = db.metadata.tables[table_name]
        for row in db.session.execute(select(table)).mappings():
            for info in infos:
                token = row[info.column]
                if token is None:
                    continue
                aad = f"{table_name}.{info.column}:{row['id']}".encode("ascii")
                plain = ring.decrypt(bytes(token), aad).decode("utf-8", "replace")
                if MARK in plain or reference in plain:
                    found.add(bytes(token))
    return found


def _every_raw_value(db) -> set[bytes]:
    values = set()
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(select(table)):
            for value in row:
                if isinstance(value, bytes | memoryview):
                    values.add(bytes(value))
    return values


def _indicators(db):
    filters = Filters(start=date(2026, 10, 1), end=date(2026, 12, 31))
    conn = db.session
    figures = (
        queries.cases_heard(conn, filters, population=20_000),
        queries.repeat_rate(conn, filters),
        queries.quarterly_return(conn, filters),
        queries.factors(conn, filters),
        queries.days_to_hearing(conn, filters),
        queries.actions_on_time(conn, filters),
        queries.attendance(conn, filters),
        queries.research_response(conn, filters),
        queries.referrals_by_agency(conn, filters),
    )
    # As a dashboard request ends: the indicators brought the kept facts up to
    # date in this transaction, and an open write would hold the others back.
    db.session.commit()
    return figures


def test_erasure_leaves_no_ciphertext_of_the_case_and_keeps_the_figures(app, db, closed_world):
    w = closed_world
    a = w["a"]
    before = _marked_ciphertexts(db, a.reference)
    assert len(before) >= 12  # names, alias, phone, child, school, incident, research, ...
    figures = _indicators(db)

    result = services.erase(a, by=w["coordinator"], reason="Review date reached")

    assert result.people_erased == 3  # the victim, the perpetrator of A only, the child
    assert result.people_kept == 1  # the perpetrator B still needs
    assert before.isdisjoint(_every_raw_value(db))
    assert _marked_ciphertexts(db, a.reference) == set()
    assert _indicators(db) == figures
    db.session.expire_all()
    assert a.erased_on == date(2026, 11, 2)
    for person in (a.victim, w["only_a"], w["child"]):
        row = db.session.get(Person, person.id)
        assert row.family_name is None
        assert row.given_name is None
        assert row.family_name_bidx is None
        assert row.surname_year_bidx is None
        assert row.phone_bidx is None
        assert row.postcode_bidx is None
        assert row.aliases == [] or all(alias.name is None for alias in row.aliases)
        tokens = db.session.scalars(select(NameToken).where(NameToken.person_id == person.id))
        assert list(tokens) == []
    assert db.session.get(Person, a.victim.id).gender == "female"  # statistics kept

    event = db.session.execute(
        select(ledger_table).where(ledger_table.c.action == "case.erase")
    ).one()
    assert event.object_id == str(a.id)
    assert "person.family_name_ct" in event.fields
    assert "incident.narrative_ct" in event.fields
    assert MARK not in str(event.fields)
    assert "Review date" not in str(event.purpose)
    decision = db.session.scalar(select(RetentionDecision))
    assert decision.outcome == Outcome.ERASE
    assert decision.decided_by_id == w["coordinator"].id
    assert_ledger_verifies(app, db)


def test_a_person_shared_with_a_live_case_keeps_what_that_case_needs(db, closed_world):
    w = closed_world
    shared, b = w["shared"], w["b"]
    services.erase(w["a"], by=w["coordinator"], reason="Review date reached")
    db.session.expire_all()
    person = db.session.get(Person, shared.id)
    assert (person.given_name, person.family_name) == ("Rufus", "Sharedbury")
    assert person.family_name_bidx is not None
    assert db.session.scalars(select(NameToken).where(NameToken.person_id == shared.id)).all()
    # B's own people and records are untouched.
    assert db.session.get(Person, b.victim_id).family_name == "Keepwell"
    narratives = db.session.scalars(select(Incident).where(Incident.victim_id == b.victim_id))
    assert [i.narrative for i in narratives] == ["Keep narrative"]


def test_a_person_is_erased_once_their_last_live_case_is(db, closed_world):
    """When B is erased later, the shared perpetrator goes with it."""
    w = closed_world
    services.erase(w["a"], by=w["coordinator"], reason="Review date reached")
    b = w["b"]
    b.status, b.closed_on = CaseStatus.CLOSED, date(2026, 11, 2)
    b.review_on = closure.review_date(b.closed_on, 6)
    db.session.commit()
    result = services.erase(b, by=w["coordinator"], reason="Review date reached")
    assert result.people_erased == 2
    db.session.expire_all()
    assert db.session.get(Person, w["shared"].id).family_name is None


def test_only_the_area_coordinator_erases_a_closed_case_once(db, closed_world):
    w = closed_world
    with pytest.raises(NotAllowed):
        services.erase(w["a"], by=w["owner"], reason="x")
    with pytest.raises(NotAllowed):
        services.erase(w["b"], by=w["coordinator"], reason="x")  # still open
    services.erase(w["a"], by=w["coordinator"], reason="x")
    with pytest.raises(NotAllowed):
        services.erase(w["a"], by=w["coordinator"], reason="x")


def test_erasure_covers_every_table_with_encrypted_values(db):
    """A new encrypted column on a case's records must be added to the erasure (or here)."""
    assert set(REGISTRY) - erasure.covered_tables() == erasure.NOT_CASE_DATA


def test_keeping_a_case_needs_a_reason_and_a_future_date(db, closed_world):
    w = closed_world
    a = w["a"]
    with pytest.raises(services.Invalid, match="why"):
        services.retain(a, by=w["coordinator"], reason=" ", next_review_on=date(2027, 1, 1))
    with pytest.raises(services.Invalid, match="future"):
        services.retain(a, by=w["coordinator"], reason="Ongoing", next_review_on=date(2026, 11, 2))
    services.retain(
        a, by=w["coordinator"], reason="Civil case ongoing", next_review_on=date(2028, 1, 1)
    )
    assert a.review_on == date(2028, 1, 1)
    decision = _db.session.scalar(select(RetentionDecision))
    assert decision.reason == "Civil case ongoing"
    assert decision.outcome == Outcome.RETAIN
