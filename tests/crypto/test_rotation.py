"""Key rotation over many values, interrupted and resumed; KEK re-wrapping."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Connection, delete, func, select

from emarac.crypto import keyring as kr
from emarac.crypto import rotation
from emarac.crypto.fields import confirm, index_candidates, token_candidates
from emarac.crypto.providers import FileKeyProvider, KeyUnavailable, generate_kek_text
from emarac.people.models import NameToken, Person, PersonAlias

PEOPLE = 5_000
FIELDS = (
    "given_name",
    "family_name",
    "phone",
    "postcode",
    "current_address",
    "previous_addresses",
    "email",
    "first_language",
    "safe_phone",
    "safe_times",
)


class Stop(Exception):
    pass


def fill(db) -> int:
    """5,000 people with 10 encrypted fields and a date of birth each: 55,000 values."""
    rows = []
    for i in range(PEOPLE):
        person = Person()
        for name in FIELDS:
            setattr(person, name, f"{name}-{i:05d}")
        person.date_of_birth = date(1970 + i % 40, 1 + i % 12, 1 + i % 28)
        rows.append(person)
    db.session.add_all(rows)
    db.session.commit()
    return PEOPLE * (len(FIELDS) + 1)


@pytest.mark.slow
def test_rotation_of_fifty_thousand_values_resumes_after_interruption(app, db, settings):
    total = fill(db)
    assert total >= 50_000
    provider = kr.provider_for(settings)
    old = kr.ensure(db.engine, provider).active
    new = rotation.start_rotation(db.engine, provider)
    assert rotation.count_stale(db.engine, new) == total

    batches = {"n": 0}

    def interrupt_after_three(_table: str, _rows: int) -> None:
        batches["n"] += 1
        if batches["n"] == 3:
            raise Stop

    with pytest.raises(Stop):
        rotation.rotate_values(db.engine, provider, batch_size=1000, progress=interrupt_after_three)
    left = rotation.count_stale(db.engine, new)
    assert 0 < left < total  # some work was done and kept; nothing was lost

    rewritten = rotation.rotate_values(db.engine, provider, batch_size=1000)
    assert rewritten == left  # the second run did only what was left: no double work
    assert rotation.count_stale(db.engine, new) == 0

    status = {s.version: s for s in rotation.key_status(db.engine)}
    assert status[new].values == total
    assert status[old].values == 0
    assert status[old].state == "retired"

    kr.reload_keyring()
    db.session.expire_all()
    sample = db.session.scalars(select(Person).order_by(Person.id).limit(200)).all()
    for person in sample:
        assert person.family_name.startswith("family_name-")
        assert person.date_of_birth is not None
    # Blind indexes were recomputed under the new key: search still works.
    target = sample[17].family_name
    rows = db.session.scalars(
        select(Person).where(
            Person.family_name_bidx.in_(index_candidates(Person, "family_name_bidx", target))
        )
    ).all()
    assert [p.family_name for p in confirm(rows, "family_name_bidx", target)] == [target]
    assert all(p.family_name_bidx.startswith(f"{new}:") for p in rows)


def test_values_written_during_rotation_use_the_new_key(app, db, settings):
    provider = kr.provider_for(settings)
    kr.ensure(db.engine, provider)
    new = rotation.start_rotation(db.engine, provider)
    kr.reload_keyring()
    person = Person()
    person.family_name = "Written-during-rotation"
    db.session.add(person)
    db.session.commit()
    assert kr.version_of(bytes(person.family_name_ct)) == new


def test_kek_rewrap_changes_no_data(app, db, settings, tmp_path):
    fill_small = Person()
    fill_small.family_name = "Rewrapped"
    db.session.add(fill_small)
    db.session.commit()
    before = db.session.scalar(select(Person.family_name_ct))
    old = kr.provider_for(settings)
    new_file = tmp_path / "new-kek.key"
    new_file.write_text(generate_kek_text(dev=False))
    new = FileKeyProvider(new_file)
    assert rotation.rewrap_keys(db.engine, old, new) >= 1

    with db.engine.connect() as conn:
        assert kr.load(conn, new) is not None
        with pytest.raises(KeyUnavailable):
            kr.load(conn, old)
    assert db.session.scalar(select(Person.family_name_ct)) == before
    assert db.session.scalar(select(func.count()).select_from(Person)) == 1


def _store_and_rotate(db, settings, rows: list, *, batch_size: int) -> int:
    """Commit ``rows``, rotate every value to a new key in batches of ``batch_size``,
    and return the new key's version (the session then reads the rows afresh)."""
    db.session.add_all(rows)
    db.session.commit()
    provider = kr.provider_for(settings)
    kr.ensure(db.engine, provider)
    new = rotation.start_rotation(db.engine, provider)
    rotation.rotate_values(db.engine, provider, batch_size=batch_size)
    kr.reload_keyring()
    db.session.expire_all()
    return new


def _part_owners(db, model, kind: str, token: str) -> set:
    owner = NameToken.person_id if model is Person else NameToken.alias_id
    return set(
        db.session.scalars(
            select(owner).where(
                NameToken.kind == kind,
                NameToken.digest.in_(token_candidates(model, kind, token)),
            )
        )
    )


def _tokened_person(db) -> Person:
    person = Person()
    person.given_name = "Zoë Ann"
    person.family_name = "Pebbleton-Demo"
    alias = PersonAlias(person_id=person.id)
    alias.name = "Zoe O'Brien"
    person.aliases.append(alias)
    db.session.add(person)
    db.session.commit()
    return person


def test_rotation_rebuilds_the_name_part_indexes_under_the_new_key(app, db, settings):
    person = _tokened_person(db)
    provider = kr.provider_for(settings)
    old = kr.ensure(db.engine, provider).active
    rows_before = db.session.scalar(select(func.count()).select_from(NameToken))
    new = rotation.start_rotation(db.engine, provider)
    rotation.rotate_values(db.engine, provider)
    kr.reload_keyring()
    db.session.expire_all()
    digests = db.session.scalars(select(NameToken.digest)).all()
    assert len(digests) == rows_before
    assert {d.split(":")[0] for d in digests} == {str(new)}
    assert kr.ensure(db.engine, provider).versions == [new]  # the old key is retired
    assert old != new
    (alias,) = person.aliases
    assert _part_owners(db, Person, "family", "pebbleton") == {person.id}
    assert _part_owners(db, Person, "given", "zoe") == {person.id}
    assert _part_owners(db, PersonAlias, "alias", "obrien") == {alias.id}


def _expected_parts(person_id) -> list[tuple[str, str]]:
    """(kind, digest) of each name part of ``_tokened_person``, made by the search side."""
    from emarac.crypto import normalise

    parts = {
        "given": normalise.name_tokens("Zoë Ann"),
        "given_sound": normalise.sound_tokens("Zoë Ann"),
        "family": normalise.name_tokens("Pebbleton-Demo"),
        "family_sound": normalise.sound_tokens("Pebbleton-Demo"),
    }
    return sorted(
        (kind, digest)
        for kind, tokens in parts.items()
        for token in tokens
        for digest in token_candidates(Person, kind, token)
    )


def test_rotation_repairs_name_part_rows_out_of_step_with_the_name(app, db, settings):
    # Rotation pairs each person's rows with the new digests by position (on
    # PostgreSQL it updates them in place): a row too many must go and a
    # missing one must come, so afterwards the rows are exactly what the name
    # needs, each found by the search under the new key.
    person = _tokened_person(db)
    provider = kr.provider_for(settings)
    kr.ensure(db.engine, provider)
    mine = select(NameToken).where(NameToken.person_id == person.id)
    family = db.session.scalars(mine.where(NameToken.kind == "family")).first()
    db.session.delete(family)
    db.session.add(NameToken(person_id=person.id, kind="given", digest="1:0000"))
    db.session.add(NameToken(person_id=person.id, kind="retired_kind", digest="1:0001"))
    db.session.commit()

    rotation.start_rotation(db.engine, provider)
    rotation.rotate_values(db.engine, provider)
    kr.reload_keyring()
    db.session.expire_all()
    rows = db.session.scalars(mine).all()
    assert sorted((r.kind, r.digest) for r in rows) == _expected_parts(person.id)
    assert _part_owners(db, Person, "family", "pebbleton") == {person.id}


def test_reindex_fills_the_name_part_indexes_of_people_recorded_before_them(app, db, settings):
    person = _tokened_person(db)
    expected = sorted(db.session.execute(select(NameToken.kind, NameToken.digest)).all())
    db.session.execute(delete(NameToken))  # as after migration 0020: the table starts empty
    db.session.commit()
    assert _part_owners(db, Person, "family", "pebbleton") == set()
    provider = kr.provider_for(settings)
    assert rotation.reindex_tokens(db.engine, provider) == 2  # the person and the alias
    db.session.expire_all()
    assert sorted(db.session.execute(select(NameToken.kind, NameToken.digest)).all()) == expected
    assert _part_owners(db, Person, "family", "demo") == {person.id}
    assert rotation.reindex_tokens(db.engine, provider) == 2  # again: same rows, no duplicates
    assert db.session.scalar(select(func.count()).select_from(NameToken)) == len(expected)


def test_rotation_keeps_each_row_its_own_values_and_empties(app, db, settings):
    # On PostgreSQL a batch is written as one array per column: every row must
    # get back its own values (the associated data would refuse another's),
    # and empty values and indexes stay empty.
    people = []
    for i in range(30):
        person = Person()
        person.family_name = f"Rowan{i:02d}-Synth"
        if i % 3:
            person.phone = f"07700 900{i:03d}"
        people.append(person)
    new = _store_and_rotate(db, settings, people, batch_size=7)
    for i, person in enumerate(people):
        again = db.session.get(Person, person.id)
        assert again.family_name == f"Rowan{i:02d}-Synth"
        assert again.family_name_bidx.startswith(f"{new}:")
        assert again.phone == (f"07700 900{i:03d}" if i % 3 else None)
        assert (again.phone_bidx is None) == (i % 3 == 0)
        assert again.email is None
        assert again.email_ct is None


def test_rotation_gives_every_row_the_index_values_the_app_would(app, db, settings):
    # Rotation remembers the index values of values it has seen (names and
    # dates of birth repeat): each row must still get exactly what the fields
    # compute for its own values, repeated, distinct or empty.
    from emarac.crypto.fields import indexes_of, token_indexes_of

    given = ["Ann", "Zoë", "Ann Marie", None]
    family = ["Pebbleton-Demo", "Rowan", "Pebbleton", "O'Brien-Rowan", "Rowan"]
    people = []
    for i in range(40):
        person = Person()
        person.given_name = given[i % len(given)]
        person.family_name = family[i % len(family)]
        person.date_of_birth = date(1980 + i % 3, 1 + i % 2, 1) if i % 7 else None
        person.phone = f"07700 900{i % 6:03d}" if i % 4 else None
        people.append(person)
    new = _store_and_rotate(db, settings, people, batch_size=9)
    for person in people:
        again = db.session.get(Person, person.id)
        for index in indexes_of(Person):
            values = [getattr(again, source) for source in index.sources]
            assert getattr(again, index.column) == index.compute("person", values, new)
        expected = {
            (index.kind, digest)
            for index in token_indexes_of(Person)
            for digest in index.compute("person_name_token", getattr(again, index.source), new)
        }
        rows = db.session.scalars(select(NameToken).where(NameToken.person_id == person.id))
        assert sorted((r.kind, r.digest) for r in rows) == sorted(expected)


def test_a_batch_that_misses_a_row_is_not_written(app, db):
    # A batch (one UPDATE over arrays on PostgreSQL, an executemany elsewhere)
    # that changed fewer rows than it was given (a row gone, an id wrong) must
    # fail, so the batch rolls back and is done again, rather than commit with a
    # value left behind.
    import uuid

    from emarac.crypto import bulk

    person = Person()
    person.family_name = "Kept-As-It-Was"
    db.session.add(person)
    db.session.commit()
    before = bytes(person.family_name_ct)
    table = Person.__table__
    with db.engine.connect() as conn, pytest.raises(RuntimeError, match="1 of a batch of 2"):
        bulk.update_rows(
            conn,
            table,
            ["family_name_ct"],
            [[person.id, b"\x01rewritten"], [uuid.uuid4(), b"\x01nobody"]],
        )
    db.session.expire_all()
    assert bytes(db.session.get(Person, person.id).family_name_ct) == before


def test_a_batch_that_does_not_commit_is_redone_on_resume_and_keeps_the_old_key(
    app, db, settings, monkeypatch
):
    # On PostgreSQL two batches are written at once and may commit out of
    # order: one that fails (or is cut off) leaves a gap, with batches after
    # it in key order done. Here the second batch to commit is rolled back
    # instead. Its values must still read under the old key, which must not
    # be retired, and resuming must redo exactly them.
    import itertools

    people = []
    for i in range(30):
        person = Person()
        person.family_name = f"Lost{i:02d}-Synth"
        people.append(person)
    db.session.add_all(people)
    db.session.commit()
    provider = kr.provider_for(settings)
    old = kr.ensure(db.engine, provider).active
    new = rotation.start_rotation(db.engine, provider)

    commits, commit = itertools.count(1), Connection.commit

    def lose_the_second(conn):
        if next(commits) == 2:
            conn.rollback()
        else:
            commit(conn)

    monkeypatch.setattr(Connection, "commit", lose_the_second)
    rotation.rotate_values(db.engine, provider, batch_size=7)
    monkeypatch.undo()

    assert rotation.count_stale(db.engine, new) == 7
    assert {s.version: s.state for s in rotation.key_status(db.engine)}[old] != "retired"
    kr.reload_keyring()
    db.session.expire_all()
    assert [db.session.get(Person, p.id).family_name for p in people] == [
        f"Lost{i:02d}-Synth" for i in range(30)
    ]
    lost = {p.id for p in people if kr.version_of(bytes(p.family_name_ct)) == old}
    assert len(lost) == 7

    assert rotation.rotate_values(db.engine, provider, batch_size=7) == 7
    assert rotation.count_stale(db.engine, new) == 0
    assert {s.version: s.state for s in rotation.key_status(db.engine)}[old] == "retired"
    kr.reload_keyring()
    db.session.expire_all()
    for person in people:
        again = db.session.get(Person, person.id)
        assert kr.version_of(bytes(again.family_name_ct)) == new
        assert again.family_name_bidx.startswith(f"{new}:")
    target = next(p for p in people if p.id in lost).family_name
    rows = db.session.scalars(
        select(Person).where(
            Person.family_name_bidx.in_(index_candidates(Person, "family_name_bidx", target))
        )
    ).all()
    assert [p.family_name for p in confirm(rows, "family_name_bidx", target)] == [target]
