"""Each area's referral thresholds: who sets them, from when they apply, what reads them."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from emarac.auditing import ledger_table
from emarac.referrals.services import criteria_for
from emarac.risk import area_settings
from emarac.risk import services as risk
from emarac.risk.models import AreaReferralSource, AreaRiskSettings, RiskAssessment
from emarac.risk.return_sources import DEFAULT_SOURCE
from emarac.risk.rules import DEFAULTS, Criterion
from tests.conftest import sign_in
from tests.factories import Cases
from tests.risk.test_assessments import answers_with

AREA = "Testshire MARAC"
FORM = {
    "high_from": "12",
    "medium_from": "8",
    "escalation_incidents": "2",
    "escalation_counts": "police",
    "repeat_months": "18",
    "join_days_before": "0",
}


def _url(area_id) -> str:
    return f"/areas/{area_id}/referral-settings"


def _errors(response) -> dict[str, str]:
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    return {
        tag.find_parent(class_="govuk-form-group").find(["input"]).get("name"): tag.get_text(
            " ", strip=True
        )
        for tag in page.select(".govuk-error-message")
    }


def test_a_change_applies_from_its_day_and_not_before(client, login_as, db, make, clock):
    coordinator = login_as("coordinator", agency=make.agency(kind="other", area=AREA))
    area_id = coordinator.agency.area_id
    response = client.post(_url(area_id), data=FORM)
    assert response.status_code == 302
    today = date(2026, 11, 2)
    now = area_settings.in_force(area_id, today)
    assert (now.high_from, now.medium_from, now.escalation_incidents) == (12, 8, 2)
    assert (now.escalation_police_only, now.repeat_months) == (True, 18)
    assert area_settings.in_force(area_id, today - timedelta(days=1)) == DEFAULTS

    # A later change leaves the earlier days alone.
    clock.advance(days=10)
    sign_in(client, coordinator)  # the session from ten days ago has timed out
    assert client.post(_url(area_id), data={**FORM, "high_from": "15"}).status_code == 302
    assert area_settings.in_force(area_id, today).high_from == 12
    assert area_settings.in_force(area_id, today + timedelta(days=10)).high_from == 15
    assert len(db.session.scalars(select(AreaRiskSettings)).all()) == 2

    (event, *_) = db.session.execute(
        select(ledger_table).where(ledger_table.c.action == "area.risk_settings")
    ).all()
    assert event.object_id == str(area_id)
    assert "escalation_police_only" in event.fields


def test_the_checklist_band_uses_the_setting_on_its_date(client, login_as, db, make, clock):
    user = login_as("practitioner", agency=make.agency(area=AREA))
    case = Cases(db, make).open(by=user)
    version = risk.current_checklist()
    area_settings.change(
        make.user(roles=("system_admin",)),
        case.area_id,
        area_settings.SettingsInput(12, 13, 3, False, 12),
    )
    # 13 yes answers: high from today (13), but a checklist dated yesterday keeps 14.
    earlier = {**answers_with(version, 13), "completed_on": ["1", "11", "2026"]}
    client.post(f"/cases/{case.id}/risk/new", data=earlier)
    client.post(f"/cases/{case.id}/risk/new", data=answers_with(version, 13))
    levels = db.session.scalars(
        select(RiskAssessment.final_level).order_by(RiskAssessment.completed_on)
    ).all()
    assert levels == ["medium", "high"]


def test_the_criteria_use_the_areas_threshold(db, make, clock):
    owner = make.user(agency=make.agency(area=AREA))
    coordinator = make.user(agency=make.agency(kind="other", area=AREA), roles=("coordinator",))
    case = Cases(db, make).open(by=owner)
    Cases(db, make).incident(case, by=owner, days_ago=3)
    Cases(db, make).incident(case, by=owner, days_ago=2)
    assert Criterion.POTENTIAL_ESCALATION not in criteria_for(case)

    area_settings.change(
        coordinator, case.area_id, area_settings.SettingsInput(10, 14, 2, False, 12)
    )
    assert Criterion.POTENTIAL_ESCALATION in criteria_for(case)
    # Not on a day before the change.
    assert Criterion.POTENTIAL_ESCALATION not in criteria_for(case, on=date(2026, 11, 1))


def test_a_coordinator_of_another_area_gets_404(client, login_as, db, make, clock):
    here = make.agency(area=AREA)
    login_as("coordinator", agency=make.agency(kind="other", area="Elsewhere MARAC"))
    assert client.get(_url(here.area_id)).status_code == 404
    assert client.post(_url(here.area_id), data=FORM).status_code == 404
    assert db.session.scalars(select(AreaRiskSettings)).all() == []


def test_a_system_administrator_may_set_any_area(client, login_as, make, clock):
    here = make.agency(area=AREA)
    login_as("system_admin")
    page = BeautifulSoup(client.get(_url(here.area_id)).get_data(as_text=True), "html.parser")
    assert page.find("input", attrs={"name": "high_from"})["value"] == "14"
    assert client.post(_url(here.area_id), data=FORM).status_code == 302


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"medium_from": "14"}, "medium_from", "Medium risk must start below high risk"),
        ({"high_from": "0"}, "high_from", "from 2 to 50"),
        ({"escalation_incidents": "-1"}, "escalation_incidents", "from 1 to 20"),
        ({"repeat_months": "99"}, "repeat_months", "from 1 to 36"),
        ({"repeat_months": "twelve"}, "repeat_months", "whole number"),
    ],
)
def test_wrong_values_are_refused_beside_their_field_and_kept(
    client, login_as, db, make, clock, changes, field, message
):
    coordinator = login_as("coordinator", agency=make.agency(kind="other", area=AREA))
    response = client.post(_url(coordinator.agency.area_id), data={**FORM, **changes})
    assert response.status_code == 200
    errors = _errors(response)
    assert list(errors) == [field]
    assert message in errors[field]
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert page.find("input", attrs={"name": field})["value"] == changes[field]
    assert db.session.scalars(select(AreaRiskSettings)).all() == []


def test_the_service_refuses_bands_that_do_not_rise(db, make, clock):
    admin = make.user(roles=("system_admin",))
    area_id = make.agency(area=AREA).area_id
    with pytest.raises(area_settings.Invalid) as refused:
        area_settings.change(admin, area_id, area_settings.SettingsInput(14, 14, 3, False, 12))
    assert refused.value.field == "medium_from"


def _sources_form(**changes: str) -> dict[str, str]:
    form = {f"kind_{kind}": source for kind, source in DEFAULT_SOURCE.items()}
    return {**form, **{f"kind_{kind}": source for kind, source in changes.items()}}


def test_the_return_sources_start_from_the_default_and_a_change_is_audited(
    client, login_as, db, make, clock
):
    coordinator = login_as("coordinator", agency=make.agency(kind="other", area=AREA))
    area_id = coordinator.agency.area_id
    page = BeautifulSoup(client.get(_url(area_id)).get_data(as_text=True), "html.parser")
    form = page.find(attrs={"data-testid": "return-sources-form"})
    chosen = form.find("select", attrs={"name": "kind_refuge"}).find("option", selected=True)
    assert chosen.get_text(strip=True) == "Specialist domestic abuse services"

    response = client.post(
        f"/areas/{area_id}/return-sources", data=_sources_form(health="mental_health")
    )
    assert response.status_code == 302
    assert area_settings.sources_of(area_id)["health"] == "mental_health"
    assert area_settings.sources_of(area_id)["police"] == "police"
    (event,) = db.session.execute(
        select(ledger_table).where(ledger_table.c.action == "area.return_sources")
    ).all()
    assert event.object_id == str(area_id)
    assert "health" in event.fields
    assert "police" not in event.fields


def test_an_unknown_return_source_is_refused_beside_its_field(client, login_as, db, make, clock):
    coordinator = login_as("coordinator", agency=make.agency(kind="other", area=AREA))
    area_id = coordinator.agency.area_id
    response = client.post(
        f"/areas/{area_id}/return-sources", data=_sources_form(housing="nowhere")
    )
    assert response.status_code == 400
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    error = page.select_one(".govuk-error-message")
    assert error.find_parent(class_="govuk-form-group").find("select")["name"] == "kind_housing"
    assert page.select_one(".govuk-error-summary") is not None
    assert db.session.scalars(select(AreaReferralSource)).all() == []


def test_a_coordinator_of_another_area_cannot_map_its_sources(client, login_as, make, clock):
    other = make.agency(kind="police", area="Elsewhere MARAC")
    login_as("coordinator", agency=make.agency(kind="other", area=AREA))
    response = client.post(f"/areas/{other.area_id}/return-sources", data=_sources_form())
    assert response.status_code == 404
