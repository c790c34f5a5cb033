"""Signing in and completing the risk checklist with the keyboard alone.

The test sends only key presses. It reads which element has focus, as a
person reads the focus indicator, to know when it has reached the next
field.
"""

from __future__ import annotations

from typing import Any

from emarac.auth.totp import code_for_now
from tests.browser.conftest import AccessiblePage
from tests.conftest import DEFAULT_PASSWORD
from tests.factories import Cases

MOST_TABS = 40  # between two fields a person wants; far more than any page needs


def focused(page: Any) -> dict[str, str]:
    return page.evaluate(
        """() => { const e = document.activeElement;
        return {id: e.id, name: e.name || '', text: (e.textContent || '').trim()} }"""
    )


def tab_to(page: Any, want: str, *, key: str = "id") -> None:
    """Press Tab until the element with this id (or name, or text) has focus."""
    for _ in range(MOST_TABS):
        page.keyboard.press("Tab")
        if focused(page)[key] == want:
            return
    raise AssertionError(f"Tab never reached {key}={want!r}; last {focused(page)}")


def press_and_wait(ui: AccessiblePage, key: str) -> None:
    with ui.page.expect_navigation():
        ui.page.keyboard.press(key)
    ui.check()


def test_sign_in_and_a_whole_checklist_by_keyboard(ui, make, live_app):
    from emarac.extensions import db

    user = make.user()
    case = Cases(db, make).open(by=user)
    page = ui.page
    ui.goto(f"{ui.base}/sign-in")
    tab_to(page, "email")
    page.keyboard.type(user.email)
    page.keyboard.press("Tab")
    page.keyboard.type(DEFAULT_PASSWORD)
    press_and_wait(ui, "Enter")
    tab_to(page, "code")
    page.keyboard.type(code_for_now(user.totp_secret))
    press_and_wait(ui, "Enter")
    assert page.get_by_test_id("signed-in-as").is_visible()

    ui.goto(f"{ui.base}/cases/{case.id}")
    tab_to(page, "Complete the risk checklist", key="text")
    press_and_wait(ui, "Enter")
    tab_to(page, "completed_on-day")
    page.keyboard.type("2")
    page.keyboard.press("Tab")
    page.keyboard.type("11")
    page.keyboard.press("Tab")
    page.keyboard.type("2026")
    tab_to(page, "victim_present", key="name")
    page.keyboard.press("Space")  # the first choice: Yes
    codes = page.eval_on_selector_all(
        "[data-risk-core] input[type=radio][value=yes]", "radios => radios.map(r => r.name)"
    )
    assert len(codes) == 27
    for n, name in enumerate(codes):
        tab_to(page, name, key="name")
        # Space chooses the focused first option (Yes); an arrow moves to No and chooses it.
        page.keyboard.press("Space" if n < 14 else "ArrowDown")
    assert page.get_by_test_id("yes-count").inner_text() == "14"
    assert page.get_by_test_id("unanswered-count").inner_text() == "0"
    tab_to(page, "Save checklist", key="text")
    press_and_wait(ui, "Enter")
    assert page.get_by_test_id("risk-level").inner_text() == "High risk"
