"""Case services: the timeline's query count, duplicates, merging, incidents."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import event, func, select

from emarac.auditing import ledger_table
from emarac.cases.models import Case, CaseChild, CasePerpetrator
from emarac.incidents.models import Incident
from emarac.people import services as people
from emarac.people.models import Person
from tests.conftest import assert_ledger_verifies


class QueryCounter:
    def __init__(self, engine) -> None:
        self.engine = engine
        self.count = 0

    def __enter__(self) -> QueryCounter:
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._count)

    def _count(self, *args: object) -> None:
        self.count += 1


@pytest.mark.slow
def test_timeline_of_200_events_renders_with_bounded_queries(client, make, cases, clock, db):
    from tests.conftest import sign_in

    owner = make.user()
    case = cases.open(by=owner)
    other_agency_user = make.user(agency=make.agency(area="Testshire MARAC"))
    other_agency_user.agency_id = owner.agency_id  # incidents from one agency, then another
    for i in range(199):
        cases.incident(case, by=owner, days_ago=i)
    sign_in(client, owner)
    with QueryCounter(db.engine) as small:
        client.get(f"/cases/{case.id}/timeline?page=4")  # 50 rows
    with QueryCounter(db.engine) as counter:
        response = client.get(f"/cases/{case.id}/timeline")
    page = response.get_data(as_text=True)
    assert "200 events" in page
    assert page.count("Incident recorded by") + page.count("Case opened") == 50
    assert counter.count <= 25, counter.count
    assert counter.count <= small.count + 2  # the cost does not grow with the rows shown


def test_case_page_queries_do_not_grow_with_people(client, make, cases, clock, db):
    from emarac.cases.services import add_child
    from emarac.people.services import PersonDetails, create_person
    from tests.conftest import sign_in

    owner = make.user()
    case = cases.open(by=owner)
    sign_in(client, owner)
    with QueryCounter(db.engine) as before:
        client.get(f"/cases/{case.id}")
    for i in range(8):
        cases.perpetrator(case, by=owner, family_name=f"Perp{i}")
        child = create_person(
            PersonDetails(given_name=f"Kid{i}", family_name="Child"), by=owner, role="child"
        )
        add_child(case, by=owner, person=child, school="Synthetic Primary", lives_in_household=True)
    with QueryCounter(db.engine) as after:
        client.get(f"/cases/{case.id}")
    assert after.count <= before.count + 4, (before.count, after.count)


def test_similar_people_are_offered(make, cases, clock, db):
    owner = make.user()
    cases.open(by=owner, family_name="Smith", given_name="Jo", born=date(1988, 2, 2))
    found = people.similar_people(
        people.PersonDetails(
            given_name="Joanne", family_name="Smyth", date_of_birth=date(1988, 9, 9)
        )
    )
    assert [p.family_name for p in found] == ["Smith"]
    by_phone = cases.open(by=owner, family_name="Other", phone="07700 900999")
    found = people.similar_people(
        people.PersonDetails(family_name="Unrelated", phone="+447700900999")
    )
    assert [p.id for p in found] == [by_phone.victim_id]
    assert people.similar_people(people.PersonDetails(family_name="Jones")) == []


def test_merge_keeps_every_link_is_audited_and_can_be_undone(make, cases, clock, db, app):
    agency = make.agency()
    owner = make.user(agency=agency)
    coordinator = make.user(agency=agency, roles=("coordinator",))
    first = cases.open(by=owner, family_name="Duplicated")
    second = cases.open(by=owner, family_name="Duplicated")
    cases.incident(first, by=owner)
    cases.incident(second, by=owner)
    cases.incident(second, by=owner, days_ago=5)
    keep, gone = first.victim, second.victim

    record = people.merge_people(keep, gone, by=coordinator)
    assert (
        db.session.scalar(
            select(func.count()).select_from(Incident).where(Incident.victim_id == keep.id)
        )
        == 3
    )
    assert {c.victim_id for c in db.session.scalars(select(Case))} == {keep.id}
    assert db.session.get(Person, gone.id).merged_into_id == keep.id
    merge_event = (
        db.session.execute(select(ledger_table).where(ledger_table.c.action == "person.merge"))
        .mappings()
        .one()
    )
    assert merge_event["object_id"] == str(keep.id)
    assert "Duplicated" not in str(dict(merge_event))

    people.undo_merge(record, by=coordinator)
    assert (
        db.session.scalar(
            select(func.count()).select_from(Incident).where(Incident.victim_id == gone.id)
        )
        == 2
    )
    assert db.session.get(Case, second.id).victim_id == gone.id

    assert_ledger_verifies(app, db)


def test_only_coordinators_merge_and_not_after_30_days(make, cases, clock, db):
    owner = make.user()
    coordinator = make.user(agency=owner.agency, roles=("coordinator",))
    a = cases.open(by=owner, family_name="Alpha").victim
    b = cases.open(by=owner, family_name="Beta").victim
    with pytest.raises(people.NotAllowed):
        people.merge_people(a, b, by=owner)
    record = people.merge_people(a, b, by=coordinator)
    clock.advance(days=31)
    with pytest.raises(ValueError, match="no longer be undone"):
        people.undo_merge(record, by=coordinator)


def test_raw_rows_of_a_whole_case_hold_no_plaintext(make, cases, clock, db):
    from sqlalchemy import inspect, text

    from emarac.cases.services import add_child
    from emarac.people.services import PersonDetails, create_person

    owner = make.user()
    case = cases.open(
        by=owner,
        family_name="Quillfeather",
        current_address="77 Nowhere Mews",
        phone="07700 900432",
        aliases=["Quilly Quillfeather"],
    )
    cases.perpetrator(case, by=owner, family_name="Thistlewaite")
    child = create_person(
        PersonDetails(
            given_name="Wren", family_name="Quillfeather", date_of_birth=date(2019, 5, 6)
        ),
        by=owner,
        role="child",
    )
    add_child(case, by=owner, person=child, school="Brambleford Infants", lives_in_household=True)
    cases.incident(case, by=owner, narrative="Threw the synthetic kettle")
    needles = [
        "Quillfeather",
        "Nowhere Mews",
        "900432",
        "Thistlewaite",
        "Wren",
        "Brambleford",
        "kettle",
        "2019-05-06",
        "1990-04-12",
    ]
    with db.engine.connect() as conn:
        for table in inspect(db.engine).get_table_names():
            for row in conn.execute(text(f'SELECT * FROM "{table}"')):
                flat = " ".join(
                    bytes(v).decode("latin-1") if isinstance(v, (bytes, memoryview)) else str(v)
                    for v in row
                )
                for needle in needles:
                    assert needle.lower() not in flat.lower(), (table, needle)
    assert db.session.scalar(select(func.count()).select_from(CasePerpetrator)) == 1
    assert db.session.scalar(select(func.count()).select_from(CaseChild)) == 1


def test_coordinator_merges_through_the_pages(client, login_as, make, cases, clock, db):
    agency = make.agency()
    owner = make.user(agency=agency)
    first = cases.open(by=owner, family_name="Lindqvist", born=date(1985, 5, 5))
    second = cases.open(by=owner, family_name="Lindquist", born=date(1985, 5, 5))
    login_as("coordinator", agency=agency)
    page = client.get(f"/people/{first.victim_id}").get_data(as_text=True)
    assert "Possible duplicates" in page
    assert f"/people/{first.victim_id}/merge/{second.victim_id}" in page
    response = client.post(f"/people/{first.victim_id}/merge/{second.victim_id}")
    assert response.status_code == 302
    assert db.session.get(Case, second.id).victim_id == first.victim_id
    page = client.get(f"/people/{first.victim_id}").get_data(as_text=True)
    assert "Undo merge" in page


def test_practitioner_cannot_merge(client, login_as, make, cases, clock):
    user = login_as("practitioner")
    a = cases.open(by=user, family_name="Solberg")
    b = cases.open(by=user, family_name="Solberg")
    assert client.post(f"/people/{a.victim_id}/merge/{b.victim_id}").status_code == 404
    assert "Possible duplicates" not in client.get(f"/people/{a.victim_id}").get_data(as_text=True)
