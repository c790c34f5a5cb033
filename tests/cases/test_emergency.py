"""Break-glass: read-only, time-limited emergency access after a hint, never quiet."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from emarac.auditing import ledger_table, record_event
from emarac.cases.models import EmergencyAccess
from emarac.notifications.models import Notification
from tests.conftest import sign_in

REASON = "Seen in the emergency department tonight; need the safety plan"


@pytest.fixture
def hidden_case(db, make, cases, clock):
    """A case owned by police in Testshire, a coordinator there, and an outside nurse."""
    owner = make.user(agency=make.agency(name="Glass Police (test)"))
    coordinator = make.user(
        agency=make.agency(name="Glass CSP (test)", kind="other"), roles=("coordinator",)
    )
    nurse = make.user(agency=make.agency(name="Glass Hospital (test)", kind="health"))
    case = cases.open(by=owner)
    return case, owner, coordinator, nurse


def _hint(db, user, case):
    record_event(
        "person.known_hint",
        object_type="marac_case",
        object_id=case.id,
        fields=("name",),
        user_id=user.id,
        agency_id=user.agency_id,
    )
    db.session.commit()


def test_no_hint_no_glass(client, db, hidden_case):
    case, _, _, nurse = hidden_case
    sign_in(client, nurse)
    assert client.get(f"/emergency-access/cases/{case.id}").status_code == 404


def test_the_whole_break_glass_journey(app, client, db, hidden_case, clock):
    case, owner, coordinator, nurse = hidden_case
    sign_in(client, nurse)
    assert client.get(f"/cases/{case.id}").status_code == 404
    _hint(db, nurse, case)
    form = client.get(f"/emergency-access/cases/{case.id}")
    assert form.status_code == 200

    short = client.post(f"/emergency-access/cases/{case.id}", data={"reason": "now", "hours": "4"})
    page = BeautifulSoup(short.get_data(as_text=True), "html.parser")
    assert "at least 20 characters" in page.select_one("#reason-error").get_text()
    assert page.select_one("textarea[name=reason]").get_text() == "now"

    done = client.post(f"/emergency-access/cases/{case.id}", data={"reason": REASON, "hours": "4"})
    assert done.status_code == 302
    shown = client.get(f"/cases/{case.id}")
    assert shown.status_code == 200
    page = BeautifulSoup(shown.get_data(as_text=True), "html.parser")
    assert "read only" in page.select_one("[data-testid=emergency-banner]").get_text()
    timeline = BeautifulSoup(
        client.get(f"/cases/{case.id}/timeline").get_data(as_text=True), "html.parser"
    )
    assert timeline.select_one("[data-testid=emergency-banner]")
    # Read only: nothing can be added or changed.
    assert client.get(f"/cases/{case.id}/children/new").status_code == 404
    assert client.get(f"/cases/{case.id}/incidents/new").status_code == 404
    assert client.get(f"/cases/{case.id}/refer").status_code == 404

    told = {
        n.user_id
        for n in db.session.scalars(
            select(Notification).where(Notification.kind == "case.emergency_access")
        )
    }
    assert {owner.id, coordinator.id} <= told
    actions = db.session.scalars(
        select(ledger_table.c.action).where(ledger_table.c.object_id == str(case.id))
    ).all()
    assert "case.emergency_access" in actions

    # The owner sees it on the case's access panel.
    owner_client = app.test_client()
    sign_in(owner_client, owner)
    panel = BeautifulSoup(
        owner_client.get(f"/cases/{case.id}").get_data(as_text=True), "html.parser"
    )
    assert (
        "emergency access (break-glass)" in panel.select_one("[data-testid=access-log]").get_text()
    )

    clock.advance(hours=4, minutes=1)
    sign_in(client, nurse)
    assert client.get(f"/cases/{case.id}").status_code == 404

    # A coordinator reviews the use.
    coordinator_client = app.test_client()
    sign_in(coordinator_client, coordinator)
    queue = BeautifulSoup(
        coordinator_client.get("/emergency-access/").get_data(as_text=True), "html.parser"
    )
    row = queue.select_one("[data-testid=emergency-use]")
    assert case.reference in row.get_text()
    assert nurse.full_name in row.get_text()
    access = db.session.scalar(select(EmergencyAccess))
    missing = coordinator_client.post(
        f"/emergency-access/{access.id}", data={"outcome": "not_justified", "note": ""}
    )
    assert "Say why" in missing.get_data(as_text=True)
    saved = coordinator_client.post(
        f"/emergency-access/{access.id}", data={"outcome": "justified", "note": "Agreed"}
    )
    assert saved.status_code == 302
    db.session.refresh(access)
    assert access.review_outcome == "justified"
    assert access.reviewed_by_id == coordinator.id


def test_must_not_receive_users_cannot_break_glass(client, db, hidden_case):
    from emarac.cases import closure

    case, owner, _, nurse = hidden_case
    closure.add_exclusion(case, by=owner, choice=f"agency:{nurse.agency_id}", reason="Related")
    _hint(db, nurse, case)
    sign_in(client, nurse)
    assert client.get(f"/emergency-access/cases/{case.id}").status_code == 404


def test_others_cannot_review_or_end(app, client, db, hidden_case):
    case, owner, coordinator, nurse = hidden_case
    _hint(db, nurse, case)
    sign_in(client, nurse)
    client.post(f"/emergency-access/cases/{case.id}", data={"reason": REASON, "hours": "1"})
    access = db.session.scalar(select(EmergencyAccess))
    assert access is not None
    assert client.get(f"/emergency-access/{access.id}").status_code == 404  # not their own
    other = app.test_client()
    sign_in(other, owner)
    assert other.post(f"/emergency-access/{access.id}/end").status_code == 404
    assert client.post(f"/emergency-access/{access.id}/end").status_code == 302
    assert client.get(f"/cases/{case.id}").status_code == 404


def test_the_review_queue_holds_only_the_coordinators_own_area(app, client, db, make, hidden_case):
    from emarac.cases.emergency import review_queue

    case, _, coordinator, nurse = hidden_case
    _hint(db, nurse, case)
    sign_in(client, nurse)
    client.post(f"/emergency-access/cases/{case.id}", data={"reason": REASON, "hours": "1"})
    elsewhere = make.user(agency=make.agency(area="Elsewhere MARAC"), roles=("coordinator",))
    assert [a.case_id for a in review_queue(coordinator)] == [case.id]
    assert review_queue(elsewhere) == []
    assert review_queue(nurse) == []
