"""The case status lifecycle: open, referred, heard, actions open, closed.

A case is opened here in ``cases``, referred by ``referrals``, heard at a
meeting, "actions open" while any action agreed on it is still open, and
closed (``closure``) once it has been heard and its actions are finished.

Whether a case was heard is known to ``meetings`` and which actions are open
to ``actions``; both stand in the layer above, so they plug into the two hooks
below from ``create_app`` and this module never imports them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from emarac.cases.models import Case, CaseStatus
from emarac.hooks import Hook

hearings: Hook[Callable[[uuid.UUID], bool]] = Hook("cases.lifecycle.hearings")
"""Each says whether a meeting has recorded its discussion of the case."""

open_actions: Hook[Callable[[uuid.UUID], int]] = Hook("cases.lifecycle.open_actions")
"""Each counts the case's actions that are still open."""


def was_heard(case_id: uuid.UUID) -> bool:
    """Whether any meeting has recorded its discussion of the case."""
    return any(heard(case_id) for heard in hearings.items())


def open_action_count(case_id: uuid.UUID) -> int:
    return sum(count(case_id) for count in open_actions.items())


def refresh_case_status(case: Case) -> None:
    """After a hearing a case is "actions open" while any action is open, else "heard"."""
    if case.status == CaseStatus.CLOSED:
        return
    if not was_heard(case.id):
        return
    case.status = CaseStatus.ACTIONS_OPEN if open_action_count(case.id) else CaseStatus.HEARD
