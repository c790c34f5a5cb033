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
from sqlalchemy import ColumnElement, Subquery, event, null, select, union_all
from sqlalchemy.orm import Session, SessionTransaction

import audit
from emarac.clock import utcnow
from emarac.extensions import db

log = logging.getLogger(__name__)

ledger_table = audit.define_ledger_table(db.metadata)
pending_table = audit.define_pending_table(db.metadata)

# session.info keys: events were written in the open transaction; events were
# committed and wait for the sequencer.
_PENDING_KEY = "emarac_audit_pending"
_DUE_KEY = "emarac_audit_due"


def all_events() -> Subquery:
    """Chained and pending events alike, as one selectable with the ledger's columns.

    A pending event has no ``seq`` yet (NULL): readers that order by ``seq``
    put those first (``nulls_first``), as the newest. Every reader of the
    audit trail goes through this, so an event is never missing from the
    trail or the access panel between its commit and its chaining.
    """
    columns = [c.name for c in pending_table.c if c.name != "id"]
    chained = select(ledger_table.c.seq, *(ledger_table.c[name] for name in columns))
    waiting = select(
        null().cast(ledger_table.c.seq.type).label("seq"),
        *(pending_table.c[name] for name in columns),
    )
    return union_all(chained, waiting).subquery("audit_events")


def newest_first(events: Subquery) -> tuple[ColumnElement[Any], ...]:
    """The order of a trail: pending events first, then chained ones by seq, newest first."""
    return (events.c.seq.desc().nulls_first(), events.c.occurred_at.desc())


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
) -> None:
    """Write one event in the current transaction; the caller commits.

    The event goes to the pending table, taking no lock, and is chained into
    the ledger by the sequencer once the transaction has committed (see
    :func:`_after_transaction_end`); if the transaction rolls back, so does the
    event.

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
    audit.enqueue(sess, evt, pending=pending_table)
    sess.info[_PENDING_KEY] = True


def commit_read() -> None:
    """Commit a page's read events, keeping what the request has loaded as it is.

    A page that records who read it commits before it is drawn; a plain commit
    expires every row loaded so far, and the page then reloads each one as it
    is shown (a statement a row). Only for requests that change nothing but
    the events they record.
    """
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True


def _after_commit(session: Session) -> None:
    """The events are committed: the sequencer may chain them once the session lets go."""
    if session.info.pop(_PENDING_KEY, False):
        session.info[_DUE_KEY] = True


def sequence_pending() -> int:
    """Chain every committed pending event now; returns how many (0 if another call is at it)."""
    return audit.sequence(db.engine, table=ledger_table, pending=pending_table)


def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    """Chain the committed events, then sign the every-N checkpoint, once the connection is back.

    This runs after the outermost transaction has closed (its connection
    returned), never inside ``after_commit``, when the request still holds its
    connection: taking a second one there is what exhausted the pool under
    concurrent requests. So a request holds one pooled connection at a time.
    A sequencer that fails here loses nothing: the events stay pending, and
    the next commit, the checkpoint job or ``flask emarac audit sequence``
    chains them.
    """
    if transaction.parent is not None:
        return
    session.info.pop(_PENDING_KEY, None)  # not committed: rolled back
    if not session.info.pop(_DUE_KEY, False):
        return
    try:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
    except RuntimeError:
        return
    try:
        chained = sequence_pending()
    except Exception:
        log.exception("audit sequencer failed; the events stay pending")
        return
    if not chained:
        return  # another sequencer chained them, and checkpoints after itself
    signer, store = _checkpoint_tools(app)
    if signer is None or store is None:
        return
    settings = app.extensions["emarac.settings"]
    try:
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
    sequence_pending()
    with db.engine.connect() as conn:
        return audit.checkpoint_now(conn, signer, store, table=ledger_table)


def run_checkpoint_job(
    *,
    every: float,
    max_runs: int | None = None,
    stop: threading.Event | None = None,
    report: Callable[[str], None] = print,
) -> int:
    """The checkpoint job: chain pending events, then sign the head, every ``every`` seconds.

    So a signed checkpoint covers any new event at most ``every`` seconds
    after it, including events a crashed process committed but never
    chained. Runs until ``stop`` is set (or ``max_runs``); returns how many
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
        before=sequence_pending,
    )


def init_app(app: Flask) -> None:
    """Sign checkpoints after commits. The listeners are process-wide, so add them once."""
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
    if not event.contains(Session, "after_transaction_end", _after_transaction_end):
        event.listen(Session, "after_transaction_end", _after_transaction_end)
