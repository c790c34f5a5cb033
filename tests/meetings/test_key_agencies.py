"""The chair is warned while police, the IDVA service or children's social care are not present."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bs4 import BeautifulSoup

from emarac.meetings import services as meetings
from emarac.referrals import services as referrals
from tests.conftest import sign_in
from tests.meetings.test_agenda import refer, setup_area


def _warning(client, url: str) -> str | None:
    page = BeautifulSoup(client.get(url).data, "html.parser")
    found = page.select_one('[data-testid="key-agencies-absent"]')
    return " ".join(found.get_text(" ").split()) if found else None


def test_the_warning_names_the_key_agencies_not_yet_present(client, db, make, clock):
    police_user, _, coordinator, _ = setup_area(make)  # the owner's agency is the police
    idva = make.user(agency=make.agency(name="Agenda IDVA (test)", kind="idva_service"))
    childrens = make.user(
        agency=make.agency(name="Agenda Children (test)", kind="childrens_social_care")
    )
    case, referral = refer(db, make, police_user)
    meeting = meetings.create_meeting(by=coordinator, held_on=date(2026, 12, 14))
    referrals.accept(referral, by=coordinator, meeting=meeting)
    meetings.release_agenda(meeting, by=coordinator)
    attend = f"/meetings/{meeting.id}/attend"
    clock.now = datetime(2026, 12, 14, 9, 0, tzinfo=UTC)  # the meeting's day: joining opens

    assert meetings.key_agencies_absent(meeting) == [
        "Police",
        "IDVA service",
        "Children's social care",
    ]
    sign_in(client, coordinator)
    assert _warning(client, attend) == (
        "! Warning No one from Police, IDVA service or Children's social care "
        "has joined this meeting yet."
    )
    meetings.accept_confidentiality(meeting, by=coordinator)
    meetings.accept_confidentiality(meeting, by=police_user)
    meetings.accept_confidentiality(meeting, by=idva)
    conference = f"/meetings/{meeting.id}/cases/{case.id}/conference"
    assert _warning(client, conference) == (
        "! Warning No one from Children's social care has joined this meeting yet."
    )
    meetings.accept_confidentiality(meeting, by=childrens)
    assert _warning(client, conference) is None
    assert _warning(client, attend) is None
