"""Recording an incident: who may, what the form accepts, and what it keeps."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from emarac.incidents.models import Incident


def _post(client, case, **changes):
    data = {
        "occurred_on": ["27", "10", "2026"],
        "types": ["physical"],
        "narrative": "Kept text",
        **changes,
    }
    return client.post(f"/cases/{case.id}/incidents/new", data=data)


def test_incident_only_for_a_person_known_to_the_recorder(make, cases, clock):
    from emarac.incidents.services import NotAllowed

    owner = make.user()
    case = cases.open(by=owner)
    stranger = make.user(agency=make.agency(area="Elsewhere MARAC"))
    with pytest.raises(NotAllowed):
        cases.incident(case, by=stranger)


def test_future_incident_date_is_refused(client, login_as, cases, clock):
    user = login_as("practitioner")
    case = cases.open(by=user)
    page = client.post(
        f"/cases/{case.id}/incidents/new",
        data={
            "occurred_on": ["1", "1", "2031"],
            "types": ["physical"],
            "narrative": "Kept text",
        },
    ).get_data(as_text=True)
    assert "Date of the incident must be today or in the past" in page
    assert "Kept text" in page


@pytest.mark.parametrize("typed", ["25:00", "9.30", "21:3", "noon"])
def test_a_time_that_is_not_a_time_is_refused_and_kept(client, login_as, cases, clock, typed):
    user = login_as("practitioner")
    case = cases.open(by=user)
    page = _post(client, case, occurred_time=typed).get_data(as_text=True)
    assert "Enter a time like 21:30" in page
    assert f'value="{typed}"' in page
    assert "Kept text" in page


@pytest.mark.parametrize(("typed", "stored"), [("21:30", (21, 30)), ("7:05", (7, 5)), ("", (0, 0))])
def test_the_time_typed_is_the_time_stored(client, login_as, cases, clock, db, typed, stored):
    user = login_as("practitioner")
    case = cases.open(by=user)
    response = _post(client, case, occurred_time=typed)
    assert response.status_code == 302
    incident = db.session.scalars(select(Incident)).one()
    assert incident.occurred_at.replace(tzinfo=UTC) == datetime(2026, 10, 27, *stored, tzinfo=UTC)
