"""The app's one door into the audit ledger.

Every service calls :func:`record_event` inside the transaction that makes the
change, so the change and its audit event commit or roll back together. The
caller's identity, agency, request id and client address come from the request
context; values of fields never do (only their names).
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, current_app, g, has_request_context, request
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

import audit
from emarac.clock import utcnow
from emarac.extensions import db

log = logging.getLogger(__name__)

ledger_table = audit.define_ledger_table(db.metadata)

# session.info keys: the highest seq recorded in the open transaction, and the
# highest committed seq not yet considered for a checkpoint.
_PENDING_KEY = "emarac_audit_pending"
_DUE_KEY = "emarac_audit_due"


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
        # The client's own address behind trusted proxies (ProxyFix, EMARAC_TRUSTED_PROXIES).
        client_addr=request.remote_addr if has_request_context() else None,
        occurred_at=utcnow(),
    )
    sess = session if session is not None else db.session()
    seq = audit.record(sess, evt, table=ledger_table)
    sess.info[_PENDING_KEY] = max(seq, sess.info.get(_PENDING_KEY, 0))
    return seq


def _after_commit(session: Session) -> None:
    """The events are committed: a checkpoint may name them once the session lets go."""
    pending = session.info.pop(_PENDING_KEY, 0)
    if pending:
        session.info[_DUE_KEY] = max(pending, session.info.get(_DUE_KEY, 0))


def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    """Sign the every-N-events checkpoint once the session's connection is back in the pool.

    This runs after the outermost transaction has closed (its connection
    returned), never inside ``after_commit``, when the request still holds its
    connection: taking a second one there is what exhausted the pool under
    concurrent requests. So a request holds one pooled connection at a time.
    """
    if transaction.parent is not None:
        return
    session.info.pop(_PENDING_KEY, None)  # not committed: rolled back
    due = session.info.pop(_DUE_KEY, 0)
    if not due:
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
        last = store.last()
        if due - (last.seq if last else 0) < settings.audit_checkpoint_every:
            return  # no connection needed to know it is not due yet
        with db.engine.connect() as conn:
            audit.maybe_checkpoint(
                conn, signer, store, every=settings.audit_checkpoint_every, table=ledger_table
            )
    except audit.LedgerDiverged as problem:
        log.error("audit checkpoint refused: %s", problem)
    except Exception:
        # The event itself is committed; a missed checkpoint is caught up by the
        # next one or by the checkpoint job, so this must not fail the request.
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
    with db.engine.connect() as conn:
        return audit.checkpoint_now(conn, signer, store, table=ledger_table)


def run_checkpoint_job(
    *,
    every: float,
    max_runs: int | None = None,
    stop: threading.Event | None = None,
    report: Callable[[str], None] = print,
) -> int:
    """The checkpoint job: sign the head every ``every`` seconds, when it moved.

    So a signed checkpoint covers any new event at most ``every`` seconds
    after it. Runs until ``stop`` is set (or ``max_runs``); returns how many
    checkpoints it signed.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    signer, store = _checkpoint_tools(app)
    if signer is None or store is None:
        raise RuntimeError("audit signing key or checkpoint directory is not configured")
    return audit.run_checkpoints(
        db.engine.connect,
        signer,
        store,
        table=ledger_table,
        every=every,
        max_runs=max_runs,
        stop=stop,
        report=report,
    )


def init_app(app: Flask) -> None:
    """Sign checkpoints after commits. The listeners are process-wide, so add them once."""
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
    if not event.contains(Session, "after_transaction_end", _after_transaction_end):
        event.listen(Session, "after_transaction_end", _after_transaction_end)
