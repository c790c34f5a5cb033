"""Granting roles through the browser: what an agency administrator is offered and refused,
and a system administrator's grant of an area role with a reason."""

from __future__ import annotations

from tests.browser.conftest import sign_in_through_browser
from tests.conftest import DEFAULT_PASSWORD

SHOTS = "/tmp/emarac-shots"  # noqa: S108 - screenshots for a person to look at


def _offered(page) -> set[str]:
    return set(page.locator("input[name=roles]").evaluate_all("els => els.map(e => e.value)"))


def test_agency_admin_is_offered_and_granted_agency_roles_only(ui, make, live_app):
    from emarac.agencies.models import Role
    from emarac.extensions import db

    agency = make.agency(name="Roleford Police (test)")
    admin = make.user(agency=agency, roles=("agency_admin",))
    colleague = make.user(agency=agency)
    page = ui.page
    sign_in_through_browser(ui, admin, DEFAULT_PASSWORD)

    ui.goto(f"{ui.base}/admin/agencies/{agency.id}/users/invite")
    assert _offered(page) == {"practitioner", "idva", "agency_admin"}
    page.screenshot(path=f"{SHOTS}/roles-invite-agency-admin.png", full_page=True)

    ui.goto(f"{ui.base}/admin/users/{colleague.id}")
    assert _offered(page) == {"practitioner", "idva", "agency_admin"}
    # A crafted request: a coordinator box slipped into the form.
    page.evaluate(
        """() => {
            const box = document.createElement('input');
            box.type = 'checkbox'; box.name = 'roles';
            box.value = 'coordinator'; box.checked = true;
            document.querySelector('form input[name=roles]').form.appendChild(box);
        }"""
    )
    ui.submit("Save roles")
    assert "Only a system administrator can" in page.locator(".govuk-error-summary").inner_text()
    assert page.locator("#roles-error").is_visible()
    page.screenshot(path=f"{SHOTS}/roles-refused.png", full_page=True)
    db.session.refresh(colleague)
    assert colleague.roles == {Role.PRACTITIONER}

    page.get_by_label("IDVA", exact=True).check()
    ui.submit("Save roles")
    db.session.refresh(colleague)
    assert colleague.roles == {Role.PRACTITIONER, Role.IDVA}

    ui.goto(f"{ui.base}/admin/users/{admin.id}")
    assert _offered(page) == set()
    assert "cannot change your own roles" in page.locator("main").inner_text()


def test_system_admin_grants_coordinator_with_a_reason(ui, make, live_app):
    from emarac.agencies.models import Role
    from emarac.extensions import db

    admin = make.user(
        agency=make.agency(name="Platform Team (test)", kind="other"), roles=("system_admin",)
    )
    colleague = make.user(agency=make.agency(name="Roleford CSP (test)", kind="other"))
    page = ui.page
    sign_in_through_browser(ui, admin, DEFAULT_PASSWORD)
    ui.goto(f"{ui.base}/admin/users/{colleague.id}")
    page.get_by_label("MARAC coordinator", exact=True).check()
    page.get_by_label("Practitioner", exact=True).uncheck()
    ui.submit("Save roles")
    assert page.locator("#reason-error").is_visible()
    assert page.get_by_label("MARAC coordinator", exact=True).is_checked()  # kept what was ticked
    page.get_by_label("Reason for the change").fill("Covers the coordinator post from December")
    ui.submit("Save roles")
    assert "Roles saved" in page.locator("main").inner_text()
    page.screenshot(path=f"{SHOTS}/roles-granted-by-system-admin.png", full_page=True)
    db.session.refresh(colleague)
    assert colleague.roles == {Role.COORDINATOR}
