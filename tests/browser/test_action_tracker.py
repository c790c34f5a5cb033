"""The action tracker and an action's history, as a coordinator and as the owning agency.

Set ``EMARAC_SCREENSHOTS`` to a directory to keep screenshots of the pages
(kept out of the repository; they hold only synthetic data).
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

from emarac.actions import services as actions
from emarac.clock import today
from emarac.meetings import services as meetings
from emarac.referrals import services as referrals
from tests.browser.conftest import sign_in_through_browser
from tests.conftest import DEFAULT_PASSWORD
from tests.meetings.test_agenda import refer, setup_area


def shoot(ui: Any, name: str) -> None:
    folder = os.environ.get("EMARAC_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        ui.page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def test_tracker_filters_and_history(ui, make, browser):
    from emarac.extensions import db

    owner, housing_worker, coordinator, _ = setup_area(make)
    held_on = today() - timedelta(days=14)
    meeting = meetings.create_meeting(by=coordinator, held_on=held_on)
    cases = []
    for _n in range(2):
        case, referral = refer(db, make, owner)
        referrals.accept(referral, by=coordinator, meeting=meeting)
        cases.append(case)
    meetings.release_agenda(meeting, by=coordinator)
    words = [
        ("Fit a synthetic door alarm and a letterbox guard", housing_worker, 4),
        ("Synthetic: check the tenancy for a safe move", housing_worker, 21),
        ("Synthetic: run an address flag for urgent response", owner, 18),
    ]
    agreed = [
        actions.add_action(
            cases[n % 2],
            by=coordinator,
            meeting=meeting,
            owner_agency_id=who.agency_id,
            description=text,
            due_on=held_on + timedelta(days=days),
        )
        for n, (text, who, days) in enumerate(words)
    ]
    actions.chase(agreed[0], by=coordinator)
    actions.update_action(
        agreed[1], by=housing_worker, status="cannot", note="Synthetic: no property free yet"
    )
    actions.update_action(agreed[1], by=housing_worker, status="open", note=None)

    sign_in_through_browser(ui, coordinator, DEFAULT_PASSWORD)
    ui.goto(ui.base + "/actions/")
    tracker = ui.page.get_by_test_id("tracker").inner_text()
    assert all(text in tracker for text, _, _ in words)
    assert "Last chased" in tracker
    shoot(ui, "tracker-coordinator")
    ui.page.get_by_label("Overdue only").check()
    ui.submit("Show actions")
    assert ui.page.get_by_test_id("action-row").count() == 1
    assert ui.page.get_by_label("Overdue only").is_checked()
    shoot(ui, "tracker-coordinator-overdue")

    housing = ui.page.context.browser.new_context()
    try:
        practitioner = type(ui)(housing.new_page())
        practitioner.base = ui.base
        sign_in_through_browser(practitioner, housing_worker, DEFAULT_PASSWORD)
        practitioner.goto(ui.base + "/actions/")
        rows = practitioner.page.get_by_test_id("action-row")
        assert rows.count() == 2  # housing's two, not the police's
        shoot(practitioner, "tracker-practitioner")
        practitioner.goto(ui.base + f"/actions/{agreed[1].id}")
        assert practitioner.page.get_by_test_id("history-row").count() == 2
        shoot(practitioner, "action-history")
        practitioner.assert_clean()
    finally:
        housing.close()
