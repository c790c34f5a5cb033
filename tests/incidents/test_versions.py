"""An incident read back from its case, and corrected as a new version with the old kept."""

from __future__ import annotations

import json

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from emarac.auditing import ledger_table
from emarac.incidents import services
from emarac.incidents.models import Incident, IncidentType, IncidentVersion
from emarac.protocol.policy import NotAllowed
from tests.conftest import assert_ledger_verifies, sign_in
from tests.factories import Cases

CORRECTION = {
    "occurred_on": ["30", "10", "2026"],
    "occurred_time": "22:15",
    "types": ["physical", "threats"],
    "location": "Synthetic Street car park",
    "injuries": "Synthetic bruising to the arm",
    "injured": "y",
    "police_attended": "y",
    "narrative": "Synthetic account, corrected",
    "reason": "The date and time were typed wrongly",
}


@pytest.fixture
def world(db, make, clock):
    """An owner (police) with a case and one incident; an outsider from another area."""
    police = make.agency(name="Versions Police (test)", area="Versions MARAC")
    owner = make.user(agency=police)
    case = Cases(db, make).open(by=owner)
    incident = Cases(db, make).incident(case, by=owner, narrative="Synthetic first account")
    outsider = make.user(agency=make.agency(kind="health", area="Elsewhere MARAC"))
    coordinator = make.user(
        agency=make.agency(kind="other", area="Versions MARAC"), roles=("coordinator",)
    )
    return {
        "owner": owner,
        "case": case,
        "incident": incident,
        "outsider": outsider,
        "coordinator": coordinator,
    }


def _page(client, world):
    case, incident = world["case"], world["incident"]
    return client.get(f"/cases/{case.id}/incidents/{incident.id}")


def _value(soup, testid):
    return soup.find(attrs={"data-testid": testid}).get_text(" ", strip=True)


def test_the_incident_page_shows_it_in_full_and_is_audited(client, db, world):
    sign_in(client, world["owner"])
    response = _page(client, world)
    assert response.status_code == 200
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert _value(soup, "incident-narrative") == "Synthetic first account"
    assert _value(soup, "incident-types") == "Physical"
    assert _value(soup, "incident-police_attended") == "Yes"
    assert _value(soup, "incident-occurred_at") == "31 October 2026, 21:00"
    assert "Versions Police (test)" in _value(soup, "recorded-by")
    assert soup.find(attrs={"data-testid": "versions"}) is None
    event = (
        db.session.execute(select(ledger_table).where(ledger_table.c.action == "incident.view"))
        .mappings()
        .one()
    )
    assert event["object_id"] == str(world["incident"].id)
    assert "narrative" in json.loads(event["fields"])
    assert "Synthetic" not in str(dict(event))


def test_the_incident_is_linked_from_the_case_page(client, world):
    sign_in(client, world["owner"])
    soup = BeautifulSoup(
        client.get(f"/cases/{world['case'].id}").get_data(as_text=True), "html.parser"
    )
    hrefs = [a["href"] for a in soup.select("[data-testid=recent-events] a")]
    assert f"/cases/{world['case'].id}/incidents/{world['incident'].id}" in hrefs


def test_an_agency_the_policy_refuses_gets_a_404(client, db, world):
    sign_in(client, world["outsider"])
    assert _page(client, world).status_code == 404
    url = f"/cases/{world['case'].id}/incidents/{world['incident'].id}/correct"
    assert client.get(url).status_code == 404
    denied = db.session.scalars(
        select(ledger_table.c.action).where(ledger_table.c.action == "access.denied")
    ).all()
    assert denied


def test_only_the_recording_agency_corrects(client, world):
    # The area's coordinator reads the incident but did not record it.
    sign_in(client, world["coordinator"])
    assert _page(client, world).status_code == 200
    url = f"/cases/{world['case'].id}/incidents/{world['incident'].id}/correct"
    assert client.get(url).status_code == 404
    with pytest.raises(NotAllowed):
        services.correct_incident(
            world["incident"],
            by=world["coordinator"],
            details=services.details_of(world["incident"]),
            reason="x",
        )


def test_a_correction_keeps_the_earlier_version_shown_as_changed(client, app, db, world):
    sign_in(client, world["owner"])
    case, incident = world["case"], world["incident"]
    form = client.get(f"/cases/{case.id}/incidents/{incident.id}/correct").get_data(as_text=True)
    soup = BeautifulSoup(form, "html.parser")
    assert soup.find("textarea", {"name": "narrative"}).get_text() == "Synthetic first account"
    response = client.post(f"/cases/{case.id}/incidents/{incident.id}/correct", data=CORRECTION)
    assert response.status_code == 302

    incident = db.session.get(Incident, incident.id)
    assert incident.narrative == "Synthetic account, corrected"
    assert set(incident.types) == {IncidentType.PHYSICAL, IncidentType.THREATS}
    (kept,) = db.session.scalars(select(IncidentVersion)).all()
    assert kept.number == 1
    assert kept.narrative == "Synthetic first account"
    assert kept.types == ["physical"]
    assert kept.reason == "The date and time were typed wrongly"
    assert kept.recorded_by_id == world["owner"].id
    assert set(kept.changed_fields) == {
        "occurred_at",
        "types",
        "location",
        "injuries",
        "narrative",
        "injured",
    }

    soup = BeautifulSoup(_page(client, world).get_data(as_text=True), "html.parser")
    assert soup.find(attrs={"data-testid": "corrected"}) is not None
    assert _value(soup, "incident-narrative").startswith("Synthetic account, corrected")
    old = soup.find(attrs={"data-testid": "version-1"})
    assert old is not None
    assert "Synthetic first account" in _value(old, "version-1-narrative")
    changed = {
        row["data-field"]
        for row in old.select(".govuk-summary-list__row")
        if row.find(attrs={"data-testid": "changed"})
    }
    assert changed == set(kept.changed_fields)
    unchanged = old.find(attrs={"data-field": "police_attended"})
    assert unchanged.find(attrs={"data-testid": "changed"}) is None
    assert "typed wrongly" in old.get_text()

    events = (
        db.session.execute(select(ledger_table).where(ledger_table.c.object_id == str(incident.id)))
        .mappings()
        .all()
    )
    actions = [e["action"] for e in events]
    assert "incident.create" in actions
    assert "incident.correct" in actions
    correct = next(e for e in events if e["action"] == "incident.correct")
    assert set(json.loads(correct["fields"])) == {*kept.changed_fields, "reason"}
    assert "Synthetic" not in str(dict(correct))
    assert_ledger_verifies(app, db)


def test_a_second_correction_makes_a_third_version(db, world):
    incident, owner = world["incident"], world["owner"]
    details = services.details_of(incident)
    details.location = "Synthetic first place"
    services.correct_incident(incident, by=owner, details=details, reason="Place added")
    details = services.details_of(incident)
    details.location = "Synthetic second place"
    services.correct_incident(incident, by=owner, details=details, reason="Place corrected")
    versions = services.versions_of(incident)
    assert [v.number for v in versions] == [2, 1]
    assert versions[0].location == "Synthetic first place"
    assert versions[0].changed_fields == ["location"]
    assert db.session.get(Incident, incident.id).location == "Synthetic second place"


def test_a_correction_must_change_something_and_keeps_the_input(client, db, world):
    sign_in(client, world["owner"])
    case, incident = world["case"], world["incident"]
    url = f"/cases/{case.id}/incidents/{incident.id}/correct"
    same = {
        "occurred_on": ["31", "10", "2026"],
        "occurred_time": "21:00",
        "types": ["physical"],
        "police_attended": "y",
        "narrative": "Synthetic first account",
        "reason": "Checking",
    }
    soup = BeautifulSoup(client.post(url, data=same).get_data(as_text=True), "html.parser")
    assert "You have not changed any answer" in soup.select_one(".govuk-error-summary").get_text()
    missing = {**CORRECTION, "reason": ""}
    response = client.post(url, data=missing)
    assert response.status_code == 200
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert (
        "Enter why you are correcting the incident" in soup.select_one("#reason-error").get_text()
    )
    assert soup.find("textarea", {"name": "narrative"}).get_text() == "Synthetic account, corrected"
    assert db.session.scalars(select(IncidentVersion)).all() == []


def test_a_subject_access_export_holds_the_earlier_versions(db, world):
    from emarac.subjectaccess import services as subjectaccess

    incident, owner = world["incident"], world["owner"]
    details = services.details_of(incident)
    details.narrative = "Synthetic account, second version"
    services.correct_incident(incident, by=owner, details=details, reason="Reworded")
    export = subjectaccess.build(world["case"].victim)
    (entry,) = export.data["incidents"]
    (earlier,) = entry["earlier_versions"]
    assert earlier["fields"]["narrative"] == "Synthetic first account"
    assert earlier["fields"]["reason"] == "Reworded"
    assert entry["fields"]["narrative"] == "Synthetic account, second version"


def test_reading_an_incident_is_the_policys_decision(world):
    from emarac.protocol import policy

    incident = world["incident"]
    victim_id = world["case"].victim_id
    assert policy.may_view_incident(world["owner"], incident)
    assert policy.may_view_incident(world["coordinator"], incident)
    assert not policy.may_view_incident(world["outsider"], incident)
    assert services.get_incident(world["owner"], incident.id, victim_id=victim_id) == incident
    with pytest.raises(NotAllowed):
        services.get_incident(world["outsider"], incident.id, victim_id=victim_id)
