"""An action falls due after the meeting that agreed it: on or before is refused."""

from __future__ import annotations

from datetime import date

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from emarac.actions import services as actions
from emarac.actions.models import Action
from tests.conftest import sign_in


def add_in_conference(client, held, due: list[str]):
    meeting, case = held["meeting"], held["case"]
    sign_in(client, held["coordinator"])
    client.post(f"/meetings/{meeting.id}/attend")
    return client.post(
        f"/meetings/{meeting.id}/cases/{case.id}/actions",
        data={
            "description": "Synthetic: fit a door alarm",
            "owner_agency_id": str(held["housing"].agency_id),
            "due_on": due,
        },
    )


@pytest.mark.parametrize(
    "due", [["1", "11", "2026"], ["2", "11", "2026"]], ids=["before", "on the day"]
)
def test_a_due_date_not_after_the_meeting_is_refused_and_the_input_kept(client, db, held, due):
    response = add_in_conference(client, held, due)
    assert response.status_code == 400
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    message = "Enter a due date after the meeting on 2 November 2026"
    error = soup.find(id="due_on-error")  # the GOV.UK error message inside the date's group
    assert error is not None
    assert message in error.get_text()
    assert soup.find(class_="govuk-error-summary").find("a", string=message) is not None
    assert soup.find("textarea", id="description").get_text().strip() == (
        "Synthetic: fit a door alarm"
    )
    chosen = soup.find("select", id="owner_agency_id").find("option", selected=True)
    assert chosen["value"] == str(held["housing"].agency_id)
    typed = [soup.find("input", attrs={"name": "due_on"}, id=i)["value"] for i in
             ("due_on-day", "due_on-month", "due_on-year")]  # fmt: skip
    assert typed == due
    assert db.session.scalar(select(func.count()).select_from(Action)) == 0


def test_the_day_after_the_meeting_is_accepted(client, db, held):
    response = add_in_conference(client, held, ["3", "11", "2026"])
    assert response.status_code == 302
    assert db.session.scalar(select(Action.due_on)) == date(2026, 11, 3)


def test_the_service_refuses_it_too(db, held):
    with pytest.raises(ValueError, match="after the meeting on 2 November 2026"):
        actions.add_action(
            held["case"],
            by=held["coordinator"],
            meeting=held["meeting"],
            owner_agency_id=held["housing"].agency_id,
            description="Synthetic",
            due_on=date(2026, 10, 1),
        )
    with pytest.raises(ValueError, match="after today"):  # agreed outside a meeting
        actions.add_action(
            held["case"],
            by=held["coordinator"],
            meeting=None,
            owner_agency_id=held["housing"].agency_id,
            description="Synthetic",
            due_on=date(2026, 11, 2),
        )
    assert db.session.scalar(select(func.count()).select_from(Action)) == 0
