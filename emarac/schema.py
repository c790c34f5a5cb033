"""Create the schema outside Alembic (tests, throwaway databases).

Production and ``make run`` use ``flask db upgrade``; a test checks that both
give the same schema. The audit guards are added here too so tests run against
the same append-only ledger as production.
"""

from __future__ import annotations

from sqlalchemy import text

import audit
from emarac.crypto.keyring import current_keyring
from emarac.extensions import db
from emarac.risk.services import publish_default_checklist


def import_models() -> None:
    """Import every feature's models so the metadata is complete."""
    import emarac.actions.models  # noqa: F401
    import emarac.agencies.models  # noqa: F401
    import emarac.auditing  # noqa: F401
    import emarac.cases.models  # noqa: F401
    import emarac.crypto.models  # noqa: F401
    import emarac.disclosures.models  # noqa: F401
    import emarac.idva.models  # noqa: F401
    import emarac.incidents.models  # noqa: F401
    import emarac.indicators.models  # noqa: F401
    import emarac.meetings.models  # noqa: F401
    import emarac.notifications.models  # noqa: F401
    import emarac.people.models  # noqa: F401
    import emarac.referrals.models  # noqa: F401
    import emarac.retention.models  # noqa: F401
    import emarac.risk.models  # noqa: F401


def create_schema() -> None:
    import_models()
    db.create_all()
    dialect = db.engine.dialect.name
    with db.engine.begin() as conn:
        for statement in audit.guard_statements(dialect, "audit_event"):
            conn.execute(text(statement))
        for statement in audit.pending_guard_statements(dialect, "audit_event"):
            conn.execute(text(statement))
    set_up_data()


def set_up_data() -> None:
    """What a new database needs before anyone uses it: the first data key and checklist.

    ``flask emarac setup`` runs this after ``flask db upgrade``; ``create_schema``
    runs it for throwaway databases. Both steps do nothing when already done.
    """
    ensure_data_key()
    publish_default_checklist()


def ensure_data_key() -> None:
    """Create the first data key now, in its own transaction, rather than mid-request."""
    current_keyring()


def dispose() -> None:
    db.session.remove()
    db.engine.dispose()
