"""Who may grant which role: agency roles within the agency, area and system
roles by a system administrator with a reason, never to oneself."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from emarac.agencies.models import Role, User
from emarac.auditing import ledger_table
from emarac.notifications.models import Notification


def _errors(response) -> dict[str, str]:
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    return {
        link["href"].lstrip("#"): link.get_text(strip=True)
        for link in page.select(".govuk-error-summary a[href^='#']")
    }


def _offered(response) -> set[str]:
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    return {box["value"] for box in page.select("input[name=roles]")}


def _events(db, action: str, user) -> list[str | None]:
    """The purposes of ``action`` events about ``user``, oldest first."""
    return db.session.scalars(
        select(ledger_table.c.purpose)
        .where(ledger_table.c.action == action, ledger_table.c.object_id == str(user.id))
        .order_by(ledger_table.c.seq)
    ).all()


def test_agency_admin_is_offered_agency_roles_only(client, login_as, make, clock):
    agency = make.agency()
    admin = login_as("agency_admin", agency=agency)
    colleague = make.user(agency=agency)
    invite = client.get(f"/admin/agencies/{agency.id}/users/invite")
    assert _offered(invite) == {"practitioner", "idva", "agency_admin"}
    assert _offered(client.get(f"/admin/users/{colleague.id}")) == {
        "practitioner",
        "idva",
        "agency_admin",
    }
    own = client.get(f"/admin/users/{admin.id}")
    assert _offered(own) == set()
    assert "cannot change your own roles" in own.get_data(as_text=True)


@pytest.mark.parametrize("role", ["coordinator", "chair", "manager", "dpo", "system_admin"])
def test_agency_admin_cannot_invite_with_an_area_role(client, login_as, make, clock, db, role):
    agency = make.agency()
    login_as("agency_admin", agency=agency)
    response = client.post(
        f"/admin/agencies/{agency.id}/users/invite",
        data={"full_name": "Pat Sample", "email": "pat@example.org", "roles": [role]},
    )
    assert response.status_code == 200
    assert "Only a system administrator can" in _errors(response)["roles"]
    assert db.session.scalar(select(User).where(User.email == "pat@example.org")) is None


@pytest.mark.parametrize("role", ["coordinator", "chair", "manager", "dpo", "system_admin"])
def test_agency_admin_cannot_raise_anyone(client, login_as, make, clock, db, role):
    agency = make.agency()
    admin = login_as("agency_admin", agency=agency)
    colleague = make.user(agency=agency)
    for target in (colleague, admin):
        response = client.post(
            f"/admin/users/{target.id}", data={"roles": ["practitioner", role], "reason": "x"}
        )
        assert response.status_code == 200
        assert _errors(response)["roles"]
        db.session.refresh(target)
        assert Role(role) not in target.roles
    assert _events(db, "user.role_grant", colleague) == ["practitioner"]


def test_agency_admin_grants_an_agency_role_to_a_colleague(client, login_as, make, clock, db):
    agency = make.agency()
    login_as("agency_admin", agency=agency)
    colleague = make.user(agency=agency)
    response = client.post(f"/admin/users/{colleague.id}", data={"roles": ["practitioner", "idva"]})
    assert response.status_code == 302
    db.session.refresh(colleague)
    assert colleague.roles == {Role.PRACTITIONER, Role.IDVA}
    assert _events(db, "user.role_grant", colleague) == ["practitioner", "idva"]


def test_agency_admin_of_another_agency_gets_404(client, login_as, make, clock, db):
    login_as("agency_admin")
    stranger = make.user()
    response = client.post(f"/admin/users/{stranger.id}", data={"roles": ["idva"]})
    assert response.status_code == 404
    db.session.refresh(stranger)
    assert stranger.roles == {Role.PRACTITIONER}


def test_system_admin_grants_coordinator_with_a_reason(client, login_as, make, clock, db):
    area_agency = make.agency(kind="other", area="Testshire MARAC")
    coordinator = make.user(agency=area_agency, roles=("coordinator",))
    other_admin = make.user(agency=make.agency(area="Elsewhere MARAC"), roles=("system_admin",))
    admin = login_as("system_admin", agency=make.agency(area="Elsewhere MARAC"))
    colleague = make.user(agency=area_agency)

    missing = client.post(f"/admin/users/{colleague.id}", data={"roles": ["coordinator"]})
    assert "reason" in _errors(missing)
    db.session.refresh(colleague)
    assert colleague.roles == {Role.PRACTITIONER}

    response = client.post(
        f"/admin/users/{colleague.id}",
        data={"roles": ["coordinator"], "reason": "Covers the coordinator post from December"},
    )
    assert response.status_code == 302
    db.session.refresh(colleague)
    assert colleague.roles == {Role.COORDINATOR}
    reason = "Covers the coordinator post from December"
    assert _events(db, "user.role_grant", colleague) == ["practitioner", f"coordinator: {reason}"]
    assert _events(db, "user.role_remove", colleague) == [f"practitioner: {reason}"]
    told = {
        n.user_id
        for n in db.session.scalars(
            select(Notification).where(
                Notification.kind == "user.role_grant",
                Notification.text == f"Role given: MARAC coordinator, {colleague.full_name} "
                f"({area_agency.name})",
            )
        )
    }
    assert coordinator.id in told
    assert other_admin.id in told
    assert admin.id not in told


def test_system_admin_cannot_grant_themselves_a_role(client, login_as, make, clock, db):
    admin = login_as("system_admin")
    response = client.post(
        f"/admin/users/{admin.id}", data={"roles": ["system_admin", "manager"], "reason": "r"}
    )
    assert "your own roles" in _errors(response)["roles"]
    db.session.refresh(admin)
    assert admin.roles == {Role.SYSTEM_ADMIN}


@pytest.mark.parametrize("role", ["coordinator", "chair", "practitioner", "idva"])
def test_system_administration_never_holds_case_content(client, login_as, make, clock, db, role):
    login_as("system_admin")
    other = make.user(roles=("system_admin",))
    response = client.post(
        f"/admin/users/{other.id}", data={"roles": ["system_admin", role], "reason": "cover"}
    )
    assert "second account" in _errors(response)["roles"]
    db.session.refresh(other)
    assert other.roles == {Role.SYSTEM_ADMIN}


def test_a_manager_may_also_administer(client, login_as, make, clock, db):
    login_as("system_admin")
    other = make.user(roles=("system_admin",))
    response = client.post(
        f"/admin/users/{other.id}",
        data={"roles": ["system_admin", "manager"], "reason": "Runs the quarterly return"},
    )
    assert response.status_code == 302
