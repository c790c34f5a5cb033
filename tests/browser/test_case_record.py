"""Must-show 1: everything a practitioner records on a case can be read back from it.

A practitioner opens a case with every field, sees all of it on check your
answers (and changes one without losing the rest), completes a checklist,
records an incident, refers to MARAC and to the IDVA service, then reads the
checklist answers, the incident's account and the referral back from the case.
"""

from __future__ import annotations

from emarac.clock import today
from tests.browser.conftest import sign_in_through_browser
from tests.conftest import DEFAULT_PASSWORD


def open_case_with_every_field(ui) -> None:
    page = ui.page
    ui.follow("Cases")
    ui.follow("Open a new case")
    page.locator("#given_name").fill("Ottilie")
    page.locator("#family_name").fill("Quenby-Synth")
    page.locator("#aliases").fill("Tilly Synth")
    page.locator("#date_of_birth-day").fill("9")
    page.locator("#date_of_birth-month").fill("6")
    page.locator("#date_of_birth-year").fill("1987")
    page.get_by_label("Female").check()
    page.locator("#ethnic_group").select_option("mixed")
    page.locator("#disability").check()  # the first choice: yes
    page.locator("#lgbt").check()
    page.locator("#first_language").fill("Synthetic Portuguese")
    page.get_by_label("An interpreter is needed").check()
    page.get_by_label("There is a concern about immigration status").check()
    page.locator("#current_address").fill("12 Synthetic Row")
    page.locator("#postcode").fill("ZZ9 9ZZ")
    page.locator("#phone").fill("07700 900456")
    page.locator("#email").fill("ottilie@example.org")
    page.locator("#safe_phone").fill("07700 900457")
    page.locator("#safe_times").fill("Mornings")
    page.get_by_label("A message may be left on the safe number").check()
    ui.submit("Continue")


def check_answers(ui) -> dict[str, str]:
    rows = ui.page.get_by_test_id("check-answers").locator(".govuk-summary-list__row")
    return {
        rows.nth(i).locator("dt").inner_text(): rows.nth(i)
        .locator(".govuk-summary-list__value")
        .inner_text()
        for i in range(rows.count())
    }


def complete_checklist(ui) -> None:
    page = ui.page
    ui.follow("Complete the risk checklist")
    page.locator("#completed_on-day").fill("1")
    page.locator("#completed_on-month").fill("11")
    page.locator("#completed_on-year").fill("2026")
    page.locator("#victim_present").check()
    yes = page.locator("[data-risk-core] input[type=radio][value=yes]")
    no = page.locator("[data-risk-core] input[type=radio][value=no]")
    for i in range(27):
        (yes if i < 15 else no).nth(i).check()
    page.locator("#n_injury").fill("Synthetic note: bruising to the wrist")
    ui.submit("Save checklist")


def record_incident(ui) -> None:
    page = ui.page
    ui.follow("Record an incident")
    page.locator("#occurred_on-day").fill("30")
    page.locator("#occurred_on-month").fill("10")
    page.locator("#occurred_on-year").fill("2026")
    page.get_by_label("Threats").check()
    page.locator("#location").fill("Synthetic Lane")
    page.get_by_label("The police attended").check()
    page.locator("#narrative").fill("Synthetic account: threats made at the door")
    ui.submit("Save incident")


def refer(ui) -> None:
    page = ui.page
    ui.follow("Refer to MARAC")
    assert page.locator("#language").input_value() == "Synthetic Portuguese"
    page.locator("#referrer_phone").fill("01632 960777")
    page.get_by_label("Given", exact=True).check()
    page.get_by_label("Yes, the victim knows").check()
    page.get_by_label("Health", exact=True).check()
    page.get_by_label("Refer to the IDVA service at the same time").check()
    page.locator("#risks").fill("Synthetic: escalating threats")
    page.locator("#safety_measures").fill("Synthetic: police marker on the address")
    ui.submit("Continue")
    answers = page.get_by_test_id("referral-answers").inner_text()
    assert "01632 960777" in answers
    assert "Health" in answers
    assert "Sparrow" in page.get_by_test_id("referral-children").inner_text()
    ui.submit("Send referral")
    assert page.get_by_test_id("referral-status").inner_text() == "Waiting for triage"


def test_practitioner_records_a_case_and_reads_all_of_it_back(ui, make):
    area = "Record MARAC"
    user = make.user(agency=make.agency(name="Record Police (test)", area=area))
    make.agency(name="Record IDVA (test)", kind="idva_service", area=area)
    sign_in_through_browser(ui, user, DEFAULT_PASSWORD)
    page = ui.page

    open_case_with_every_field(ui)
    answers = check_answers(ui)
    assert answers["Ethnic group"] == "Mixed or multiple ethnic groups"
    assert answers["Disability"] == "Yes"
    assert answers["Lesbian, gay, bisexual or transgender"] == "Yes"
    assert answers["First language"] == "Synthetic Portuguese"
    assert answers["Safe times to contact"] == "Mornings"
    # Change one answer: the form comes back with everything typed.
    with page.expect_navigation():
        page.get_by_role("button", name="Change safe times to contact").click()
    ui.check()
    assert page.locator("#first_language").input_value() == "Synthetic Portuguese"
    page.locator("#safe_times").fill("Weekday mornings")
    ui.submit("Continue")
    assert check_answers(ui)["Safe times to contact"] == "Weekday mornings"
    ui.submit("Create case")
    case_url = page.url

    ui.follow("Add a child")
    page.locator("#given_name").fill("Sparrow")
    page.locator("#family_name").fill("Quenby-Synth")
    page.locator("#estimated_age").fill("6")
    ui.submit("Add child")
    complete_checklist(ui)
    record_incident(ui)
    refer(ui)

    ui.goto(case_url)
    state = f"Referral submitted on {today():%-d %B %Y} (waiting for triage)"
    assert page.get_by_test_id("referral-button").inner_text() == state
    assert page.get_by_test_id("refer").count() == 0

    ui.follow("Risk checklist completed")
    assert page.get_by_test_id("yes-count").inner_text() == "15"
    assert "bruising to the wrist" in page.get_by_test_id("answer-injury").inner_text()
    ui.goto(case_url)
    ui.follow("Incident recorded by Record Police (test): Threats")
    assert (
        page.get_by_test_id("incident-narrative")
        .inner_text()
        .startswith("Synthetic account: threats made at the door")
    )
    ui.goto(case_url)
    ui.follow(state)
    assert page.get_by_test_id("referral-risks").inner_text() == "Synthetic: escalating threats"
    assert "Referred to the IDVA service" in page.get_by_test_id("referral-answers").inner_text()
