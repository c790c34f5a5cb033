"""The case record: check-your-answers shows every field of a new case, and the case page
lists the meetings the case was on."""

from __future__ import annotations

from datetime import date

from bs4 import BeautifulSoup

from emarac.meetings import conference
from emarac.meetings import services as meetings
from emarac.referrals import services as referrals
from emarac.referrals.models import Consent
from emarac.risk.rules import Criterion
from tests.conftest import sign_in
from tests.factories import Cases

EVERY_FIELD = {
    "given_name": "Petronella",
    "family_name": "Ashcombe-Vane",
    "aliases": "Nell Synthetic\nP. Vane",
    "date_of_birth": ["3", "4", "1991"],
    "gender": "female",
    "ethnic_group": "asian",
    "disability": "yes",
    "lgbt": "yes",
    "first_language": "Synthetic Gujarati",
    "interpreter_needed": "y",
    "immigration_concern": "y",
    "current_address": "9 Example Close\nSynthtown",
    "postcode": "ZZ1 1ZZ",
    "restricted_address": "y",
    "phone": "07700 900321",
    "email": "petronella@example.org",
    "safe_phone": "07700 900999",
    "safe_times": "Weekdays 10:00 to 12:00",
    "may_leave_message": "y",
}


def _answers(soup):
    return {
        row.dt.get_text(strip=True): row.select_one(".govuk-summary-list__value").get_text(
            " ", strip=True
        )
        for row in soup.select("[data-testid=check-answers] .govuk-summary-list__row")
    }


def test_check_answers_shows_every_field_with_a_change_button(client, login_as, clock):
    login_as("practitioner")
    soup = BeautifulSoup(
        client.post("/cases/new", data=EVERY_FIELD).get_data(as_text=True), "html.parser"
    )
    answers = _answers(soup)
    assert answers == {
        "Name": "Petronella Ashcombe-Vane",
        "Other names": "Nell Synthetic, P. Vane",
        "Date of birth": "3 April 1991",
        "Gender": "Female",
        "Ethnic group": answers["Ethnic group"],
        "Disability": "Yes",
        "Lesbian, gay, bisexual or transgender": "Yes",
        "First language": "Synthetic Gujarati",
        "Interpreter needed": "Yes",
        "Concern about immigration status": "Yes",
        "Address": "9 Example Close\nSynthtown",
        "Postcode": "ZZ1 1ZZ",
        "Refuge or confidential address": "Yes",
        "Phone": "07700 900321",
        "Email": "petronella@example.org",
        "Safe phone": "07700 900999",
        "Safe times to contact": "Weekdays 10:00 to 12:00",
        "A message may be left on the safe number": "Yes",
    }
    assert answers["Ethnic group"] == "Asian or Asian British"
    rows = soup.select("[data-testid=check-answers] .govuk-summary-list__row")
    assert all(row.find("button", {"name": "stage", "value": "change"}) for row in rows)


def test_a_change_button_goes_back_to_the_form_with_everything_kept(client, login_as, clock):
    login_as("practitioner")
    soup = BeautifulSoup(
        client.post("/cases/new", data=EVERY_FIELD).get_data(as_text=True), "html.parser"
    )
    button = soup.find(attrs={"data-testid": "change-safe_times"})
    assert button["formaction"].endswith("/cases/new#safe_times")
    # The browser posts every hidden answer with the button's name and value.
    form = button.find_parent("form")
    data: dict[str, list[str]] = {}
    for hidden in form.find_all("input", {"type": "hidden"}):
        data.setdefault(hidden["name"], []).append(hidden["value"])
    data["stage"] = ["change"]
    page = BeautifulSoup(client.post("/cases/new", data=data).get_data(as_text=True), "html.parser")
    assert page.find("h1").get_text(strip=True) == "About the victim"
    assert page.find("input", {"name": "safe_times"})["value"] == "Weekdays 10:00 to 12:00"
    assert page.find("input", {"name": "first_language"})["value"] == "Synthetic Gujarati"
    assert page.find("input", {"name": "may_leave_message"}).has_attr("checked")
    assert (
        page.find("select", {"name": "ethnic_group"}).find("option", selected=True)["value"]
        == "asian"
    )


def test_the_case_page_lists_the_meetings_it_was_on(client, db, make, clock):
    police = make.agency(name="Hearing Police (test)", area="Hearing MARAC")
    owner = make.user(agency=police)
    coordinator = make.user(
        agency=make.agency(kind="other", area="Hearing MARAC"), roles=("coordinator",)
    )
    case = Cases(db, make).open(by=owner)
    referral = referrals.refer_case(
        case,
        by=owner,
        data=referrals.ReferralInput(
            criteria={Criterion.PROFESSIONAL_JUDGEMENT},
            consent=Consent.GIVEN,
            risks="Synthetic",
            safety_measures="",
            judgement_reason="Synthetic",
        ),
    )
    meeting = meetings.create_meeting(by=coordinator, held_on=date(2026, 11, 2))
    referrals.accept(referral, by=coordinator, meeting=meeting)
    meetings.release_agenda(meeting, by=coordinator)
    meetings.accept_confidentiality(meeting, by=coordinator)
    conference.record_discussion(
        meeting, meeting.items[0], by=coordinator, discussion="Synthetic", agreed_risk="high"
    )
    sign_in(client, owner)
    soup = BeautifulSoup(client.get(f"/cases/{case.id}").get_data(as_text=True), "html.parser")
    (row,) = soup.select("[data-testid=hearings] tbody tr")
    cells = [td.get_text(" ", strip=True) for td in row.find_all("td")]
    assert cells == ["Hearing MARAC, 2 November 2026", "Heard: high risk agreed", "0"]
