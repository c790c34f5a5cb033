"""The IDVA's workspace through the browser, from the referral to the conference.

A police officer refers a case to MARAC and to the IDVA service at once; the
IDVA is told, finds it in the service's queue, allocates it to themselves and
records consent, the victim's voice, a safety plan and three contacts (one
refused first by the victim's safe-contact rules, with what was typed kept).
Once the case is on a released agenda, the chair joins the meeting and hears
the victim's voice in the conference view.
"""

from __future__ import annotations

from sqlalchemy import select

from emarac.clock import today
from emarac.meetings import services as meetings
from emarac.referrals import services as referrals
from emarac.referrals.models import Referral
from tests.browser.conftest import sign_in_through_browser
from tests.browser.test_whole_meeting import fill_date, second_window
from tests.conftest import DEFAULT_PASSWORD
from tests.factories import Cases

AREA = "Idvaton MARAC"


def log_contact(window, *, at: str, method: str, outcome: str, notes: str = "") -> None:
    page = window.page
    day = today()
    fill_date(page, "contacted_on", str(day.day), str(day.month), str(day.year))
    page.get_by_label("Time", exact=True).fill(at)
    page.get_by_label(method, exact=True).check()
    page.get_by_label(outcome, exact=True).check()
    page.get_by_label("Notes (optional)").fill(notes)
    window.submit("Log the contact")


def test_an_idva_works_a_referral_and_the_chair_hears_the_victims_voice(ui, make, browser):
    from emarac.extensions import db

    police = make.agency(name="Idvaton Police (test)", area=AREA)
    service = make.agency(name="Idvaton IDVA Service (test)", kind="idva_service", area=AREA)
    partnership = make.agency(name="Idvaton CSP (test)", kind="other", area=AREA)
    officer = make.user(agency=police)
    idva = make.user(agency=service, roles=("idva",))
    coordinator = make.user(agency=partnership, roles=("coordinator",))
    chair = make.user(agency=partnership, roles=("chair",))
    case = Cases(db, make).open(
        by=officer,
        family_name="Ashdown-Demo",
        safe_phone="07700 900456",
        safe_times="Weekdays 09:00-11:00 (synthetic)",
    )

    # The officer refers to MARAC and to the IDVA service at the same time.
    page = ui.page
    sign_in_through_browser(ui, officer, DEFAULT_PASSWORD)
    ui.goto(f"{ui.base}/cases/{case.id}")
    ui.follow("Refer to MARAC")
    page.locator('input[name="criteria"][value="professional_judgement"]').check()
    page.get_by_label("Reason for professional judgement").fill("Synthetic: escalating threats")
    page.get_by_label("Given", exact=True).check()
    page.locator("#risks").fill("Synthetic: threats to kill reported")
    page.locator("#referrer_phone").fill("01632 960001")
    page.get_by_label("Yes, the victim knows").check()
    page.get_by_label("Refer to the IDVA service at the same time").check()
    ui.submit("Continue")
    ui.submit("Send referral")

    # The IDVA is told, and finds the case in the service's queue.
    idva_context, idva_ui = second_window(browser, ui, idva)
    ipage = idva_ui.page
    idva_ui.follow("Notifications (1)")
    idva_ui.follow(f"New IDVA referral for {case.reference}")
    assert ipage.get_by_role("heading", level=1).inner_text() == "IDVA record"
    idva_ui.follow("IDVA queue")
    (row,) = ipage.get_by_test_id("idva-queue-row").all()
    cells = row.locator("td").all_inner_texts()
    assert cells[0] == case.reference
    assert cells[1] == "Imogen Ashdown-Demo"
    assert cells[2] == police.name
    assert cells[5] == "Not allocated"

    # Allocation, to themselves; then consent and engagement.
    idva_ui.follow(case.reference)
    ipage.get_by_label("Allocate to").select_option(label=idva.full_name)
    idva_ui.submit("Allocate")
    assert ipage.get_by_test_id("allocated-to").inner_text() == idva.full_name
    idva_ui.follow("Record consent and engagement")
    ipage.get_by_label("Given", exact=True).check()
    day = today()
    fill_date(ipage, "consent_on", str(day.day), str(day.month), str(day.year))
    ipage.get_by_label("Engaged", exact=True).check()
    idva_ui.submit("Save consent and engagement")
    assert ipage.get_by_test_id("consent").inner_text().startswith("Given, ")
    assert ipage.get_by_test_id("engagement").inner_text() == "Engaged"

    # The victim's voice and a safety plan.
    idva_ui.follow("Record the victim's voice")
    ipage.get_by_label("What the victim wishes").fill("Synthetic: to stay in her home")
    ipage.get_by_label("What the victim fears").fill("Synthetic: being followed from work")
    ipage.get_by_label("What the victim wants from MARAC").fill("Synthetic: a lock change")
    idva_ui.submit("Save the victim's voice")
    idva_ui.follow("Update the safety plan")
    ipage.get_by_label("Safety measure 1", exact=True).fill("Synthetic: change the locks")
    ipage.get_by_label("Who is responsible for measure 1").fill("Housing")
    ipage.get_by_label("Safety measure 2", exact=True).fill("Synthetic: a code word")
    ipage.get_by_label("Who is responsible for measure 2").fill("IDVA")
    ipage.get_by_label("Status of measure 2").select_option(label="In place")
    idva_ui.submit("Save the safety plan")
    assert "change the locks" in ipage.get_by_test_id("plan-items").inner_text()

    # Three contacts; leaving a message is refused by the safe-contact rules.
    idva_ui.follow("Contact log")
    assert ipage.get_by_test_id("safe-phone").inner_text() == "07700 900456"
    assert "Do not leave messages" in ipage.get_by_test_id("safe-contact").inner_text()
    log_contact(
        idva_ui,
        at="00:05",
        method="Call to the safe number",
        outcome="Message left",
        notes="Synthetic: voicemail",
    )
    assert ipage.locator(".govuk-error-summary__list a").all_inner_texts() == [
        "The victim has not agreed to messages being left: choose what happened instead"
    ]
    assert ipage.get_by_label("Notes (optional)").input_value() == "Synthetic: voicemail"
    ipage.get_by_label("No answer", exact=True).check()
    idva_ui.submit("Log the contact")
    log_contact(idva_ui, at="00:10", method="Text to the safe number", outcome="Reached the victim")
    log_contact(
        idva_ui,
        at="00:15",
        method="In person",
        outcome="Reached the victim",
        notes="Synthetic: met at the clinic",
    )
    assert ipage.get_by_test_id("contact-row").count() == 3
    idva_ui.follow("My caseload")
    (mine,) = ipage.get_by_test_id("caseload-row").all()
    assert mine.get_by_test_id("engagement").inner_text() == "Engaged"
    assert mine.get_by_test_id("last-contact").inner_text() != "None yet"

    # The coordinator puts the case on a meeting and releases the agenda.
    referral = db.session.scalar(select(Referral).where(Referral.case_id == case.id))
    meeting = meetings.create_meeting(by=coordinator, held_on=today(), chair_id=chair.id)
    referrals.accept(referral, by=coordinator, meeting=meeting)
    meetings.release_agenda(meeting, by=coordinator)
    idva_ui.goto(ipage.url)
    (mine,) = ipage.get_by_test_id("caseload-row").all()
    assert mine.get_by_test_id("next-marac").inner_text() == f"{today():%-d %B %Y}"

    # The chair joins and hears the victim's voice.
    chair_context, chair_ui = second_window(browser, ui, chair)
    chair_ui.goto(f"{ui.base}/meetings/{meeting.id}")
    chair_ui.follow("Join the meeting")
    chair_ui.submit("I agree – join the meeting")
    voice = chair_ui.page.get_by_test_id("conference-victims-voice").inner_text()
    assert "being followed from work" in voice
    assert "a lock change" in voice

    for context, window in ((idva_context, idva_ui), (chair_context, chair_ui)):
        window.assert_clean()
        context.close()
