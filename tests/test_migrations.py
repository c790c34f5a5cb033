"""The migration safety net: Alembic's head matches the models, both ways."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect

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
