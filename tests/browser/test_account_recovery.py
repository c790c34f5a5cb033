"""A system administrator resets a password and an authenticator through the browser."""

from __future__ import annotations

from emarac.auth.totp import code_for_now
from tests.browser.conftest import sign_in_through_browser
from tests.conftest import DEFAULT_PASSWORD, outbox_messages, set_password_path


def test_reset_password_then_sign_in_with_the_same_authenticator(ui, make, live_app):
    agency = make.agency(name="Northgate Probation (test)", kind="probation")
    admin = make.user(agency=agency, roles=("system_admin",))
    lost_phone = make.user(agency=agency)
    forgot = make.user(agency=agency)
    sign_in_through_browser(ui, admin, DEFAULT_PASSWORD)

    # Replacing an authenticator sits behind a details reveal, then a warning button.
    ui.goto(f"{ui.base}/admin/users/{lost_phone.id}")
    ui.page.get_by_text("Reset their authenticator app").click()
    ui.submit("Yes, reset their authenticator")
    assert ui.page.get_by_text("Authenticator reset.").is_visible()
    assert outbox_messages(live_app, to=lost_phone.email)

    ui.goto(f"{ui.base}/admin/users/{forgot.id}")
    ui.submit("Reset password")
    assert forgot.email in ui.page.get_by_test_id("link-sent").inner_text()
    assert "set-password" not in ui.page.content()
    ui.submit("Sign out")

    (message,) = outbox_messages(live_app, to=forgot.email)
    ui.goto(ui.base + set_password_path(message))
    ui.page.get_by_label("New password", exact=True).fill("lantern orbit meadow")
    ui.page.get_by_label("Confirm new password").fill("lantern orbit meadow")
    ui.submit("Set password")
    ui.page.locator("#email").fill(forgot.email)
    ui.page.locator("#password").fill("lantern orbit meadow")
    ui.submit("Sign in")
    assert ui.page.url.endswith("/sign-in/security-code")  # no enrolment offered
    ui.page.get_by_label("Security code").fill(code_for_now(forgot.totp_secret))
    ui.submit("Continue")
    assert ui.page.url.endswith("/")
