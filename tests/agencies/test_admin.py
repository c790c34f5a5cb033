"""Agency and user administration under the access policy."""

from __future__ import annotations

from bs4 import BeautifulSoup
from sqlalchemy import select

from emarac.agencies.models import User
from emarac.auditing import ledger_table
from tests.conftest import (
    DEFAULT_PASSWORD,
    outbox_messages,
    set_password_path,
    sign_in,
    totp_now,
)


def assert_no_set_password_link(response):
    """Neither the text nor any attribute of the page carries a set-password link."""
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert "set-password" not in soup.get_text()
    for tag in soup.find_all(True):
        for value in tag.attrs.values():
            values = value if isinstance(value, list) else [value]
            assert not any("set-password" in v for v in values), tag


def test_agency_admin_invites_a_user_to_their_own_agency(app, client, login_as, make, clock, db):
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
    assert_no_set_password_link(response)
    invited = db.session.scalar(select(User).where(User.email == "alex.example@example.org"))
    assert invited.agency_id == agency.id
    assert invited.password_hash is None

    # The link goes to the invited person's own address, and nowhere else.
    (message,) = outbox_messages(app)
    assert message.to == "alex.example@example.org"
    path = set_password_path(message)

    # The invited person sets a password, then must enrol two-factor at first sign-in.
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

    admin = login_as("system_admin")
    response = client.post(
        "/admin/agencies",
        data={
            "name": "Hilltop Refuge (test)",
            "kind": "refuge",
            "area": str(admin.agency.area_id),
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


def _events(db, action):
    return db.session.execute(
        select(ledger_table.c.object_id, ledger_table.c.fields).where(
            ledger_table.c.action == action
        )
    ).all()


def test_reset_mails_the_link_and_the_user_keeps_their_authenticator(app, make, clock, db):
    agency = make.agency()
    admin = make.user(agency=agency, roles=("agency_admin",))
    worker = make.user(agency=agency)
    secret = worker.totp_secret
    admin_client, worker_client = app.test_client(), app.test_client()
    sign_in(admin_client, admin)
    sign_in(worker_client, worker)

    response = admin_client.post(f"/admin/users/{worker.id}/reset")
    assert response.status_code == 200
    assert_no_set_password_link(response)
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    sent = soup.find(attrs={"data-testid": "link-sent"}).get_text(" ", strip=True)
    assert worker.email in sent
    assert "expires in 3 days" in sent
    assert worker_client.get("/").status_code == 302  # the reset ended their session
    db.session.refresh(worker)
    assert worker.password_hash is None
    assert worker.totp_secret == secret
    assert worker.totp_confirmed_at is not None
    assert _events(db, "user.reset") == [(str(worker.id), '["password_hash"]')]

    # Only the user receives the link; the old password is gone.
    (message,) = outbox_messages(app)
    assert message.to == worker.email
    assert "same authenticator app" in message.body
    old = worker_client.post("/sign-in", data={"email": worker.email, "password": DEFAULT_PASSWORD})
    assert old.status_code == 200
    new_password = "lantern orbit meadow"
    set_response = worker_client.post(
        set_password_path(message), data={"password": new_password, "confirm": new_password}
    )
    assert set_response.status_code == 302

    # Signing in asks for the code of the SAME authenticator and never offers enrolment.
    clock.advance(seconds=30)  # a code is accepted once: the first sign-in used this step's
    first = worker_client.post("/sign-in", data={"email": worker.email, "password": new_password})
    assert first.headers["Location"].endswith("/sign-in/security-code")
    assert worker_client.get("/sign-in/set-up-authenticator").status_code == 302
    code = worker_client.post("/sign-in/security-code", data={"code": totp_now(worker)})
    assert code.status_code == 302
    assert worker_client.get("/").status_code == 200
    db.session.refresh(worker)
    assert worker.totp_secret == secret


def _replace_button(client, user):
    page = client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    return BeautifulSoup(page, "html.parser").find(attrs={"data-testid": "replace-authenticator"})


def test_agency_admin_cannot_replace_an_authenticator(client, login_as, make, clock, db):
    agency = make.agency()
    worker = make.user(agency=agency)
    secret = worker.totp_secret
    login_as("agency_admin", agency=agency)
    assert _replace_button(client, worker) is None
    assert client.post(f"/admin/users/{worker.id}/authenticator").status_code == 404
    db.session.refresh(worker)
    assert worker.totp_secret == secret
    assert worker.totp_confirmed_at is not None
    assert str(worker.id) in [object_id for object_id, _ in _events(db, "access.denied")]
    assert _events(db, "user.authenticator_reset") == []


def test_system_admin_cannot_replace_their_own_authenticator(client, login_as, make, clock, db):
    admin = login_as("system_admin")
    secret = admin.totp_secret
    assert _replace_button(client, admin) is None
    assert client.post(f"/admin/users/{admin.id}/authenticator").status_code == 404
    db.session.refresh(admin)
    assert admin.totp_secret == secret
    assert _events(db, "user.authenticator_reset") == []


def test_system_admin_replaces_another_users_authenticator(app, make, clock, db):
    worker = make.user()
    admin = make.user(roles=("system_admin",))
    admin_client, worker_client = app.test_client(), app.test_client()
    sign_in(admin_client, admin)
    sign_in(worker_client, worker)
    assert _replace_button(admin_client, worker) is not None

    response = admin_client.post(f"/admin/users/{worker.id}/authenticator")
    assert response.status_code == 302
    assert worker_client.get("/").status_code == 302  # signed out everywhere
    db.session.refresh(worker)
    assert worker.totp_secret is None
    assert worker.totp_confirmed_at is None
    assert worker.password_hash is not None  # the password stays: only they can enrol
    ((object_id, fields),) = _events(db, "user.authenticator_reset")
    assert object_id == str(worker.id)
    assert "totp_secret" in fields
    (message,) = outbox_messages(app, to=worker.email)
    assert "authenticator" in message.subject.lower()
    assert "set up a new authenticator app" in message.body
    assert "set-password" not in message.body

    first = worker_client.post(
        "/sign-in", data={"email": worker.email, "password": DEFAULT_PASSWORD}
    )
    assert first.headers["Location"].endswith("/sign-in/set-up-authenticator")
