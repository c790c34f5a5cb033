"""Fixtures of the action tests: an area whose meeting has heard one case."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from emarac.actions import services as actions
from emarac.actions.models import Action
from emarac.meetings import services as meetings
from emarac.referrals import services as referrals
from tests.meetings.test_agenda import refer, setup_area

MEETING_DAY = date(2026, 11, 2)


@pytest.fixture
def held(db: Any, make: Any, clock: Any) -> dict[str, Any]:
    """Police own a case accepted onto a released meeting of 2 November 2026; housing
    is invited; a coordinator of the area and a practitioner of another area look on."""
    owner, housing_worker, coordinator, outsider = setup_area(make)
    case, referral = refer(db, make, owner)
    meeting = meetings.create_meeting(by=coordinator, held_on=MEETING_DAY)
    referrals.accept(referral, by=coordinator, meeting=meeting)
    meetings.release_agenda(meeting, by=coordinator)
    return {
        "owner": owner,
        "housing": housing_worker,
        "coordinator": coordinator,
        "outsider": outsider,
        "case": case,
        "meeting": meeting,
    }


@pytest.fixture
def agree(held: dict[str, Any]) -> Callable[..., Action]:
    """``agree("Fit a door alarm", owner=held["housing"], due_on=...)``: an action the
    coordinator records at the held meeting (housing owns it unless told)."""

    def _agree(
        description: str = "Synthetic action",
        *,
        owner: Any = None,
        due_on: date = date(2026, 11, 20),
        case: Any = None,
        meeting: Any = None,
    ) -> Action:
        return actions.add_action(
            case or held["case"],
            by=held["coordinator"],
            meeting=meeting or held["meeting"],
            owner_agency_id=(owner or held["housing"]).agency_id,
            description=description,
            due_on=due_on,
        )

    return _agree
