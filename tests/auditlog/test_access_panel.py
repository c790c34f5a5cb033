"""The "who has accessed this record" panel: events in words, and who, even when no name is left."""

from __future__ import annotations

import uuid

from bs4 import BeautifulSoup

from emarac.auditing import record_event
from emarac.auditlog import services as auditlog
from tests.factories import Cases


def test_every_event_on_a_case_reads_as_words(db, make, clock):
    owner = make.user()
    case = Cases(db, make).open(by=owner)
    known = set(auditlog.ACTION_WORDS)
    record_event("case.view", object_type="marac_case", object_id=case.id, user_id=owner.id)
    record_event("case.something_new", object_type="marac_case", object_id=case.id)
    db.session.commit()
    whats = [entry.what for entry in auditlog.access_panel("marac_case", case.id)]
    assert whats[0] == "recorded: case something new"
    assert "viewed the case" in whats
    assert all("." not in what for what in whats)
    assert {"case.view", "case.emergency_access", "access.denied"} <= known


def test_who_is_named_from_what_is_known(db, make, clock):
    agency = make.agency(name="Panelshire Police (test)")
    officer = make.user(agency=agency)
    object_id = uuid.uuid4()
    record_event(
        "case.view",
        object_type="marac_case",
        object_id=object_id,
        user_id=officer.id,
        agency_id=agency.id,
    )
    gone = uuid.uuid4()
    record_event(
        "case.view",
        object_type="marac_case",
        object_id=object_id,
        user_id=gone,
        agency_id=agency.id,
    )
    record_event(
        "case.transfer", object_type="marac_case", object_id=object_id, agency_id=agency.id
    )
    record_event("case.close", object_type="marac_case", object_id=object_id)
    db.session.commit()
    entries = auditlog.access_panel("marac_case", object_id)
    assert [(e.who, e.agency) for e in entries] == [
        ("eMARAC (the system)", ""),
        ("Someone at Panelshire Police (test)", ""),
        ("A removed account", "Panelshire Police (test)"),
        (officer.full_name, "Panelshire Police (test)"),
    ]


def test_the_case_page_shows_no_codes_and_no_unknown_user(client, login_as, db, make, clock):
    user = login_as("practitioner")
    case = Cases(db, make).open(by=user)
    record_event("case.close", object_type="marac_case", object_id=case.id)  # by the system
    db.session.commit()
    soup = BeautifulSoup(client.get(f"/cases/{case.id}").get_data(as_text=True), "html.parser")
    lines = [" ".join(li.get_text().split()) for li in soup.select("[data-testid=access-log] li")]
    assert any(
        line.startswith(f"{user.full_name}, ") and "viewed the case" in line for line in lines
    )
    assert any(line.startswith("eMARAC (the system) closed the case") for line in lines)
    text = " ".join(lines)
    assert "case.view" not in text
    assert "Unknown user" not in text
