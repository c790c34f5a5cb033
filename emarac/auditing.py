"""The app's one door into the audit ledger.

Every service calls :func:`record_event` inside the transaction that makes the
change, so the change and its audit event commit or roll back together. The
caller's identity, agency, request id and client address come from the request
context; values of fields never do (only their names).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from typing import Any

from flask import Flask, current_app, g, has_request_context, request
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.orm import Session

import audit
from emarac.clock import utcnow
from emarac.extensions import db

log = logging.getLogger(__name__)

ledger_table = audit.define_ledger_table(db.metadata)

_PENDING_KEY = "emarac_audit_pending"


def _actor() -> tuple[str | None, str | None]:
    if not has_request_context():
        return None, None
    user = current_user
    if user is None or not getattr(user, "is_authenticated", False):
        return None, None
    return str(user.id), str(user.agency_id)


def request_id() -> str | None:
    if not has_request_context():
        return None
    if "request_id" not in g:
        g.request_id = uuid.uuid4().hex
    return str(g.request_id)


def record_event(
    action: str,
    *,
    object_type: str | None = None,
    object_id: str | uuid.UUID | None = None,
    fields: Iterable[str] = (),
    purpose: str | None = None,
    recipient: str | None = None,
    user_id: str | uuid.UUID | None = None,
    agency_id: str | uuid.UUID | None = None,
    session: Session | None = None,
) -> int:
    """Append one event to the ledger in the current transaction; the caller commits.

    ``user_id``/``agency_id`` default to the signed-in user; pass them for events
    about someone not yet signed in (a failed login names the account tried).
    """
    actor_user, actor_agency = _actor()
    evt = audit.AuditEvent(
        action=action,
        user_id=str(user_id) if user_id is not None else actor_user,
        agency_id=str(agency_id) if agency_id is not None else actor_agency,
        object_type=object_type,
        object_id=str(object_id) if object_id is not None else None,
        fields=tuple(sorted(set(fields))),
        purpose=purpose,
        recipient=recipient,
        request_id=request_id(),
        client_addr=request.remote_addr if has_request_context() else None,
        occurred_at=utcnow(),
    )
    sess = session if session is not None else db.session()
    seq = audit.record(sess, evt, table=ledger_table)
    sess.info[_PENDING_KEY] = True
    return seq


def _checkpoint_after_commit(session: Session) -> None:
    """Sign a checkpoint after commit: a checkpoint must never name an uncommitted event."""
    if not session.info.pop(_PENDING_KEY, False):
        return
    try:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
    except RuntimeError:
        return
    signer, store = _checkpoint_tools(app)
    if signer is None or store is None:
        return
    settings = app.extensions["emarac.settings"]
    try:
        with db.engine.begin() as conn:
            audit.maybe_checkpoint(
                conn, signer, store, every=settings.audit_checkpoint_every, table=ledger_table
            )
    except Exception:
        # The event itself is committed; a missed checkpoint is caught up by the
        # next one, so this must not fail the user's request.
        log.exception("audit checkpoint failed")


def _checkpoint_tools(app: Flask) -> tuple[Any, Any]:
    tools = app.extensions.get("emarac.audit_tools")
    if tools is None:
        settings = app.extensions["emarac.settings"]
        signer = store = None
        if settings.audit_signing_key is not None and settings.audit_signing_key.exists():
            signer = audit.CheckpointSigner(settings.audit_signing_key)
        if settings.audit_checkpoint_dir is not None:
            store = audit.FileCheckpointStore(settings.audit_checkpoint_dir)
        tools = app.extensions["emarac.audit_tools"] = (signer, store)
    return tools


def checkpoint_now() -> Any:
    """Sign the current head now (used by commands and tests)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    signer, store = _checkpoint_tools(app)
    if signer is None or store is None:
        raise RuntimeError("audit signing key or checkpoint directory is not configured")
    with db.engine.begin() as conn:
        return audit.checkpoint_now(conn, signer, store, table=ledger_table)


def init_app(app: Flask) -> None:
    """Sign checkpoints after commits. The listener is process-wide, so add it once."""
    if not event.contains(Session, "after_commit", _checkpoint_after_commit):
        event.listen(Session, "after_commit", _checkpoint_after_commit)
