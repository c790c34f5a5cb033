"""The synthetic partnership: determinism, real encryption, plausible rates, the command."""

from __future__ import annotations

import hashlib
import shutil
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, delete, func, select, text

from emarac.agencies.models import Agency, AgencyKind, Area
from emarac.cases.models import Case, CaseChild
from emarac.config import Environment
from emarac.crypto.fields import Encrypted
from emarac.crypto.keyring import current_keyring, use_keyring
from emarac.crypto.rotation import index_tokens
from emarac.incidents.models import Incident
from emarac.meetings.models import Meeting
from emarac.models_base import Base
from emarac.people.models import Gender, NameToken, Person
from emarac.people.services import SearchQuery, search_people
from emarac.referrals.models import Referral, ReferralStatus
from emarac.risk.models import ChecklistQuestion, ChecklistVersion, RiskAssessment
from emarac.risk.rules import risk_band, unanswered
from emarac.synth import SynthError, generate, generator
from emarac.synth.batch import ORDER
from emarac.synth.checks import orphans
from emarac.synth.sealing import Sealer


def _ids(conn, model) -> list[str]:
    return sorted(str(i) for i in conn.scalars(select(model.id)))


def test_same_seed_gives_the_same_data_in_another_database(db, clock, tmp_path, schema_templates):
    first = generate(db.engine, cases=60, incidents=400, seed=11)
    # Another database set up as this one was: the schema, the data key, the checklist.
    shutil.copyfile(schema_templates["sqlite"], tmp_path / "other.db")
    other = create_engine(f"sqlite:///{tmp_path / 'other.db'}")
    with use_keyring(current_keyring()):
        second = generate(other, cases=60, incidents=400, seed=11)
    assert first.rows == second.rows
    assert first.rows["marac_case"] == 60
    assert first.rows["incident"] == first.incidents == 400
    with db.engine.connect() as a, other.connect() as b:
        for model in (Person, Case, Incident, Referral):
            assert _ids(a, model) == _ids(b, model)
        plain = select(Case.reference, Case.status, Case.opened_on, Case.risk_level)
        assert (
            a.execute(plain.order_by(Case.reference)).all()
            == b.execute(plain.order_by(Case.reference)).all()
        )
        assert orphans(a) == {}
    other.dispose()


def test_a_seed_is_generated_once(db, clock):
    generate(db.engine, cases=5, incidents=20, seed=3)
    with pytest.raises(SynthError, match="already been generated"):
        generate(db.engine, cases=5, incidents=20, seed=3)


def test_names_decrypt_through_the_models_and_search_finds_a_generated_person(db, make, clock):
    generate(db.engine, cases=60, incidents=400, seed=5)
    case = db.session.scalar(select(Case).where(Case.is_demo).order_by(Case.id).limit(1))
    victim = db.session.get(Person, case.victim_id)
    assert victim.family_name.endswith("-Synth")
    assert victim.is_demo
    assert victim.date_of_birth is None or victim.birth_year == victim.date_of_birth.year
    partnership = db.session.scalar(
        select(Agency).where(Agency.area_id == case.area_id, Agency.kind == AgencyKind.OTHER)
    )
    coordinator = make.user(agency=partnership, roles=("coordinator",))
    name = f"{victim.given_name} {victim.family_name}"
    result = search_people(coordinator, SearchQuery(name=name))
    assert victim.id in [p.id for p in result.people]


def test_name_parts_are_indexed_as_reindexing_would_index_them(db, clock):
    # The generator makes the name-part rows itself; rebuilding them from the
    # decrypted names (what a fresh index pass does) must give the same rows.
    generate(db.engine, cases=40, incidents=120, seed=9)
    parts = select(NameToken.person_id, NameToken.alias_id, NameToken.kind, NameToken.digest)
    with db.engine.connect() as conn:
        made = sorted(conn.execute(parts).all())
    assert made
    with db.engine.begin() as conn:
        conn.execute(delete(NameToken))
        index_tokens(conn, current_keyring())
    with db.engine.connect() as conn:
        assert sorted(conn.execute(parts).all()) == made


def test_no_victim_is_referred_or_heard_under_16(db, clock):
    generate(db.engine, cases=1500, incidents=6000, seed=16)
    rows = db.session.execute(
        select(Person, Referral.submitted_on, Meeting.held_on)
        .join(Case, Case.victim_id == Person.id)
        .join(Referral, Referral.case_id == Case.id)
        .outerjoin(Meeting, Meeting.id == Referral.meeting_id)
    ).all()
    ages = [
        victim.age(day)
        for victim, referred_on, held_on in rows
        for day in (referred_on, held_on)
        if day is not None
    ]
    assert len(ages) > 400
    assert min(a for a in ages if a is not None) >= 16
    # The 16 and 17 year olds are still there (the return counts them).
    assert any(a in (16, 17) for a in ages)


def test_rates_are_near_the_national_figures(db, clock):
    summary = generate(db.engine, cases=800, incidents=6000, seed=2026)
    assert 0.25 <= summary.repeat_rate <= 0.38
    with db.engine.connect() as conn:
        referrals = conn.execute(
            select(Agency.kind, func.count())
            .join(Referral, Referral.referring_agency_id == Agency.id)
            .where(Referral.status != ReferralStatus.DUPLICATE)
            .group_by(Agency.kind)
        ).all()
        total = sum(n for _, n in referrals)
        police = sum(n for kind, n in referrals if kind == AgencyKind.POLICE)
        assert 0.28 <= 1 - police / total <= 0.44
        children = conn.scalar(select(func.count()).select_from(CaseChild))
        assert 1.0 <= children / 800 <= 1.4
        male = conn.scalar(
            select(func.count())
            .select_from(Case)
            .join(Person, Person.id == Case.victim_id)
            .where(Person.gender == Gender.MALE)
        )
        assert male / 800 < 0.1
        repeats = conn.scalar(select(func.count()).where(Referral.is_repeat))
        assert repeats == summary.repeat_hearings + conn.scalar(
            select(func.count()).where(Referral.is_repeat, Referral.meeting_id.is_(None))
        )


def test_command_prints_counts_and_rate_and_refuses_production(app, db, clock):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["emarac", "synth", "--cases", "20", "--incidents", "120", "--seed", "9"]
    )
    assert result.exit_code == 0, result.output
    assert "incidents a second" in result.output
    assert "-Synth" not in result.output  # counts only, never a name
    app.extensions["emarac.settings"].environment = Environment.PRODUCTION
    refused = runner.invoke(
        args=["emarac", "synth", "--cases", "1", "--seed", str(uuid.uuid4().int % 1000)]
    )
    assert refused.exit_code != 0
    assert "production" in refused.output


def test_every_synthetic_checklist_is_complete_and_its_count_matches_its_answers(db, clock):
    """The generated checklists would pass the form's rule, and their scores add up."""
    generate(db.engine, cases=40, incidents=200, seed=17)
    questions = {q.id: q for q in db.session.scalars(select(ChecklistQuestion))}
    assessments = db.session.scalars(select(RiskAssessment)).all()
    assert assessments
    for assessment in assessments:
        asked = {a.question_id: a.answer for a in assessment.answers}
        version = [q for q in questions.values() if q.version_id == assessment.version_id]
        given = [(q.section, q.id in asked) for q in sorted(version, key=lambda q: q.position)]
        assert unanswered(given) == []
        core_yes = sum(
            1
            for qid, answer in asked.items()
            if questions[qid].section == "core" and answer == "yes"
        )
        assert assessment.yes_count == core_yes
        assert assessment.scored_level == risk_band(core_yes)


def _plain_rows(conn, ring) -> dict[str, str]:
    """A digest per generated table of every row, ciphertexts read back as their plain values.

    Ciphertexts differ from run to run (each has a fresh nonce), name-part row
    ids are not drawn from the seed, and the checklist is the one each database
    was set up with, so those are compared by what they hold.
    """
    sealer = Sealer(ring)
    encrypted = {}
    for mapper in Base.registry.mappers:
        model = mapper.class_
        for attribute, value in vars(model).items():
            if isinstance(value, Encrypted):
                encrypted[(mapper.local_table.name, value.column)] = (model, attribute)
    versions = select(ChecklistVersion.id, ChecklistVersion.label)
    questions = select(ChecklistQuestion.id, ChecklistQuestion.code)
    checklist = {
        "version_id": dict(conn.execute(versions).all()),
        "question_id": dict(conn.execute(questions).all()),
    }
    digests = {}
    for table in ORDER:
        if table.name in ("checklist_version", "checklist_question"):
            continue
        rows = []
        for row in conn.execute(select(table)).mappings():
            values = []
            for column, value in row.items():
                if table.name == "person_name_token" and column == "id":
                    continue
                if (table.name, column) in encrypted and value is not None:
                    value = sealer.open(*encrypted[(table.name, column)], row["id"], value)
                if column in checklist and table.name.startswith("risk_"):
                    value = checklist[column][value]
                if isinstance(value, datetime) and value.tzinfo is not None:
                    value = value.astimezone(UTC).replace(tzinfo=None)
                values.append(f"{column}={value!r}")
            rows.append("|".join(values))
        digests[table.name] = hashlib.sha256("\n".join(sorted(rows)).encode()).hexdigest()
    return digests


def test_same_seed_gives_the_same_rows_in_every_table(db, clock, tmp_path, schema_templates):
    """Every column of every generated row, decrypted, is the same on a second run of the seed."""
    generate(db.engine, cases=30, incidents=200, seed=12)
    shutil.copyfile(schema_templates["sqlite"], tmp_path / "other.db")
    other = create_engine(f"sqlite:///{tmp_path / 'other.db'}")
    ring = current_keyring()
    with use_keyring(ring):
        generate(other, cases=30, incidents=200, seed=12)
    with db.engine.connect() as a, other.connect() as b:
        first, second = _plain_rows(a, ring), _plain_rows(b, ring)
    other.dispose()
    assert first == second
    with use_keyring(ring):  # and a different seed gives different rows
        generate(other, cases=30, incidents=200, seed=13)
    with other.connect() as b:
        assert _plain_rows(b, ring)["incident"] != first["incident"]
    other.dispose()


def _index_definitions(conn) -> list[str]:
    if conn.dialect.name == "sqlite":
        found = "SELECT sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
    else:
        found = "SELECT indexdef FROM pg_indexes WHERE schemaname = 'public'"
    return sorted(conn.scalars(text(found)))


def test_a_postgresql_load_builds_the_indexes_it_set_aside(db, clock, monkeypatch):
    """The plain indexes dropped for the load are all there after it, and after a failed one.

    SQLite sets none aside (each batch commits on its own there): a load leaves
    its indexes as they were.
    """
    with db.engine.connect() as conn:
        before = _index_definitions(conn)
    assert any("ix_incident_victim_id" in d for d in before)
    if db.engine.dialect.name != "postgresql":
        generate(db.engine, cases=60, incidents=120, seed=21)
        with db.engine.connect() as conn:
            assert _index_definitions(conn) == before
        return

    real = generator.write_case
    made = []

    def broken(*args, **kwargs):
        made.append(1)
        if len(made) > 550:  # the first batch of 500 cases is already with the writer
            raise RuntimeError("generation failed half way")
        return real(*args, **kwargs)

    with monkeypatch.context() as patched:
        patched.setattr(generator, "write_case", broken)
        with pytest.raises(RuntimeError, match="half way"):
            generate(db.engine, cases=600, incidents=1200, seed=21)
    with db.engine.connect() as conn:
        assert _index_definitions(conn) == before
        assert conn.scalar(select(func.count()).select_from(Area)) == 0  # all rolled back

    generate(db.engine, cases=600, incidents=1200, seed=21)
    with db.engine.connect() as conn:
        assert _index_definitions(conn) == before
        assert conn.scalar(select(func.count()).select_from(Incident)) == 1200
        assert orphans(conn) == {}
