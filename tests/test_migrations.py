"""The migration safety net: Alembic's head matches the models, both ways."""

from __future__ import annotations

import ast
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Uuid,
    create_engine,
    inspect,
    text,
)
from sqlalchemy.exc import DBAPIError

from emarac import create_app
from emarac.extensions import db
from emarac.schema import import_models
from tests.conftest import make_settings


def _diff(url: str) -> list[object]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return list(compare_metadata(MigrationContext.configure(conn), db.metadata))
    finally:
        engine.dispose()


def test_upgrade_from_empty_gives_the_models_schema(database_url, tmp_path):
    settings = make_settings(database_url, tmp_path / "instance")
    app = create_app(settings)
    with app.app_context():
        import_models()
        upgrade()
        assert _diff(settings.database_url) == []
        db.engine.dispose()


def test_every_revision_downgrades_and_upgrades_again(database_url, tmp_path):
    settings = make_settings(database_url, tmp_path / "instance")
    app = create_app(settings)
    with app.app_context():
        upgrade()
        downgrade(revision="base")
        engine = create_engine(settings.database_url)
        tables = set(inspect(engine).get_table_names()) - {"alembic_version"}
        engine.dispose()
        assert tables == set()
        upgrade()
        assert _diff(settings.database_url) == []
        db.engine.dispose()


def test_no_revision_imports_application_code():
    """A revision copies what it needs: code it imported could change what it creates."""
    allowed = {"alembic", "sqlalchemy", "__future__"}
    for path in sorted(
        Path(__file__).parent.parent.joinpath("migrations", "versions").glob("*.py")
    ):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                roots = {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                roots = {(node.module or "").split(".")[0]}
            else:
                continue
            assert roots <= allowed, f"{path.name}:{node.lineno} imports {sorted(roots)}"


def test_upgraded_ledger_refuses_update_and_delete(database_url, tmp_path):
    app = create_app(make_settings(database_url, tmp_path / "instance"))
    with app.app_context():
        upgrade()
        db.engine.dispose()
    engine = create_engine(database_url)
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO audit_event (seq, occurred_at, action, prev_hash, hash) "
                    "VALUES (1, CURRENT_TIMESTAMP, 'test.event', :h, :h)"
                ),
                {"h": "0" * 64},
            )
        for statement in ("UPDATE audit_event SET action = 'x'", "DELETE FROM audit_event"):
            with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
                conn.execute(text(statement))
    finally:
        engine.dispose()


def _risk_tables() -> tuple[Table, Table, Table]:
    """The three tables of revision 0011 that the 0012 backfill reads and writes."""
    metadata = MetaData()
    question = Table(
        "checklist_question",
        metadata,
        Column("id", Uuid, primary_key=True),
        Column("version_id", Uuid),
        Column("section", String(16)),
        Column("code", String(40)),
        Column("text", String(400)),
        Column("position", Integer),
        Column("factor", String(40)),
    )
    assessment = Table(
        "risk_assessment",
        metadata,
        Column("id", Uuid, primary_key=True),
        Column("case_id", Uuid),
        Column("version_id", Uuid),
        Column("completed_by_id", Uuid),
        Column("agency_id", Uuid),
        Column("completed_on", Date),
        Column("victim_present", Boolean),
        Column("yes_count", Integer),
        Column("scored_level", String(16)),
        Column("final_level", String(16)),
        Column("is_demo", Boolean),
        Column("created_at", DateTime(timezone=True)),
    )
    answer = Table(
        "risk_answer",
        metadata,
        Column("id", Uuid, primary_key=True),
        Column("assessment_id", Uuid),
        Column("question_id", Uuid),
        Column("answer", String(12)),
    )
    return question, assessment, answer


def test_0012_backfills_the_factor_codes_answered_yes(database_url, tmp_path, backend):
    app = create_app(make_settings(database_url, tmp_path / "instance"))
    question, assessment, answer = _risk_tables()
    q = {code: uuid.uuid4() for code in ("alcohol", "mental", "none", "drugs")}
    factors = {"alcohol": "alcohol", "mental": "mental_health", "none": None, "drugs": "drugs"}
    mixed, only_no, empty = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    answers = [
        (mixed, "alcohol", "yes"),
        (mixed, "mental", "yes"),
        (mixed, "none", "yes"),  # a question that feeds no factor
        (mixed, "drugs", "no"),
        (only_no, "alcohol", "no"),
        (only_no, "drugs", "not_known"),
    ]
    with app.app_context():
        upgrade(revision="0011_indicator_indexes")
        with db.engine.begin() as conn:
            if backend == "postgresql":  # rows without their case, agency or user
                conn.execute(text("SET LOCAL session_replication_role = replica"))
            conn.execute(
                question.insert(),
                [
                    {"id": q[c], "version_id": uuid.uuid4(), "section": "core", "code": c,
                     "text": "Synthetic question", "position": n, "factor": factors[c]}
                    for n, c in enumerate(q)
                ],
            )  # fmt: skip
            conn.execute(
                assessment.insert(),
                [
                    {"id": a, "case_id": uuid.uuid4(), "version_id": uuid.uuid4(),
                     "completed_by_id": uuid.uuid4(), "agency_id": uuid.uuid4(),
                     "completed_on": date(2026, 3, 1), "victim_present": True, "yes_count": 0,
                     "scored_level": "standard", "final_level": "standard", "is_demo": False,
                     "created_at": datetime(2026, 3, 1, tzinfo=UTC)}
                    for a in (mixed, only_no, empty)
                ],
            )  # fmt: skip
            conn.execute(
                answer.insert(),
                [
                    {"id": uuid.uuid4(), "assessment_id": a, "question_id": q[c], "answer": v}
                    for a, c, v in answers
                ],
            )
        upgrade(revision="0012_yes_factors")
        with db.engine.connect() as conn:
            found = dict(conn.execute(text("SELECT id, yes_factors FROM risk_assessment")).all())
        db.engine.dispose()
    found = {uuid.UUID(str(k)) if not isinstance(k, uuid.UUID) else k: v for k, v in found.items()}
    assert found == {mixed: ",alcohol,mental_health,", only_no: "", empty: ""}


def test_0014_keeps_sha256_recovery_codes_and_downgrade_drops_argon2_ones(
    database_url, tmp_path, backend
):
    """Codes stored before 0014 survive it unchanged (the app upgrades them at sign-in);
    going back removes only the argon2 ones, which neither fit nor verify there."""
    app = create_app(make_settings(database_url, tmp_path / "instance"))
    legacy = "a" * 64
    argon2 = "$argon2id$v=19$m=19456,t=2,p=1$" + "s" * 22 + "$" + "h" * 43
    insert = text("INSERT INTO recovery_code (id, user_id, code_hash) VALUES (:id, :user, :hash)")
    with app.app_context():
        upgrade(revision="0013_emergency_access")
        with db.engine.begin() as conn:
            if backend == "postgresql":  # a code without its user
                conn.execute(text("SET LOCAL session_replication_role = replica"))
            conn.execute(insert, {"id": uuid.uuid4().hex, "user": uuid.uuid4().hex, "hash": legacy})
        upgrade(revision="0014_recovery_code_argon2")
        with db.engine.begin() as conn:
            if backend == "postgresql":
                conn.execute(text("SET LOCAL session_replication_role = replica"))
            conn.execute(insert, {"id": uuid.uuid4().hex, "user": uuid.uuid4().hex, "hash": argon2})
        with db.engine.connect() as conn:
            upgraded = set(conn.execute(text("SELECT code_hash FROM recovery_code")).scalars())
        downgrade(revision="0013_emergency_access")
        with db.engine.connect() as conn:
            downgraded = set(conn.execute(text("SELECT code_hash FROM recovery_code")).scalars())
        db.engine.dispose()
    assert upgraded == {legacy, argon2}
    assert downgraded == {legacy}


def test_0016_dates_the_estimated_ages_already_held(database_url, tmp_path, backend):
    """An estimate held before 0016 counts from the day its person's record was made."""
    app = create_app(make_settings(database_url, tmp_path / "instance"))
    estimated, known = uuid.uuid4(), uuid.uuid4()
    insert = text(
        "INSERT INTO person (id, estimated_age, gender, ethnic_group, disability, lgbt, "
        "interpreter_needed, immigration_concern, may_leave_message, restricted_address, "
        "is_demo, created_at) VALUES (:id, :age, 'female', 'not_known', 'not_known', "
        "'not_known', false, false, false, false, false, :at)"
    )
    with app.app_context():
        upgrade(revision="0015_repeat_review")
        with db.engine.begin() as conn:
            for person_id, age in ((estimated, 30), (known, None)):
                conn.execute(
                    insert,
                    {
                        "id": person_id.hex if backend == "sqlite" else person_id,
                        "age": age,
                        "at": datetime(2025, 6, 30, 23, 30, tzinfo=UTC),
                    },
                )
        upgrade(revision="0016_referral_and_age_dates")
        with db.engine.connect() as conn:
            found = dict(conn.execute(text("SELECT id, age_estimated_on FROM person")).all())
        downgrade(revision="0015_repeat_review")
        db.engine.dispose()
    found = {uuid.UUID(str(k)): v for k, v in found.items()}
    assert {k: str(v) if v else None for k, v in found.items()} == {
        estimated: "2025-06-30",
        known: None,
    }


def test_0024_dates_the_last_activity_of_cases_already_held_from_their_creation(
    database_url, tmp_path, backend
):
    app = create_app(make_settings(database_url, tmp_path / "instance"))
    older, newer = uuid.uuid4(), uuid.uuid4()
    made = {
        older: datetime(2025, 1, 2, 3, 4, tzinfo=UTC),
        newer: datetime(2026, 5, 6, 7, 8, tzinfo=UTC),
    }
    insert = text(
        "INSERT INTO marac_case (id, reference, area_id, owning_agency_id, victim_id, status, "
        "is_repeat, opened_on, is_demo, created_at) VALUES (:id, :ref, :area, :agency, :victim, "
        "'open', false, :opened, false, :at)"
    )
    with app.app_context():
        upgrade(revision="0023_audit_pending")
        with db.engine.begin() as conn:
            if backend == "postgresql":  # rows without their area, agency or victim
                conn.execute(text("SET LOCAL session_replication_role = replica"))
            for n, (case_id, at) in enumerate(made.items()):
                ids = {
                    "id": case_id,
                    "area": uuid.uuid4(),
                    "agency": uuid.uuid4(),
                    "victim": uuid.uuid4(),
                }
                if backend == "sqlite":
                    ids = {k: v.hex for k, v in ids.items()}
                conn.execute(
                    insert, {**ids, "ref": f"MARAC-TEST-{n}", "opened": at.date(), "at": at}
                )
        upgrade(revision="0024_case_activity")
        with db.engine.connect() as conn:
            found = dict(conn.execute(text("SELECT id, last_activity_at FROM marac_case")).all())
        db.engine.dispose()
    # SQLite hands the timestamp back as text, PostgreSQL as an aware datetime.
    found = {
        uuid.UUID(str(k)): datetime.fromisoformat(str(v)).replace(tzinfo=UTC)
        if backend == "sqlite"
        else v
        for k, v in found.items()
    }
    assert found == made


def test_0028_marks_the_cases_already_heard_as_heard(database_url, tmp_path, backend):
    """Before 0028 a case was heard or not decided yet: the heard ones get that outcome."""
    app = create_app(make_settings(database_url, tmp_path / "instance"))
    ids = {name: uuid.uuid4() for name in ("area", "agency", "person", "case", "m1", "m2")}
    heard, waiting = uuid.uuid4(), uuid.uuid4()
    at = datetime(2026, 11, 2, 11, 0, tzinfo=UTC)

    def key(value: uuid.UUID) -> object:
        return value.hex if backend == "sqlite" else value

    rows = [
        "INSERT INTO area (id, name, is_demo, created_at) VALUES (:area, 'Testshire', false, :at)",
        "INSERT INTO agency (id, name, kind, area_id, is_demo, created_at) "
        "VALUES (:agency, 'Synthetic Police', 'police', :area, false, :at)",
        "INSERT INTO person (id, gender, ethnic_group, disability, lgbt, interpreter_needed, "
        "immigration_concern, may_leave_message, restricted_address, is_demo, created_at) "
        "VALUES (:person, 'female', 'not_known', 'not_known', 'not_known', false, false, "
        "false, false, false, :at)",
        "INSERT INTO marac_case (id, reference, area_id, owning_agency_id, victim_id, status, "
        "is_repeat, opened_on, is_demo, created_at, last_activity_at) VALUES (:case, "
        "'MARAC-2026-000001', :area, :agency, :person, 'heard', false, :day, false, :at, :at)",
        "INSERT INTO meeting (id, area_id, held_on, status, created_at) "
        "VALUES (:m1, :area, :day, 'in_session', :at)",
        "INSERT INTO meeting (id, area_id, held_on, status, created_at) "
        "VALUES (:m2, :area, :day, 'in_session', :at)",
        "INSERT INTO agenda_item (id, meeting_id, case_id, position, is_repeat, heard_at) "
        "VALUES (:heard, :m1, :case, 1, false, :at)",
        "INSERT INTO agenda_item (id, meeting_id, case_id, position, is_repeat) "
        "VALUES (:waiting, :m2, :case, 1, false)",
    ]
    values = {name: key(value) for name, value in ids.items()}
    values |= {"heard": key(heard), "waiting": key(waiting), "at": at, "day": date(2026, 11, 2)}
    with app.app_context():
        upgrade(revision="0027_indicator_indexes")
        with db.engine.begin() as conn:
            for statement in rows:
                conn.execute(text(statement), values)
        upgrade(revision="0028_agenda_outcomes")
        with db.engine.connect() as conn:
            found = dict(conn.execute(text("SELECT id, outcome FROM agenda_item")).all())
        downgrade(revision="0027_indicator_indexes")
        db.engine.dispose()
    found = {uuid.UUID(str(k)): v for k, v in found.items()}
    assert found == {heard: "heard", waiting: None}


def test_0029_makes_the_minutes_already_held_version_1_approved_and_sent(
    database_url, tmp_path, backend
):
    """Minutes produced before drafts went out at once: approved by their producer, sent."""
    app = create_app(make_settings(database_url, tmp_path / "instance"))
    sent, unsent = uuid.uuid4(), uuid.uuid4()
    producer = uuid.uuid4()
    produced_at = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
    sent_at = datetime(2026, 3, 2, 15, 5, tzinfo=UTC)

    def key(value: uuid.UUID) -> object:
        return value.hex if backend == "sqlite" else value

    with app.app_context():
        upgrade(revision="0028_agenda_outcomes")
        with db.engine.begin() as conn:
            if backend == "postgresql":  # rows without their meeting, case or agency
                conn.execute(text("SET LOCAL session_replication_role = replica"))
            # The producer exists: the upgrade makes them the approver, a checked key.
            conn.execute(
                text(
                    "INSERT INTO user_account (id, email, full_name, agency_id, totp_last_step, "
                    "failed_login_count, session_version, is_demo, created_at) VALUES "
                    "(:id, 'producer@example.test', 'Test Producer', :agency, 0, 0, 1, false, :at)"
                ),
                {"id": key(producer), "agency": key(uuid.uuid4()), "at": produced_at},
            )
            for minutes_id in (sent, unsent):
                conn.execute(
                    text(
                        "INSERT INTO minutes (id, meeting_id, case_id, produced_by_id, "
                        "produced_at) VALUES (:id, :meeting, :case, :by, :at)"
                    ),
                    {
                        "id": key(minutes_id),
                        "meeting": key(uuid.uuid4()),
                        "case": key(uuid.uuid4()),
                        "by": key(producer),
                        "at": produced_at,
                    },
                )
            conn.execute(
                text(
                    "INSERT INTO minutes_distribution (id, minutes_id, user_id, agency_id, "
                    "distributed_at) VALUES (:id, :minutes, :user, :agency, :at)"
                ),
                {
                    "id": key(uuid.uuid4()),
                    "minutes": key(sent),
                    "user": key(uuid.uuid4()),
                    "agency": key(uuid.uuid4()),
                    "at": sent_at,
                },
            )
        upgrade(revision="0029_minutes_versions")
        with db.engine.connect() as conn:
            rows = conn.execute(
                text("SELECT id, version, approved_by_id, approved_at, distributed_at FROM minutes")
            ).all()
            versions = conn.execute(text("SELECT version FROM minutes_distribution")).all()
        downgrade(revision="0028_agenda_outcomes")
        with db.engine.connect() as conn:
            kept = conn.execute(text("SELECT COUNT(*) FROM minutes")).scalar()
        db.engine.dispose()

    def when(value: object) -> datetime:
        # SQLite hands the timestamp back as text, PostgreSQL as an aware datetime.
        if isinstance(value, datetime):
            return value
        return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)

    found = {
        uuid.UUID(str(row[0])): (row[1], uuid.UUID(str(row[2])), when(row[3]), when(row[4]))
        for row in rows
    }
    assert found == {
        sent: (1, producer, produced_at, sent_at),
        unsent: (1, producer, produced_at, produced_at),
    }
    assert versions == [(1,)]
    assert kept == 2  # both had been sent: the downgrade keeps them
