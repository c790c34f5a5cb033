"""Encrypted fields on the real models, read back with plain SQL and searched blind."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import inspect, select, text, update

from emarac.agencies.models import User
from emarac.crypto.fields import confirm, index_candidates, token_candidates
from emarac.crypto.keyring import DecryptionError, current_keyring
from emarac.incidents.models import Incident
from emarac.people.models import Person, PersonAlias

SECRETS = {
    "given": "Marigold",
    "family": "Quennell-Fairweather",
    "dob": date(1987, 6, 5),
    "phone": "07700 900765",
    "address": "14 Synthetic Row, Testville",
    "postcode": "ZZ99 3QQ",
    "narrative": "Unmistakable narrative about the kitchen door",
    "alias": "Goldie Fairweather",
}


def make_person(db, make, **fields):
    agency = make.agency()
    person = Person(created_by_agency_id=agency.id)
    for name, value in fields.items():
        setattr(person, name, value)
    db.session.add(person)
    db.session.commit()
    return person


def test_raw_rows_hold_no_plaintext(db, make):
    agency = make.agency()
    user = make.user(agency=agency)
    person = Person(created_by_agency_id=agency.id)
    person.given_name = SECRETS["given"]
    person.family_name = SECRETS["family"]
    person.date_of_birth = SECRETS["dob"]
    person.phone = SECRETS["phone"]
    person.current_address = SECRETS["address"]
    person.postcode = SECRETS["postcode"]
    alias = PersonAlias(person=person)
    alias.name = SECRETS["alias"]
    incident = Incident(
        victim_id=person.id,
        occurred_at=datetime(2026, 3, 1, tzinfo=UTC),
        reporting_agency_id=agency.id,
    )
    incident.narrative = SECRETS["narrative"]
    db.session.add_all([person, alias])
    db.session.commit()
    db.session.add(incident)
    db.session.commit()

    needles = [SECRETS[k] for k in ("given", "family", "phone", "address", "narrative", "alias")]
    needles += ["1987-06-05", "Quennell", "900765", "ZZ99", user.totp_secret]
    tables = inspect(db.engine).get_table_names()
    with db.engine.connect() as conn:
        for table in tables:
            for row in conn.execute(text(f'SELECT * FROM "{table}"')):  # noqa: S608 - table names from the schema
                for value in row:
                    blob = bytes(value) if isinstance(value, (bytes, memoryview)) else None
                    textual = str(value)
                    for needle in needles:
                        assert needle.lower() not in textual.lower(), (table, needle)
                        if blob is not None:
                            assert needle.encode() not in blob, (table, needle)
    # ... and the app still reads them back.
    db.session.expire_all()
    again = db.session.get(Person, person.id)
    assert again.family_name == SECRETS["family"]
    assert again.date_of_birth == SECRETS["dob"]


def test_ciphertext_moved_to_another_row_fails_clearly(db, make):
    a = make_person(db, make, family_name="Ashdown")
    b = make_person(db, make, family_name="Brightwell")
    db.session.execute(
        update(Person).where(Person.id == b.id).values(family_name_ct=a.family_name_ct)
    )
    db.session.commit()
    db.session.expire_all()
    moved = db.session.get(Person, b.id)
    with pytest.raises(DecryptionError, match=f"person.family_name_ct:{b.id}") as caught:
        _ = moved.family_name
    assert "Ashdown" not in str(caught.value)


def test_ciphertext_moved_to_another_column_fails_clearly(db, make):
    a = make_person(db, make, family_name="Ashdown", given_name="Avery")
    db.session.execute(
        update(Person).where(Person.id == a.id).values(given_name_ct=a.family_name_ct)
    )
    db.session.commit()
    db.session.expire_all()
    with pytest.raises(DecryptionError, match="person.given_name_ct"):
        _ = db.session.get(Person, a.id).given_name


def _search(db, column: str, *raw):
    ring = current_keyring()
    candidates = index_candidates(Person, column, *raw)
    db.session.expire_all()
    before = ring.decryptions
    rows = db.session.scalars(select(Person).where(getattr(Person, column).in_(candidates))).all()
    found = confirm(rows, column, *raw)
    return found, ring.decryptions - before, len(rows)


def test_obrien_finds_every_spelling_without_decrypting_the_table(db, make):
    for spelling in ("obrien", "O Brien", "O’BRIEN"):
        make_person(db, make, family_name=spelling)
    for other in ("Okonkwo", "Brien-Smith", "Oberon", "Ramsbottom", "Ito"):
        make_person(db, make, family_name=other)
    found, decryptions, candidates = _search(db, "family_name_bidx", "O'Brien")
    assert {p.family_name for p in found} == {"O Brien", "obrien", "O’BRIEN"}
    assert decryptions == candidates  # only candidates were decrypted, not all 8 rows
    assert candidates < 8


def test_surname_and_year_of_birth_and_phone_search(db, make):
    make_person(
        db, make, family_name="Pemberton", date_of_birth=date(1990, 1, 2), phone="+44 7700 900001"
    )
    make_person(
        db, make, family_name="Pemberton", date_of_birth=date(1991, 1, 2), phone="07700 900002"
    )
    found, _, _ = _search(db, "surname_year_bidx", "pemberton", date(1990, 12, 31))
    assert [p.date_of_birth.year for p in found] == [1990]
    found, _, _ = _search(db, "phone_bidx", "07700 900001")
    assert [p.date_of_birth.year for p in found] == [1990]
    found, _, _ = _search(db, "phone_bidx", "0044 7700 900002")
    assert [p.date_of_birth.year for p in found] == [1991]


def test_phonetic_search_finds_a_misspelling(db, make):
    make_person(db, make, family_name="Johnson")
    make_person(db, make, family_name="Jones")
    found, _, _ = _search(db, "family_name_sound_bidx", "Jonson")
    assert [p.family_name for p in found] == ["Johnson"]


def test_truncation_collisions_never_show_the_wrong_person(app, db, make):
    app.extensions["emarac.settings"].blind_index_bits = 2  # 4 buckets: collisions certain
    names = [f"Zedname{i}" for i in range(40)]
    for name in names:
        make_person(db, make, family_name=name)
    found, _, candidates = _search(db, "family_name_bidx", "Zedname7")
    assert candidates > 1  # the index alone matched several people...
    assert [p.family_name for p in found] == ["Zedname7"]  # ...confirmation kept the right one


def test_totp_secret_is_encrypted_on_the_user_row(db, make):
    user = make.user()
    with db.engine.connect() as conn:
        raw = conn.execute(select(User.totp_secret_ct).where(User.id == user.id)).scalar_one()
    assert user.totp_secret.encode() not in bytes(raw)


def test_associated_data_is_table_column_and_row_id(db, make):
    # The format every stored ciphertext is bound to: it must never drift.
    person = make_person(db, make, family_name=SECRETS["family"])
    descriptor = Person.__dict__["family_name"]
    assert descriptor.aad(person) == f"person.family_name_ct:{person.id}".encode("ascii")


def test_setting_the_same_name_again_keeps_its_name_part_rows(db, make):
    person = make_person(db, make, family_name="Pebbleton-Demo", given_name="Zoe")
    before = {(r.kind, r.digest): r.id for r in person.name_tokens}
    person.family_name = "Pebbleton-Demo"  # a form saved without a change
    db.session.commit()
    assert {(r.kind, r.digest): r.id for r in person.name_tokens} == before
    person.family_name = "Pebbleton"
    db.session.commit()
    after = {(r.kind, r.digest): r.id for r in person.name_tokens}
    family = {digest for kind, digest in after if kind == "family"}
    assert family == set(token_candidates(Person, "family", "pebbleton"))
    # the given-name rows were not touched
    assert {k: v for k, v in after.items() if k[0].startswith("given")} == {
        k: v for k, v in before.items() if k[0].startswith("given")
    }
