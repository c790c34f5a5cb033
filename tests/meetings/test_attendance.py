"""Who is at a meeting: joining from its day, "I agree" once, the register and apologies."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from emarac.auditing import ledger_table
from emarac.meetings import attendance
from emarac.meetings import services as meetings
from emarac.meetings.models import Apology, Attendance
from emarac.protocol import policy
from emarac.referrals import services as referrals
from tests.conftest import sign_in
from tests.factories import send_minutes
from tests.meetings.test_agenda import refer, setup_area
from tests.meetings.test_conference import hear_all

MEETING_DAY = date(2026, 11, 5)  # the clock fixture starts on 2 November 2026


def _page(response):
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def _text(node):
    return " ".join(node.get_text(" ").split()) if node is not None else None


def _events(db, action):
    return db.session.execute(select(ledger_table).where(ledger_table.c.action == action)).all()


def _released(db, make, *, held_on=MEETING_DAY, kinds=()):
    """A released meeting of one case, the owner police; ``kinds`` adds agencies of those kinds."""
    owner, housing_worker, coordinator, outsider = setup_area(make)
    extra = {
        kind: make.user(agency=make.agency(name=f"Register {label} (test)", kind=kind))
        for kind, label in kinds
    }
    case, referral = refer(db, make, owner)
    meeting = meetings.create_meeting(by=coordinator, held_on=held_on)
    referrals.accept(referral, by=coordinator, meeting=meeting)
    meetings.release_agenda(meeting, by=coordinator)
    return {
        "owner": owner,
        "housing": housing_worker,
        "coordinator": coordinator,
        "case": case,
        "meeting": meeting,
        **extra,
    }


def _on_the_day(clock, day=MEETING_DAY):
    clock.now = datetime.combine(day, datetime.min.time(), UTC).replace(hour=9, minute=5)


# --- joining only from the meeting's day ----------------------------------------------


def test_joining_is_refused_before_the_meeting_day_and_says_when_it_opens(client, db, make, clock):
    w = _released(db, make)
    meeting = w["meeting"]
    sign_in(client, w["housing"])

    page = _page(client.get(f"/meetings/{meeting.id}/attend"))
    assert _text(page.select_one('[data-testid="join-opens"]')) == (
        "You can join this meeting on 5 November 2026."
    )
    assert page.select_one('[data-testid="agree"]') is None
    shown = _page(client.get(f"/meetings/{meeting.id}"))
    assert shown.select_one('[data-testid="join-meeting"]') is None
    assert _text(shown.select_one('[data-testid="join-opens"]')) == (
        "You can join this meeting on 5 November 2026."
    )

    refused = client.post(f"/meetings/{meeting.id}/attend")
    assert refused.status_code == 404
    assert _text(_page(refused).h1) == "You can join this meeting on 5 November 2026"
    assert attendance.attendance_of(meeting, w["housing"]) is None
    (denied,) = _events(db, "access.denied")
    assert (denied.object_id, denied.purpose) == (str(meeting.id), "joining not open yet")

    _on_the_day(clock)
    sign_in(client, w["housing"])  # the session of three days ago has ended
    assert _page(client.get(f"/meetings/{meeting.id}")).select_one('[data-testid="join-meeting"]')
    joined = client.post(f"/meetings/{meeting.id}/attend")
    assert joined.status_code == 302
    assert attendance.attendance_of(meeting, w["housing"]) is not None


def test_the_area_may_open_joining_days_before(client, db, make, clock):
    w = _released(db, make)
    meeting, coordinator = w["meeting"], w["coordinator"]
    with pytest.raises(policy.NotAllowed):
        meetings.accept_confidentiality(meeting, by=w["owner"])

    sign_in(client, coordinator)
    settings = f"/areas/{meeting.area_id}/referral-settings"
    form = _page(client.get(settings)).select_one('[data-testid="area-settings-form"]')
    data = {i["name"]: i.get("value", "") for i in form.select("input[type=text]")}
    assert data["join_days_before"] == "0"
    data |= {"escalation_counts": "all", "join_days_before": "3"}
    assert client.post(settings, data=data).status_code == 302
    (event, *_) = _events(db, "area.risk_settings")
    assert event.object_id == str(meeting.area_id)
    assert "join_days_before" in event.fields

    assert policy.join_opens_on(meeting) == date(2026, 11, 2)
    meetings.accept_confidentiality(meeting, by=w["owner"])
    assert attendance.attendance_of(meeting, w["owner"]) is not None


def test_a_bad_join_window_is_refused_beside_its_field_and_kept(client, db, make, clock):
    w = _released(db, make)
    sign_in(client, w["coordinator"])
    settings = f"/areas/{w['meeting'].area_id}/referral-settings"
    form = _page(client.get(settings)).select_one('[data-testid="area-settings-form"]')
    data = {i["name"]: i.get("value", "") for i in form.select("input[type=text]")}
    response = client.post(
        settings, data=data | {"escalation_counts": "all", "join_days_before": "15"}
    )
    assert response.status_code == 200
    page = _page(response)
    assert "from 0 to 14" in _text(page.select_one("#join_days_before-error"))
    assert page.select_one("input[name=join_days_before]")["value"] == "15"
    assert policy.join_opens_on(w["meeting"]) == MEETING_DAY


# --- "I agree" once ----------------------------------------------------------------------


def test_i_agree_is_not_offered_to_someone_already_attending(client, db, make, clock):
    w = _released(db, make)
    meeting = w["meeting"]
    _on_the_day(clock)
    sign_in(client, w["housing"])
    page = _page(client.get(f"/meetings/{meeting.id}/attend"))
    assert page.select_one('[data-testid="agree"]') is not None

    client.post(f"/meetings/{meeting.id}/attend")
    page = _page(client.get(f"/meetings/{meeting.id}/attend"))
    assert page.select_one('[data-testid="agree"]') is None
    assert page.select("main form") == []
    assert _text(page.select_one('[data-testid="already-joined"]')) == (
        "You joined at 09:05, agreeing to this statement."
    )
    onward = page.select_one('[data-testid="go-to-conference"]')["href"]
    assert onward == f"/meetings/{meeting.id}/cases/{w['case'].id}/conference"

    client.post(f"/meetings/{meeting.id}/attend")  # a second POST (an old tab) changes nothing
    rows = db.session.scalars(select(Attendance).where(Attendance.meeting_id == meeting.id))
    assert len(rows.all()) == 1
    assert len(_events(db, "meeting.confidentiality_accept")) == 1


# --- the register and apologies ---------------------------------------------------------------


def _register(client, meeting):
    page = _page(client.get(f"/meetings/{meeting.id}/register"))
    return {
        _text(line.select_one('[data-testid="agency"]')): (
            line["data-status"],
            _text(line.select_one('[data-testid="present"]')),
            [_text(a) for a in line.select('[data-testid="apology"]')],
        )
        for line in page.select('[data-testid="register-line"]')
    }


def test_apologies_are_recorded_shown_by_agency_and_removed(client, db, make, clock):
    w = _released(db, make)
    meeting, coordinator = w["meeting"], w["coordinator"]
    housing_id = w["housing"].agency_id
    _on_the_day(clock)
    meetings.accept_confidentiality(meeting, by=w["owner"])
    sign_in(client, coordinator)

    url = f"/meetings/{meeting.id}/register/apologies"
    bad = client.post(url, data={"agency_id": str(housing_id), "name": " ", "note": "Sick today"})
    assert bad.status_code == 400
    page = _page(bad)
    assert _text(page.select_one(".govuk-error-summary")) is not None
    assert "Enter the name of the person sending apologies" in _text(page.select_one("#name-error"))
    assert page.select_one("select[name=agency_id] option[selected]")["value"] == str(housing_id)
    assert page.select_one("textarea[name=note]").get_text() == "Sick today"
    assert db.session.scalars(select(Apology)).all() == []

    sent = client.post(
        url, data={"agency_id": str(housing_id), "name": "Orla Testwright", "note": "Sick today"}
    )
    assert sent.status_code == 302
    (apology,) = db.session.scalars(select(Apology)).all()
    apology_id = apology.id
    assert b"Orla" not in apology.name_ct  # a member of staff's name, kept encrypted
    (event,) = _events(db, "meeting.apology_record")
    assert event.object_id == str(apology.id)
    assert "Orla" not in str(tuple(event))

    register = _register(client, meeting)
    assert register["Agenda Police (test)"][0] == "present"
    assert register["Agenda Police (test)"][1].startswith(w["owner"].full_name)
    assert "(joined 09:05)" in register["Agenda Police (test)"][1]
    assert register["Agenda Housing (test)"][0] == "apologies"
    assert register["Agenda Housing (test)"][2][0].startswith("Orla Testwright: Sick today")
    assert register["Agenda CSP (test)"][0] == "no response"

    removed = client.post(f"/meetings/{meeting.id}/register/apologies/{apology_id}/remove")
    assert removed.status_code == 302
    assert db.session.scalars(select(Apology)).all() == []
    assert _register(client, meeting)["Agenda Housing (test)"][0] == "no response"
    (event,) = _events(db, "meeting.apology_remove")
    assert event.object_id == str(apology_id)


def test_only_the_coordinator_and_chair_keep_the_register(app, client, db, make, clock):
    w = _released(db, make)
    meeting = w["meeting"]
    chair = make.user(agency=w["coordinator"].agency, roles=("chair",))
    sign_in(client, w["housing"])
    assert client.get(f"/meetings/{meeting.id}/register").status_code == 404
    sent = client.post(
        f"/meetings/{meeting.id}/register/apologies",
        data={"agency_id": str(w["housing"].agency_id), "name": "Pat Testperson"},
    )
    assert sent.status_code == 404
    assert db.session.scalars(select(Apology)).all() == []

    chair_client = app.test_client()
    sign_in(chair_client, chair)
    assert chair_client.get(f"/meetings/{meeting.id}/register").status_code == 200
    sent = chair_client.post(
        f"/meetings/{meeting.id}/register/apologies",
        data={"agency_id": str(w["housing"].agency_id), "name": "Pat Testperson"},
    )
    assert sent.status_code == 302
    assert len(db.session.scalars(select(Apology)).all()) == 1


# --- the key agencies and the minutes -----------------------------------------------------------


def test_the_key_agency_warning_counts_only_those_present_and_notes_apologies(
    client, db, make, clock
):
    w = _released(
        db,
        make,
        kinds=(("idva_service", "IDVA"), ("childrens_social_care", "Children")),
    )
    meeting, coordinator = w["meeting"], w["coordinator"]
    idva_agency = w["idva_service"].agency_id
    _on_the_day(clock)
    meetings.accept_confidentiality(meeting, by=w["owner"])
    attendance.record_apology(
        meeting, by=coordinator, agency_id=idva_agency, name="Sam Testadviser", note=None
    )
    assert attendance.key_agencies_absent(meeting) == [
        "IDVA service (apologies sent)",
        "Children's social care",
    ]
    sign_in(client, coordinator)
    for url in (f"/meetings/{meeting.id}/attend", f"/meetings/{meeting.id}/register"):
        warning = _page(client.get(url)).select_one('[data-testid="key-agencies-absent"]')
        assert _text(warning) == (
            "! Warning No one from IDVA service (apologies sent) or Children's social care "
            "has joined this meeting yet."
        )
    meetings.accept_confidentiality(meeting, by=w["idva_service"])
    assert attendance.key_agencies_absent(meeting) == ["Children's social care"]


def test_the_minutes_list_apologies_by_agency(client, db, make, clock):
    w = _released(db, make, held_on=date(2026, 11, 2))
    meeting, coordinator = w["meeting"], w["coordinator"]
    for user in (w["owner"], coordinator):
        meetings.accept_confidentiality(meeting, by=user)
    attendance.record_apology(
        meeting,
        by=coordinator,
        agency_id=w["housing"].agency_id,
        name="Orla Testwright",
        note="Update sent by email",
    )
    hear_all(meeting, coordinator)
    (minutes,) = send_minutes(meeting, coordinator=coordinator)
    assert minutes.content["apologies"] == [
        {"agency": "Agenda Housing (test)", "names": ["Orla Testwright"]}
    ]
    sign_in(client, coordinator)
    page = _page(client.get(f"/meetings/minutes/{minutes.id}"))
    assert _text(page.select_one('[data-testid="minutes-apologies"]')) == (
        "Agenda Housing (test): Orla Testwright"
    )
