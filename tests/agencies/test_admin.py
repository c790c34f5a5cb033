"""Agency and user administration under the access policy."""

from __future__ import annotations

import re

from sqlalchemy import select

from emarac.agencies.models import User
from emarac.auditing import ledger_table
from tests.conftest import sign_in


def test_agency_admin_invites_a_user_to_their_own_agency(client, login_as, make, clock, db):
    agency = make.agency(name="Riverside Housing (test)", kind="housing")
    login_as("agency_admin", agency=agency)
    response = client.post(
        f"/admin/agencies/{agency.id}/users/invite",
        data={
            "full_name": "Alex Example",
            "email": "Alex.Example@Example.org",
            "roles": ["practitioner"],
        },
    )
    assert response.status_code == 200
    link = re.search(r'data-testid="set-password-link">([^<]+)<', response.get_data(as_text=True))
    assert link
    invited = db.session.scalar(select(User).where(User.email == "alex.example@example.org"))
    assert invited.agency_id == agency.id
    assert invited.password_hash is None

    # The invited person sets a password, then must enrol two-factor at first sign-in.
    path = link.group(1).split("localhost", 1)[1]
    client.post("/sign-out")
    short = client.post(path, data={"password": "short", "confirm": "short"})
    assert "12 characters or more" in short.get_data(as_text=True)
    common = client.post(path, data={"password": "password1234", "confirm": "password1234"})
    assert "too common" in common.get_data(as_text=True)
    ok = client.post(
        path, data={"password": "lantern orbit meadow", "confirm": "lantern orbit meadow"}
    )
    assert ok.status_code == 302
    again = client.get(path)
    assert again.status_code == 404  # the link works once
    first = client.post(
        "/sign-in", data={"email": invited.email, "password": "lantern orbit meadow"}
    )
    assert first.headers["Location"].endswith("/sign-in/set-up-authenticator")


def test_invite_keeps_what_was_typed_when_invalid(client, login_as, make, clock):
    agency = make.agency()
    login_as("agency_admin", agency=agency)
    response = client.post(
        f"/admin/agencies/{agency.id}/users/invite",
        data={"full_name": "Sam Sample", "email": "not-an-email", "roles": ["practitioner"]},
    )
    page = response.get_data(as_text=True)
    assert "Enter an email address in the correct format" in page
    assert 'value="Sam Sample"' in page
    assert 'value="not-an-email"' in page
    assert "There is a problem" in page


def test_agency_admin_cannot_manage_another_agencys_users(client, login_as, make, clock, db):
    mine = make.agency()
    theirs = make.agency()
    other_user = make.user(agency=theirs)
    login_as("agency_admin", agency=mine)
    assert client.get(f"/admin/agencies/{theirs.id}/users").status_code == 404
    assert client.get(f"/admin/users/{other_user.id}").status_code == 404
    invite = client.post(
        f"/admin/agencies/{theirs.id}/users/invite",
        data={"full_name": "Intruder", "email": "x@example.test", "roles": ["practitioner"]},
    )
    assert invite.status_code == 404
    assert client.post(f"/admin/users/{other_user.id}/suspend").status_code == 404
    db.session.refresh(other_user)
    assert other_user.suspended_at is None
    assert db.session.scalar(select(User).where(User.email == "x@example.test")) is None
    denials = db.session.scalars(
        select(ledger_table.c.object_id).where(ledger_table.c.action == "access.denied")
    ).all()
    assert str(theirs.id) in denials
    assert str(other_user.id) in denials


def test_practitioner_cannot_open_administration(client, login_as, make, clock):
    user = login_as("practitioner")
    assert client.get("/admin/").status_code == 404
    assert client.get(f"/admin/agencies/{user.agency_id}/users").status_code == 404
    assert client.get("/admin/agencies").status_code == 404


def test_suspending_a_user_ends_their_session(app, make, clock, db):
    agency = make.agency()
    admin = make.user(agency=agency, roles=("agency_admin",))
    worker = make.user(agency=agency)
    admin_client, worker_client = app.test_client(), app.test_client()
    sign_in(admin_client, admin)
    sign_in(worker_client, worker)
    assert worker_client.get("/").status_code == 200
    admin_client.post(f"/admin/users/{worker.id}/suspend")
    assert worker_client.get("/").status_code == 302


def test_system_admin_adds_and_suspends_an_agency(client, login_as, make, clock, db):
    from emarac.agencies.models import Agency

    login_as("system_admin")
    response = client.post(
        "/admin/agencies",
        data={
            "name": "Hilltop Refuge (test)",
            "kind": "refuge",
            "area": "Testshire MARAC",
            "signed_on": ["3", "2", "2026"],
        },
    )
    assert response.status_code == 302
    agency = db.session.scalar(select(Agency).where(Agency.name == "Hilltop Refuge (test)"))
    assert agency.isp_signed_on.isoformat() == "2026-02-03"
    client.post(
        f"/admin/agencies/{agency.id}",
        data={"signed_on": ["3", "2", "2026"], "status": "suspended"},
    )
    db.session.refresh(agency)
    assert agency.suspended_at is not None
    assert not agency.may_hold_accounts
