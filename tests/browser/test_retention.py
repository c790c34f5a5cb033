"""Retention review through the browser: a coordinator opens the queue, reviews a due
case and erases it; its people no longer decrypt anywhere, the indicators for its
period do not change, and the ledger verifies and records the erasure."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from tests.browser.conftest import sign_in_through_browser
from tests.conftest import DEFAULT_PASSWORD, assert_ledger_verifies
from tests.retention.conftest import MARK, build_closed_world
from tests.retention.test_erasure import _every_raw_value, _indicators, _marked_ciphertexts

SHOTS = "/tmp"  # noqa: S108 - screenshots for a person to look at


def test_a_coordinator_erases_a_due_case(ui, make, clock, live_app):
    from emarac.auditing import ledger_table
    from emarac.extensions import db
    from emarac.people.models import Person

    w = build_closed_world(db, make)
    case = w["a"]
    case.review_on = date(2026, 10, 30)
    db.session.commit()
    before = _marked_ciphertexts(db, case.reference)
    figures = _indicators(db)
    page = ui.page

    sign_in_through_browser(ui, w["coordinator"], DEFAULT_PASSWORD)
    ui.follow("Retention")
    row = page.get_by_test_id("retention-due")
    assert row.count() == 1
    assert case.reference in row.inner_text()
    assert "30 October 2026" in row.inner_text()
    page.screenshot(path=f"{SHOTS}/retention-queue.png", full_page=True)

    ui.follow(f"Review {case.reference}")
    page.screenshot(path=f"{SHOTS}/retention-review.png", full_page=True)
    with page.expect_navigation():
        page.get_by_test_id("erase-case").click()
    ui.check()
    ui.submit("Erase the case")
    assert page.locator("#reason-error").is_visible()
    page.get_by_label("Why is the case erased?").fill("Six years since closure; no reason to keep")
    page.screenshot(path=f"{SHOTS}/retention-erase.png", full_page=True)
    ui.submit("Erase the case")
    assert page.get_by_test_id("case-erased").inner_text() == "Erased on 2 November 2026"
    assert MARK not in page.locator("main").inner_text()
    page.screenshot(path=f"{SHOTS}/retention-erased.png", full_page=True)
    ui.follow("Retention")
    assert page.get_by_test_id("retention-queue-empty").is_visible()
    ui.assert_clean()

    db.session.expire_all()
    assert before.isdisjoint(_every_raw_value(db))
    assert db.session.get(Person, case.victim_id).family_name is None
    assert db.session.get(Person, w["shared"].id).family_name == "Sharedbury"
    assert _indicators(db) == figures
    erased = db.session.execute(
        select(ledger_table).where(ledger_table.c.action == "case.erase")
    ).one()
    assert erased.object_id == str(case.id)
    assert erased.user_id == str(w["coordinator"].id)
    assert_ledger_verifies(live_app, db)
