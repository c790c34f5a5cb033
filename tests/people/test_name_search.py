"""Search by each part of a name, through blind indexes only (issue 17, must-show 3).

Over the demo partnership, plus two people whose names have an apostrophe and
an accent (the demo has none): every query finds exactly the people whose names
it names, the raw rows hold no name, and only candidates are ever decrypted.
"""

from __future__ import annotations

import unicodedata
from typing import Any

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from emarac import demo
from emarac.agencies.models import User
from emarac.cases import services as case_services
from emarac.crypto.keyring import current_keyring
from emarac.people.models import NameToken, Person, PersonAlias
from emarac.people.services import (
    ALL_PARTS,
    EXACT,
    SOUNDS_ALIKE,
    PersonDetails,
    SearchQuery,
    create_person,
    name_match,
    search_people,
    visible_ids,
)


def plain(text: str | None) -> str:
    """The test's own folding, written apart from emarac.crypto.normalise."""
    decomposed = unicodedata.normalize("NFKD", (text or "").casefold())
    return "".join(ch for ch in decomposed if ch.isalnum())


def parts(text: str | None) -> list[str]:
    return [plain(p) for p in (text or "").replace("-", " ").split() if plain(p)]


@pytest.fixture
def demo_world(db: Any) -> tuple[User, list[Person]]:
    """The demo partnership and its cases, a Zoë and an O'Brien; a demo coordinator.

    Without the synthetic history: its thousands of generated names would make
    a three-letter part turn up by chance in the ciphertexts the test reads.
    """
    demo.load(history=False)
    worker = db.session.scalars(
        select(User).where(User.is_demo.is_(True), User.email.like("practitioner.%"))
    ).first()
    assert worker is not None
    for given, family in (("Zoë", "Saltmarsh-Demo"), ("Niamh", "O'Brien")):
        case_services.open_case_for(PersonDetails(given_name=given, family_name=family), by=worker)
    coordinator = db.session.scalars(
        select(User).where(User.is_demo.is_(True), User.email.like("coordinator.%"))
    ).first()
    assert coordinator is not None
    people = list(db.session.scalars(select(Person).where(Person.merged_into_id.is_(None))))
    return coordinator, people


def expected(people: list[Person], actor: User, wanted: Any) -> set[Any]:
    visible = visible_ids(actor)
    return {p.id for p in people if p.id in visible and wanted(p)}


QUERIES = [
    ("pebbleton", lambda p: "pebbleton" in parts(p.family_name)),
    ("Pebbleton Demo", lambda p: parts(p.family_name) == ["pebbleton", "demo"]),
    ("PEBBLETON-demo", lambda p: parts(p.family_name) == ["pebbleton", "demo"]),
    ("Elowen", lambda p: "elowen" in parts(p.given_name)),
    (
        "Amberly Ashgrove",
        lambda p: plain(p.given_name) == "amberly" and "ashgrove" in parts(p.family_name),
    ),
    ("O Brien", lambda p: plain(p.family_name) == "obrien"),
    ("obrien", lambda p: plain(p.family_name) == "obrien"),
    ("O'Brien", lambda p: plain(p.family_name) == "obrien"),
    ("N O'Brien", lambda p: plain(p.family_name) == "obrien"),
    ("Zoe", lambda p: plain(p.given_name) == "zoe"),
    ("Zoë", lambda p: plain(p.given_name) == "zoe"),
]


@pytest.mark.slow
def test_demo_names_are_found_part_by_part_through_blind_indexes_only(db, demo_world):
    actor, people = demo_world
    for query, wanted in QUERIES:
        want = expected(people, actor, wanted)
        assert want, f"the demo holds someone {query!r} should find"
        db.session.expire_all()
        ring = current_keyring()
        before = ring.decryptions
        found = search_people(actor, SearchQuery(name=query))
        decrypted = ring.decryptions - before
        assert {p.id for p in found.people} == want, query
        # only candidates were decrypted, never the whole table
        assert decrypted < len(people), query
    # ...and the raw rows hold no name: person, alias and token rows alike
    words = {w for p in people for w in parts(p.family_name) + parts(p.given_name) if len(w) > 2}
    with db.engine.connect() as conn:
        raw = " ".join(
            str(row)
            for table in (Person.__table__, PersonAlias.__table__, NameToken.__table__)
            for row in conn.execute(select(table)).all()
        ).casefold()
    assert {"pebbleton", "zoe", "obrien", "elowen"} <= words
    assert [w for w in words if w in raw] == []


def add(db: Any, make: Any, given: str, family: str, *aliases: str) -> Person:
    owner = make.user()
    person = create_person(
        PersonDetails(given_name=given, family_name=family, aliases=list(aliases)),
        by=owner,
        role="victim",
    )
    db.session.commit()
    return person


def test_ranked_exact_then_every_part_then_sound_alike(db, make, login_as, cases):
    owner = login_as("practitioner")
    for given, family in (
        ("Ada", "Ashdown"),
        ("Ada", "Ashdown-Pryce"),
        ("Ada", "Ashdoun"),
        ("Bea", "Pryce"),
    ):
        cases.open(by=owner, given_name=given, family_name=family)
    found = search_people(owner, SearchQuery(name="Ada Ashdown"))
    names = [p.display_name for p in found.people]
    assert names == ["Ada Ashdown", "Ada Ashdown-Pryce", "Ada Ashdoun"]
    ranks = [found.why[p.id].rank for p in found.people]
    assert ranks == [EXACT, ALL_PARTS, SOUNDS_ALIKE]
    reasons = [found.why[p.id].reasons for p in found.people]
    assert reasons[0] == ("first name matches", "surname matches")
    assert reasons[2] == ("first name matches", "surname sounds like it")


def test_double_barrelled_and_several_given_names_and_initials(db, make):
    person = add(db, make, "Mary Ann", "Lloyd-Hughes", "Polly Jones")
    for query, reason in (
        ("hughes", "surname matches"),
        ("Lloyd Hughes", "surname matches"),
        ("lloydhughes", "surname matches"),
        ("Ann", "first name matches"),
        ("Mary Ann Lloyd-Hughes", "first name matches"),
        ("M Hughes", "initial matches"),
        ("M A Lloyd", "initial matches"),
        ("Polly", "other name matches"),
        ("Jones", "other name matches"),
        ("Loyd", "surname sounds like it"),
    ):
        match = name_match(person, query)
        assert match is not None, query
        assert reason in match.reasons, query
    for query in ("P Hughes", "Hughes Smith", "M", "Lloyd Jones Ann Smith"):
        assert name_match(person, query) is None, query


def test_aliases_and_parts_are_indexed_and_follow_changes(db, make):
    person = add(db, make, "Ada", "Ashdown-Pryce", "Ada Quill")
    kinds = sorted({t.kind for t in person.name_tokens})
    assert kinds == ["family", "family_sound", "given", "given_sound"]
    (alias,) = person.aliases
    assert {t.kind for t in alias.name_tokens} == {"alias", "alias_sound"}
    assert len([t for t in person.name_tokens if t.kind == "family"]) == 3  # two parts and whole
    person.family_name = "Quillfeather"
    db.session.commit()
    assert len([t for t in person.name_tokens if t.kind == "family"]) == 1


def search_page(client: Any, **data: Any) -> BeautifulSoup:
    response = client.post("/people/search", data=data)
    assert response.status_code == 200
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def test_each_result_says_why_and_no_result_offers_a_new_case(client, login_as, cases):
    owner = login_as("practitioner")
    cases.open(by=owner, given_name="Ada", family_name="Ashdown-Pryce")
    page = search_page(client, name="pryce")
    (why,) = page.select('[data-testid="why"]')
    assert " ".join(why.get_text().split()) == "Partial match Surname matches"
    assert page.select_one('[data-testid="start-new-case"]') is None
    empty = search_page(client, name="Nobodyhere")
    link = empty.select_one('[data-testid="start-new-case"]')
    assert link is not None
    assert link["href"] == "/cases/new"  # no name carried in the address


def test_no_new_case_link_for_those_who_may_not_open_cases(client, login_as, make):
    login_as("chair")
    page = search_page(client, name="Nobodyhere")
    assert page.select_one('[data-testid="no-result"]') is not None
    assert page.select_one('[data-testid="start-new-case"]') is None
