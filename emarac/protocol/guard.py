"""Loading a record through the policy: the one way a view turns an id into an object."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask_login import current_user

from emarac.extensions import db
from emarac.protocol.policy import NotAllowed

T = TypeVar("T")


def get_or_404(
    model: type[T], object_id: Any, *, may: Callable[[Any, T], bool], actor: Any = None
) -> T:
    """The record if ``may(actor, record)``; otherwise :class:`NotAllowed`.

    A missing record and a refused one raise the same error, so the answer (404)
    and the ledger event look alike and ids cannot be probed.
    """
    who = current_user if actor is None else actor
    found = db.session.get(model, object_id)
    if found is None or not may(who, found):
        raise NotAllowed(getattr(model, "__tablename__", model.__name__), object_id)
    return found
