"""The IDVA workspace's pages through the test client, read by parsing them."""

from __future__ import annotations

from bs4 import BeautifulSoup
from sqlalchemy import select

from emarac.clock import utcnow
from emarac.idva import services
from emarac.idva.models import ContactAttempt, IdvaCase, SafetyPlan, VictimsVoice
from emarac.meetings import services as meetings
from emarac.referrals import services as referrals
from tests.conftest import sign_in
from tests.idva.conftest import ledger


def soup(response):
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def error_messages(page):
    return [a.get_text(" ", strip=True) for a in page.select(".govuk-error-summary__list a")]


def test_the_queue_lists_the_referral_with_the_victims_name(client, area):
    case = area.refer()
    sign_in(client, area.idva)
    page = soup(client.get("/idva/queue"))
    (row,) = page.select('[data-testid="idva-queue-row"]')
    cells = [td.get_text(" ", strip=True) for td in row.select("td")]
    assert cells[0] == case.reference
    assert cells[1] == "Imogen Featherstonehaugh"
    assert cells[2] == "Idva Police (test)"
    assert cells[3] == "2 November 2026"
    assert cells[5] == "Not allocated"
    nav = [a.get_text(strip=True) for a in page.select(".govuk-service-navigation__link, nav a")]
    assert "IDVA queue" in nav


def test_the_queue_is_a_404_for_a_practitioner(client, db, area):
    area.refer()
    sign_in(client, area.officer)
    assert client.get("/idva/queue").status_code == 404
    assert [a for a, _ in ledger(db)][-1] == "access.denied"


def test_the_notice_leads_to_the_idva_record(client, area):
    idva = area.idva  # before the referral, so that it is told
    case = area.refer()
    sign_in(client, idva)
    page = soup(client.get("/notifications/"))
    link = page.find("a", string=f"New IDVA referral for {case.reference}")
    assert link["href"] == f"/idva/cases/{case.id}"


def test_an_idva_allocates_the_case_to_themselves(client, db, area):
    case, idva = area.refer(), area.idva
    sign_in(client, idva)
    page = soup(client.get(f"/idva/cases/{case.id}"))
    options = [o.get_text() for o in page.select("#idva_id option")]
    assert idva.full_name in options
    response = client.post(f"/idva/cases/{case.id}/allocate", data={"idva_id": str(idva.id)})
    assert response.status_code == 302
    row = db.session.scalar(select(IdvaCase).where(IdvaCase.case_id == case.id))
    assert row.allocated_to_id == idva.id
    page = soup(client.get(f"/idva/cases/{case.id}"))
    assert page.select_one('[data-testid="allocated-to"]').get_text(strip=True) == idva.full_name


def test_allocating_to_a_stranger_is_refused_next_to_the_field(client, db, area):
    case = area.refer()
    sign_in(client, area.idva)
    response = client.post(
        f"/idva/cases/{case.id}/allocate", data={"idva_id": str(area.officer.id)}
    )
    assert response.status_code == 400
    page = soup(response)
    assert error_messages(page) == ["Choose an IDVA of this service"]
    assert page.select_one("#idva_id-error") is not None
    assert db.session.scalar(select(IdvaCase.allocated_to_id)) is None


def test_a_bad_status_keeps_what_was_typed(client, db, area):
    case = area.refer()
    sign_in(client, area.idva)
    response = client.post(
        f"/idva/cases/{case.id}/status",
        data={"consent": "given", "engagement": "engaged", "note": "Synthetic note"},
    )
    assert response.status_code == 400
    page = soup(response)
    assert error_messages(page) == ["Enter the date the victim was asked for consent"]
    assert page.select_one('input[name="consent"][value="given"]').has_attr("checked")
    assert page.select_one('textarea[name="note"]').get_text() == "Synthetic note"

    response = client.post(
        f"/idva/cases/{case.id}/status",
        data={
            "consent": "given",
            "consent_on": ["1", "11", "2026"],
            "engagement": "engaged",
        },
    )
    assert response.status_code == 302
    page = soup(client.get(f"/idva/cases/{case.id}"))
    assert page.select_one('[data-testid="consent"]').get_text(strip=True) == (
        "Given, 1 November 2026"
    )
    assert page.select_one('[data-testid="engagement"]').get_text(strip=True) == "Engaged"


def test_the_voice_and_the_plan_are_saved_as_versions_through_the_pages(client, db, area):
    case = area.refer()
    sign_in(client, area.idva)
    for wishes in ("Synthetic: to stay at home", "Synthetic: to move"):
        response = client.post(
            f"/idva/cases/{case.id}/voice",
            data={"wishes": wishes, "fears": "Synthetic fear", "wants_from_marac": ""},
        )
        assert response.status_code == 302
    page = soup(client.get(f"/idva/cases/{case.id}/voice/versions"))
    versions = page.select('[data-testid="voice-version"]')
    assert [v.select_one('[data-testid="voice-wishes"]').get_text() for v in versions] == [
        "Synthetic: to move",
        "Synthetic: to stay at home",
    ]
    assert (
        db.session.scalar(select(VictimsVoice.version).order_by(VictimsVoice.version.desc())) == 2
    )

    response = client.post(
        f"/idva/cases/{case.id}/safety-plan",
        data={
            "measure_1": "Synthetic: locks",
            "who_1": "Housing",
            "status_1": "planned",
            "who_2": "Police",
            "status_2": "planned",
        },
    )
    assert response.status_code == 400
    page = soup(response)
    assert error_messages(page) == ["Enter safety measure 2, or clear who"]
    assert page.select_one('input[name="measure_1"]')["value"] == "Synthetic: locks"
    assert page.select_one('input[name="who_2"]')["value"] == "Police"
    response = client.post(
        f"/idva/cases/{case.id}/safety-plan",
        data={"measure_1": "Synthetic: locks", "who_1": "Housing", "status_1": "done"},
    )
    assert response.status_code == 302
    plan = db.session.scalar(select(SafetyPlan))
    assert plan.items == [{"measure": "Synthetic: locks", "who": "Housing", "status": "done"}]
    page = soup(client.get(f"/idva/cases/{case.id}/safety-plan"))
    assert page.select_one('input[name="measure_1"]')["value"] == "Synthetic: locks"


def test_the_contact_form_shows_the_safe_contact_rules_and_refuses_a_message(client, db, area):
    case = area.refer(safe_phone="07700 900123", safe_times="Weekdays 10:00-12:00")
    sign_in(client, area.idva)
    page = soup(client.get(f"/idva/cases/{case.id}/contacts"))
    box = page.select_one('[data-testid="safe-contact"]')
    assert box.select_one('[data-testid="safe-phone"]').get_text() == "07700 900123"
    assert box.select_one('[data-testid="safe-times"]').get_text() == "Weekdays 10:00-12:00"
    assert "Do not leave messages" in box.get_text()
    typed = {
        "contacted_on": ["1", "11", "2026"],
        "contacted_time": "14:30",
        "method": "safe_phone",
        "outcome": "message_left",
        "notes": "Synthetic: voicemail",
    }
    response = client.post(f"/idva/cases/{case.id}/contacts", data=typed)
    assert response.status_code == 400
    page = soup(response)
    assert error_messages(page) == [
        "The victim has not agreed to messages being left: choose what happened instead"
    ]
    assert page.select_one("#outcome-error") is not None
    assert page.select_one("#contacted_time")["value"] == "14:30"
    assert page.select_one('textarea[name="notes"]').get_text() == "Synthetic: voicemail"
    assert db.session.scalars(select(ContactAttempt)).all() == []

    response = client.post(
        f"/idva/cases/{case.id}/contacts", data={**typed, "method": "letter", "outcome": "reached"}
    )
    assert error_messages(soup(response)) == ["Confirm you checked that contact by letter was safe"]
    response = client.post(f"/idva/cases/{case.id}/contacts", data={**typed, "outcome": "reached"})
    assert response.status_code == 302
    page = soup(client.get(f"/idva/cases/{case.id}/contacts"))
    (row,) = page.select('[data-testid="contact-row"]')
    assert "Reached the victim" in row.get_text()


def test_the_idva_record_is_a_404_outside_the_restricted_readers(client, db, area):
    case = area.refer()
    sign_in(client, area.nurse)
    for path in ("", "/voice", "/voice/versions", "/safety-plan", "/contacts", "/status"):
        assert client.get(f"/idva/cases/{case.id}{path}").status_code == 404


def test_the_owner_reads_the_record_but_cannot_change_it(client, db, area):
    case = area.refer()
    services.save_voice(case, by=area.idva, data=services.VoiceInput("Synthetic wish", "", ""))
    sign_in(client, area.officer)
    page = soup(client.get(f"/idva/cases/{case.id}/voice"))
    assert page.select_one('[data-testid="voice-wishes"]').get_text() == "Synthetic wish"
    assert page.select_one("form textarea") is None
    response = client.post(
        f"/idva/cases/{case.id}/voice",
        data={"wishes": "Changed", "fears": "", "wants_from_marac": ""},
    )
    assert response.status_code == 200
    assert services.latest_voice(case.id).wishes == "Synthetic wish"
    assert ("idva.case.view", str(case.id)) in ledger(db)


def test_the_chair_hears_the_victims_voice_in_the_conference_view(client, db, area):
    case = area.refer()
    services.save_voice(
        case,
        by=area.idva,
        data=services.VoiceInput("Synthetic: to stay", "Synthetic: the stairwell", "Locks"),
    )
    meeting = meetings.create_meeting(
        by=area.coordinator, held_on=utcnow().date(), chair_id=area.chair.id
    )
    referrals.accept(case.referral, by=area.coordinator, meeting=meeting)
    meetings.release_agenda(meeting, by=area.coordinator)
    meetings.accept_confidentiality(meeting, by=area.chair)
    sign_in(client, area.chair)
    page = soup(client.get(f"/meetings/{meeting.id}/cases/{case.id}/conference"))
    voice = page.select_one('[data-testid="conference-victims-voice"]')
    assert "Synthetic: the stairwell" in voice.get_text()
    voice_id = db.session.scalar(select(VictimsVoice.id))
    assert ("idva.voice.view", str(voice_id)) in ledger(db)


def test_an_invited_practitioner_does_not_hear_it_in_the_conference(client, db, area):
    case = area.refer()
    services.save_voice(case, by=area.idva, data=services.VoiceInput("Synthetic", "", ""))
    meeting = meetings.create_meeting(by=area.coordinator, held_on=utcnow().date())
    referrals.accept(case.referral, by=area.coordinator, meeting=meeting)
    meetings.release_agenda(meeting, by=area.coordinator)
    nurse = area.nurse
    meetings.accept_confidentiality(meeting, by=nurse)
    sign_in(client, nurse)
    response = client.get(f"/meetings/{meeting.id}/cases/{case.id}/conference")
    assert response.status_code == 200
    assert soup(response).select_one('[data-testid="conference-victims-voice"]') is None


def test_the_research_pack_brings_the_victims_voice_to_its_restricted_readers(client, db, area):
    case = area.refer()
    services.save_voice(
        case, by=area.idva, data=services.VoiceInput("Synthetic: to stay", "", "A code word")
    )
    meeting = meetings.create_meeting(by=area.coordinator, held_on=utcnow().date())
    referrals.accept(case.referral, by=area.coordinator, meeting=meeting)
    meetings.release_agenda(meeting, by=area.coordinator)
    research = f"/meetings/{meeting.id}/cases/{case.id}/research"
    sign_in(client, area.idva)
    voice = soup(client.get(research)).select_one('[data-testid="conference-victims-voice"]')
    assert "Synthetic: to stay" in voice.get_text()
    voice_id = db.session.scalar(select(VictimsVoice.id))
    assert ("idva.voice.view", str(voice_id)) in ledger(db)
    client.post("/sign-out")
    sign_in(client, area.nurse)  # invited to research, but not one of the voice's readers
    response = client.get(research)
    assert response.status_code == 200
    assert soup(response).select_one('[data-testid="conference-victims-voice"]') is None


def test_the_case_page_links_to_the_idva_record_for_its_readers(client, db, area):
    case = area.refer()
    sign_in(client, area.idva)
    link = soup(client.get(f"/cases/{case.id}")).find("a", string="IDVA record")
    assert link["href"] == f"/idva/cases/{case.id}"
    client.post("/sign-out")
    sign_in(client, area.chair)
    page = soup(client.get(f"/cases/{case.id}"))
    assert page.select_one("h1") is not None
    assert page.find("a", string="IDVA record") is None
