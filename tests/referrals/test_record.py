"""The referral in one place: its state on the case page, the form partners know, read back."""

from __future__ import annotations

from datetime import date

from bs4 import BeautifulSoup
from sqlalchemy import select

from emarac.cases import services as case_services
from emarac.people.services import PersonDetails, create_person
from emarac.referrals import services
from emarac.referrals.models import Consent, Referral, VictimAware
from emarac.risk import rules
from emarac.risk.rules import Criterion
from tests.conftest import sign_in
from tests.factories import Cases

FULL_FORM = {
    "referrer_name": "Synthetic Referrer",
    "referrer_phone": "01632 960123",
    "referrer_email": "referrer@example.org",
    "criteria": ["professional_judgement"],
    "judgement_reason": "Synthetic: escalating threats",
    "risks": "Synthetic risks in the referrer's words",
    "safety_measures": "Synthetic: locks changed",
    "consent": "overridden",
    "consent_reason": "Synthetic: a child at risk",
    "consent_decided_by": "Synthetic Team Manager",
    "victim_aware": "no",
    "children_notes": "Synthetic: on a child protection plan",
    "language": "Synthetic Polish",
    "interpreter_needed": "y",
    "other_agencies": ["health", "housing"],
}


def _soup(response):
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def _text(soup, testid):
    found = soup.find(attrs={"data-testid": testid})
    return found.get_text(" ", strip=True) if found is not None else None


def _with_people(db, make, user):
    case = Cases(db, make).open(by=user)
    Cases(db, make).perpetrator(case, by=user, family_name="Synthperp")
    child = create_person(
        PersonDetails(given_name="Tiny", family_name="Synthchild", date_of_birth=date(2019, 3, 4)),
        by=user,
        role="child",
    )
    case_services.add_child(
        case, by=user, person=child, school="Synthetic Primary", lives_in_household=True
    )
    return case


def test_the_form_starts_from_the_account_and_the_victim(client, db, make, area):
    user = area["owner"]
    case = Cases(db, make).open(by=user, first_language="Synthetic Welsh")
    sign_in(client, user)
    soup = _soup(client.get(f"/cases/{case.id}/refer"))
    assert soup.find("input", {"name": "referrer_name"})["value"] == user.full_name
    assert soup.find("input", {"name": "referrer_email"})["value"] == user.email
    assert soup.find("input", {"name": "language"})["value"] == "Synthetic Welsh"
    assert area["owner"].agency.name in _text(soup, "referrer-agency")


def test_check_answers_shows_every_field_and_the_people(client, db, make, area):
    user = area["owner"]
    case = _with_people(db, make, user)
    sign_in(client, user)
    soup = _soup(client.post(f"/cases/{case.id}/refer", data=FULL_FORM))
    answers = {
        row.dt.get_text(strip=True): row.dd.get_text(" ", strip=True)
        for row in soup.select("[data-testid=referral-answers] .govuk-summary-list__row")
    }
    assert answers["Your name"] == "Synthetic Referrer"
    assert answers["Your agency"] == user.agency.name
    assert answers["Your phone number"] == "01632 960123"
    assert answers["Does the victim know about this referral?"] == "No, the victim does not know"
    assert answers["Other agencies involved"] == "Health, Housing or social landlord"
    assert answers["The victim's first language"] == "Synthetic Polish (interpreter needed)"
    assert answers["Anything else about the children"] == "Synthetic: on a child protection plan"
    assert answers["Who decided"] == "Synthetic Team Manager"
    assert answers["Immediate safety measures already taken"] == "Synthetic: locks changed"
    assert "Synthperp" in _text(soup, "referral-perpetrators")
    children = _text(soup, "referral-children")
    assert "Synthchild" in children
    assert "4 March 2019" in children

    response = client.post(f"/cases/{case.id}/refer", data={**FULL_FORM, "stage": "confirm"})
    assert response.status_code == 302
    referral = db.session.scalar(select(Referral))
    assert referral.referrer_name == "Synthetic Referrer"
    assert referral.victim_aware == VictimAware.NO
    assert referral.other_agencies == ["health", "housing"]
    assert (referral.language, referral.interpreter_needed) == ("Synthetic Polish", True)
    assert referral.children_notes == "Synthetic: on a child protection plan"
    # Personal values are stored encrypted, never in plain text.
    raw = db.session.execute(select(Referral.referrer_name_ct, Referral.language_ct)).one()
    assert all(b"Synthetic" not in bytes(value) for value in raw)


def test_the_form_keeps_everything_typed_when_an_answer_is_missing(client, db, make, area):
    user = area["owner"]
    case = Cases(db, make).open(by=user)
    sign_in(client, user)
    typed = {**FULL_FORM, "referrer_name": "", "referrer_phone": "", "referrer_email": ""}
    response = client.post(f"/cases/{case.id}/refer", data=typed)
    assert response.status_code == 200
    soup = _soup(response)
    summary = soup.select_one(".govuk-error-summary").get_text(" ", strip=True)
    assert "Enter your name" in summary
    assert "Enter a phone number or an email address to reach you" in summary
    assert soup.find("input", {"name": "language"})["value"] == "Synthetic Polish"
    assert soup.find("textarea", {"name": "risks"}).get_text() == FULL_FORM["risks"]
    checked = {
        i["value"]
        for i in soup.find_all("input", {"name": "other_agencies"})
        if i.has_attr("checked")
    }
    assert checked == {"health", "housing"}
    aware = soup.find("input", {"name": "victim_aware", "value": "no"})
    assert aware.has_attr("checked")
    assert db.session.scalar(select(Referral)) is None


def _refer(case, user, **changes):
    data = services.ReferralInput(
        criteria={Criterion.PROFESSIONAL_JUDGEMENT},
        consent=Consent.OVERRIDDEN,
        consent_reason="Synthetic: a child at risk",
        consent_decided_by="Synthetic Team Manager",
        risks="Synthetic risks",
        safety_measures="",
        judgement_reason="Synthetic judgement",
        referrer_name="Synthetic Referrer",
        victim_aware=VictimAware.YES,
        **changes,
    )
    return services.refer_case(case, by=user, data=data)


def test_the_refer_button_follows_the_referral(client, db, make, area, clock):
    owner = area["owner"]
    case = Cases(db, make).open(by=owner)
    Cases(db, make).perpetrator(case, by=owner)
    sign_in(client, owner)
    soup = _soup(client.get(f"/cases/{case.id}"))
    assert soup.find(attrs={"data-testid": "refer"}) is not None
    assert _text(soup, "referral-state") == "Not referred to MARAC."

    referral = _refer(case, owner)
    soup = _soup(client.get(f"/cases/{case.id}"))
    assert soup.find(attrs={"data-testid": "refer"}) is None
    button = soup.find(attrs={"data-testid": "referral-button"})
    assert (
        button.get_text(strip=True) == "Referral submitted on 2 November 2026 (waiting for triage)"
    )
    assert button["href"] == f"/referrals/{referral.id}"
    assert soup.find(attrs={"data-testid": "refer-again"}) is None

    services.accept(referral, by=area["coordinator"], new_meeting_on=date(2026, 12, 1))
    soup = _soup(client.get(f"/cases/{case.id}"))
    assert "(accepted onto a meeting)" in _text(soup, "referral-state")
    assert soup.find(attrs={"data-testid": "refer-again"}) is None

    # Further abuse inside the repeat window: the case may come back to MARAC.
    clock.advance(days=20)
    Cases(db, make).incident(case, by=owner, days_ago=-15)
    sign_in(client, owner)  # the session ended while the clock moved on
    soup = _soup(client.get(f"/cases/{case.id}"))
    assert soup.find(attrs={"data-testid": "refer-again"}) is not None


def test_the_repeat_rule_decides_when_a_new_referral_is_offered():
    on = date(2026, 11, 2)
    again = rules.may_refer_again
    assert again(None, last_accepted_on=None, on=on, criteria=set())
    assert not again("submitted", last_accepted_on=None, on=on, criteria={Criterion.REPEAT})
    assert not again("returned", last_accepted_on=None, on=on, criteria=set())
    accepted = date(2026, 6, 1)
    assert not again("accepted", last_accepted_on=accepted, on=on, criteria=set())
    assert again("accepted", last_accepted_on=accepted, on=on, criteria={Criterion.REPEAT})
    assert not again("accepted", last_accepted_on=accepted, on=date(2027, 6, 1), criteria=set())
    assert again("accepted", last_accepted_on=accepted, on=date(2027, 6, 2), criteria=set())


def test_the_referral_reads_back_in_full_to_whoever_may_see_the_case(
    client, app, db, make, area, clock
):
    owner = area["owner"]
    case = _with_people(db, make, owner)
    referral = _refer(case, owner, refer_to_idva=True, other_agencies=["health"])
    services.return_to_referrer(
        referral, by=area["coordinator"], reason="Synthetic: add the school"
    )
    services.resubmit(referral, by=owner, data=services.answers_of(referral))
    services.accept(referral, by=area["coordinator"], new_meeting_on=date(2026, 12, 1))

    # The IDVA service did not refer, but may see the case: it reads the referral too.
    sign_in(client, area["idva"])
    response = client.get(f"/referrals/{referral.id}")
    assert response.status_code == 200
    soup = _soup(response)
    assert _text(soup, "referral-status") == "Accepted onto a meeting"
    assert _text(soup, "consent-decided-by") == "Synthetic Team Manager"
    assert _text(soup, "referral-consent") == "Refused but overridden"
    assert _text(soup, "victim-aware") == "Yes, the victim knows"
    assert "Synthetic: add the school" in _text(soup, "returned-reason")
    steps = [
        row.find_all("td")[1].get_text(strip=True)
        for row in soup.select("[data-testid=referral-history] tbody tr")
    ]
    assert steps == [
        "Submitted",
        "Returned to the referrer",
        "Corrected and sent again",
        "Accepted onto a meeting",
    ]
    assert "Synthchild" in _text(soup, "referral-children")

    for refused in (area["other_area"], area["same_area_stranger"]):
        other = app.test_client()
        sign_in(other, refused)
        assert other.get(f"/referrals/{referral.id}").status_code == 404
