"""The warning before the idle limit, by keyboard, and a half-filled checklist that survives it.

The live app here signs people out after 20 idle seconds, so the warning
(two minutes before, or half the limit when the limit is shorter) comes 10
seconds after the last request.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

from emarac.auth.totp import code_for_now
from tests.browser.conftest import sign_in_through_browser
from tests.conftest import DEFAULT_PASSWORD
from tests.factories import Cases

IDLE = 20
DIALOG = "You are about to be signed out"
SHOTS = os.environ.get("EMARAC_A11Y_SHOTS")  # a folder for screenshots, if set


@pytest.fixture
def live_settings() -> dict[str, Any]:
    return {"idle_timeout_seconds": IDLE}


def _status(page: Any) -> dict[str, Any]:
    return page.evaluate("fetch('/session').then(r => r.json())")


def _focused(page: Any) -> str:
    return page.evaluate("document.activeElement.textContent.trim()")


@pytest.mark.slow
def test_the_warning_by_keyboard_renews_and_a_draft_survives_the_sign_out(ui, make, live_app):
    from emarac.extensions import db

    user = make.user()
    case = Cases(db, make).open(by=user)
    page = ui.page
    sign_in_through_browser(ui, user, DEFAULT_PASSWORD)
    checklist = f"{ui.base}/cases/{case.id}/risk/new"
    ui.goto(checklist)
    page.locator("input[name=q_injury][value=yes]").check()
    page.locator("input[name=q_frightened][value=not_known]").check()
    page.locator("#n_injury").fill("Synthetic note typed before the timeout")

    # The warning: a modal dialog with its name, focus on "Stay signed in".
    dialog = page.get_by_role("dialog", name=DIALOG)
    dialog.wait_for(state="visible", timeout=(IDLE + 5) * 1000)
    assert _focused(page) == "Stay signed in"
    assert "signed out in" in dialog.inner_text()
    assert "kept in this browser tab" in dialog.inner_text()
    ui.check()  # axe, with the dialog open
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/session-timeout-dialog-1280.png")
        page.set_viewport_size({"width": 320, "height": 700})
        page.screenshot(path=f"{SHOTS}/session-timeout-dialog-320.png")
        page.set_viewport_size({"width": 1280, "height": 720})
    page.keyboard.press("Tab")
    assert _focused(page) == "Sign out"
    page.keyboard.press("Shift+Tab")
    assert _focused(page) == "Stay signed in"
    page.keyboard.press("Enter")
    dialog.wait_for(state="hidden")
    assert _focused(page) == ""  # focus went back to where it was (the note field)
    assert page.evaluate("document.activeElement.id") == "n_injury"
    renewed = _status(page)
    assert renewed["signed_in"]
    assert renewed["seconds_left"] > IDLE - 3  # the server renewed the session

    # Escape means "Stay signed in" too.
    dialog.wait_for(state="visible", timeout=(IDLE + 5) * 1000)
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden")
    assert _status(page)["seconds_left"] > IDLE - 3

    # Left alone, the page signs out and comes back to the sign-in page.
    page.wait_for_url("**/sign-in?next=*", timeout=(IDLE + 10) * 1000)
    ui.check()
    assert "inactive" in page.locator("main").inner_text()
    assert not _status(page)["signed_in"]

    # Signing in again leads back to the checklist, with what was entered.
    page.locator("#email").fill(user.email)
    page.locator("#password").fill(DEFAULT_PASSWORD)
    ui.submit("Sign in")
    page.get_by_label("Security code").fill(code_for_now(user.totp_secret))
    ui.submit("Continue")
    assert page.url == checklist
    assert page.get_by_test_id("draft-restored").is_visible()
    assert page.locator("input[name=q_injury][value=yes]").is_checked()
    assert page.locator("input[name=q_frightened][value=not_known]").is_checked()
    assert page.locator("#n_injury").input_value() == "Synthetic note typed before the timeout"
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/checklist-draft-restored-1280.png")
    assert page.get_by_test_id("yes-count").inner_text() == "1"
    assert page.get_by_test_id("unanswered-count").inner_text() == "25"

    # Signing out deletes the copy from the tab.
    page.get_by_role("button", name="Sign out").first.click()
    page.wait_for_url("**/sign-in")
    assert page.evaluate("Object.keys(sessionStorage)") == []
