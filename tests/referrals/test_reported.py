"""A further incident reported from a "known to MARAC" hint by an agency without the case."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from emarac.auditing import ledger_table
from emarac.cases import closure
from emarac.cases.models import Case
from emarac.incidents.models import Incident
from emarac.notifications.models import Notification
from emarac.referrals import reported
from emarac.referrals.models import RepeatReview, ReportedIncident, ReportedStatus
from tests.conftest import sign_in
from tests.factories import Cases
from tests.referrals.test_referrals import accepted

ACCOUNT = "Synthetic: she told the GP he waited outside the surgery"
FORM = {
    "occurred_on": ["1", "11", "2026"],
    "type": "stalking_harassment",
    "account": ACCOUNT,
}


def hint(client, user, *cases) -> None:
    """``user`` signs in, searches the victim's name and is told the cases are known to MARAC."""
    sign_in(client, user)
    response = client.post("/people/search", data={"name": "Imogen Featherstonehaugh"})
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    hinted = {li["data-case-reference"] for li in page.select("[data-testid=hint]")}
    assert hinted == {case.reference for case in cases}


def flash_of(response) -> str:
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    return page.select_one(".govuk-notification-banner").get_text(" ", strip=True)


def report(client, case, *, day: str = "1") -> str:
    data = {**FORM, "occurred_on": [day, "11", "2026"]}
    response = client.post(f"/cases/{case.id}/report-incident", data=data, follow_redirects=True)
    assert response.status_code == 200
    return flash_of(response)


def test_a_repeat_reported_from_a_hint_is_queued_and_told(client, db, make, area, clock):
    case, _ = accepted(db, make, area)  # accepted on 2 November 2026
    clock.advance(days=5)
    reporter = area["same_area_stranger"]
    hint(client, reporter, case)
    later = {**FORM, "occurred_on": ["5", "11", "2026"]}
    response = client.post(f"/cases/{case.id}/report-incident", data=later)
    assert response.status_code == 302

    incident = db.session.scalar(select(Incident))
    assert incident.victim_id == case.victim_id
    assert incident.reporting_agency_id == reporter.agency_id
    assert incident.narrative == ACCOUNT
    assert ACCOUNT.encode() not in incident.narrative_ct
    assert db.session.get(Case, case.id).is_repeat
    (review,) = db.session.scalars(select(RepeatReview)).all()
    assert review.incident_id == incident.id
    (item,) = db.session.scalars(select(ReportedIncident)).all()
    assert (item.is_repeat, item.agency_id) == (True, reporter.agency_id)
    # Queued once, as a repeat to confirm: not also as a reported incident to review.
    assert reported.reported_to_review(area["coordinator"]) == []

    told = {
        n.user_id
        for n in db.session.scalars(
            select(Notification).where(Notification.kind == "case.reported_incident")
        )
    }
    assert {area["owner"].id, area["coordinator"].id} <= told
    assert reporter.id not in told
    events = db.session.execute(
        select(ledger_table).where(ledger_table.c.action == "incident.report_from_hint")
    ).all()
    assert [e.object_id for e in events] == [str(item.id)]
    assert ACCOUNT not in str(events[0]._mapping)


def test_an_incident_that_is_no_repeat_waits_in_triage_until_seen(
    app, client, db, make, area, clock
):
    case = Cases(db, make).open(by=area["owner"])  # never referred: no repeat possible
    reporter = area["same_area_stranger"]
    hint(client, reporter, case)
    assert "passed to the MARAC coordinator" in report(client, case)
    assert not db.session.get(Case, case.id).is_repeat
    assert db.session.scalars(select(RepeatReview)).all() == []

    client = app.test_client()
    sign_in(client, area["coordinator"])
    page = BeautifulSoup(client.get("/referrals/triage").get_data(as_text=True), "html.parser")
    rows = page.find(attrs={"data-testid": "reported-incidents"}).select("tbody tr")
    assert case.reference in rows[0].get_text()
    assert ACCOUNT in rows[0].get_text()
    (item,) = db.session.scalars(select(ReportedIncident)).all()
    assert client.post(f"/referrals/reported/{item.id}/seen").status_code == 302
    assert db.session.get(ReportedIncident, item.id).status == ReportedStatus.SEEN
    assert reported.reported_to_review(area["coordinator"]) == []


def test_the_reporter_gets_the_same_answer_repeat_or_not(client, db, make, area, clock):
    repeat_case, _ = accepted(db, make, area)
    clock.advance(days=5)
    other = Cases(db, make).open(by=area["owner"])  # a namesake, never referred
    hint(client, area["same_area_stranger"], repeat_case, other)
    answers = []
    for case in (repeat_case, other):
        form_page = BeautifulSoup(
            client.get(f"/cases/{case.id}/report-incident").get_data(as_text=True), "html.parser"
        )
        shown = form_page.select_one("main").get_text(" ", strip=True)
        answers.append((shown.replace(case.reference, "REF"), report(client, case, day="5")))
    assert answers[0] == answers[1]
    assert db.session.get(Case, repeat_case.id).is_repeat
    assert not db.session.get(Case, other.id).is_repeat


def test_without_a_hint_there_is_no_report(client, db, make, area, clock):
    case = Cases(db, make).open(by=area["owner"])
    sign_in(client, area["same_area_stranger"])
    assert client.get(f"/cases/{case.id}/report-incident").status_code == 404
    assert client.post(f"/cases/{case.id}/report-incident", data=FORM).status_code == 404
    assert db.session.scalars(select(Incident)).all() == []


def test_a_must_not_receive_agency_cannot_report(client, db, make, area, clock):
    case = Cases(db, make).open(by=area["owner"])
    reporter = area["same_area_stranger"]
    hint(client, reporter, case)
    closure.add_exclusion(
        case, by=area["owner"], choice=f"agency:{reporter.agency_id}", reason="Synthetic"
    )
    assert client.get(f"/cases/{case.id}/report-incident").status_code == 404
    assert client.post(f"/cases/{case.id}/report-incident", data=FORM).status_code == 404
    assert db.session.scalars(select(Incident)).all() == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"account": ""}, "account"),
        ({"type": ""}, "type"),
        ({"occurred_on": ["1", "11", "2030"]}, "occurred_on"),
    ],
)
def test_a_report_with_gaps_is_refused_and_kept(client, db, make, area, clock, changes, field):
    case = Cases(db, make).open(by=area["owner"])
    reporter = area["same_area_stranger"]
    hint(client, reporter, case)
    response = client.post(f"/cases/{case.id}/report-incident", data={**FORM, **changes})
    assert response.status_code == 200
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert page.select(".govuk-error-summary")
    if field != "account":
        assert ACCOUNT in page.find("textarea", attrs={"name": "account"}).get_text()
    assert db.session.scalars(select(Incident)).all() == []
