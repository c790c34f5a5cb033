"""The minutes after the conference: draft, approval, sending after a confirmation, corrections."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from emarac.auditing import ledger_table
from emarac.cases import closure
from emarac.disclosures.models import Disclosure, DisclosureKind
from emarac.meetings import minutes as minutes_service
from emarac.meetings import services as meetings
from emarac.meetings.models import MeetingStatus, Minutes, MinutesDistribution, MinutesVersion
from emarac.notifications.models import Notification
from emarac.protocol.policy import NotAllowed
from tests.conftest import assert_ledger_verifies, sign_in
from tests.meetings.test_conference import hear_all, session_ready  # noqa: F401 - a fixture


@pytest.fixture
def drafted(db, make, session_ready):  # noqa: F811
    """The two-case meeting heard, its minutes drafted by the coordinator; a chair of the area."""
    s = dict(session_ready)
    hear_all(s["meeting"], s["coordinator"])
    s["minutes"] = minutes_service.draft(s["meeting"], by=s["coordinator"])
    s["chair"] = make.user(agency=s["coordinator"].agency, roles=("chair",))
    return s


def _soup(response):
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def _events(db, object_id):
    ledger = ledger_table
    return db.session.execute(
        select(ledger.c.action, ledger.c.recipient, ledger.c.fields).where(
            ledger.c.object_id == str(object_id)
        )
    ).all()


def _sent(db):
    return db.session.scalars(
        select(Disclosure).where(Disclosure.kind == DisclosureKind.MINUTES_SENT)
    ).all()


def test_the_draft_is_read_only_by_the_areas_coordinators_and_chairs(app, db, drafted):
    s = drafted
    meeting, first = s["meeting"], s["minutes"][0]
    assert meeting.status == MeetingStatus.MINUTES_DRAFTED
    assert first.is_draft
    assert first.content["discussion"].startswith("Synthetic discussion of")
    assert db.session.scalars(select(MinutesDistribution)).all() == []
    assert _sent(db) == []
    assert "minutes.draft" in {a for a, _, _ in _events(db, first.id)}

    # The attendees (owner, housing) neither open nor list the draft.
    for attendee in (s["owner"], s["housing"]):
        reader = app.test_client()
        sign_in(reader, attendee)
        assert reader.get(f"/meetings/minutes/{first.id}").status_code == 404
        listing = _soup(reader.get("/meetings/minutes"))
        assert listing.find(attrs={"data-testid": "minutes-list"}).find("a") is None
        agenda = _soup(reader.get(f"/meetings/{meeting.id}"))
        assert agenda.find("a", href=f"/meetings/minutes/{first.id}") is None

    for reader in (s["coordinator"], s["chair"]):
        other = app.test_client()
        sign_in(other, reader)
        page = _soup(other.get(f"/meetings/minutes/{first.id}"))
        assert page.h1.get_text(strip=True).startswith("Draft minutes of")
        assert "Draft" in page.find(attrs={"data-testid": "minutes-state"}).get_text()


def test_the_coordinator_edits_a_cases_draft_and_an_error_keeps_what_was_typed(client, db, drafted):
    s = drafted
    first = s["minutes"][0]
    sign_in(client, s["coordinator"])
    form = _soup(client.get(f"/meetings/minutes/{first.id}/edit"))
    assert (
        form.find("textarea", attrs={"name": "discussion"})
        .get_text()
        .startswith("Synthetic discussion of")
    )

    too_long = "Synthetic " * 2001
    page = _soup(client.post(f"/meetings/minutes/{first.id}/edit", data={"discussion": too_long}))
    assert page.find(class_="govuk-error-summary") is not None
    assert "20,000" in page.find(class_="govuk-error-message").get_text()
    assert (
        page.find("textarea", attrs={"name": "discussion"}).get_text().strip() == too_long.strip()
    )
    page = _soup(client.post(f"/meetings/minutes/{first.id}/edit", data={"discussion": "  "}))
    assert "Enter the discussion for the minutes" in page.find(class_="govuk-error-message").text

    saved = client.post(
        f"/meetings/minutes/{first.id}/edit",
        data={"discussion": "Synthetic first paragraph\nSynthetic second paragraph"},
    )
    assert saved.status_code == 302
    db.session.expire_all()
    assert first.content["discussion"] == "Synthetic first paragraph\nSynthetic second paragraph"
    edits = [e for e in _events(db, first.id) if e[0] == "minutes.edit"]
    assert len(edits) == 1
    assert "discussion" in edits[0][2]
    trail = " ".join(str(v) for row in db.session.execute(select(ledger_table)) for v in row)
    assert "Synthetic first paragraph" not in trail


def test_only_the_coordinator_edits_the_draft_and_only_while_it_is_a_draft(client, db, drafted):
    s = drafted
    first = s["minutes"][0]
    for who in (s["chair"], s["housing"]):
        with pytest.raises(NotAllowed):
            minutes_service.edit_draft(first, by=who, discussion="Synthetic")
    sign_in(client, s["chair"])
    assert client.get(f"/meetings/minutes/{first.id}/edit").status_code == 404
    minutes_service.approve(s["meeting"], by=s["chair"])
    with pytest.raises(NotAllowed):
        minutes_service.edit_draft(first, by=s["coordinator"], discussion="Synthetic")


def test_sending_is_refused_before_the_chair_approves(client, db, drafted):
    s = drafted
    meeting = s["meeting"]
    with pytest.raises(NotAllowed):
        minutes_service.send(meeting, by=s["coordinator"])
    sign_in(client, s["coordinator"])
    assert client.get(f"/meetings/{meeting.id}/minutes/send").status_code == 404
    assert client.post(f"/meetings/{meeting.id}/minutes/send").status_code == 404
    # Nor can the coordinator approve their own draft: that is the chair's.
    assert client.post(f"/meetings/{meeting.id}/minutes/approve").status_code == 404
    db.session.expire_all()
    assert meeting.status == MeetingStatus.MINUTES_DRAFTED
    assert db.session.scalars(select(MinutesDistribution)).all() == []
    assert _sent(db) == []


def test_the_chair_returns_the_draft_with_a_comment_then_approves_it(app, client, db, drafted):
    s = drafted
    meeting = s["meeting"]
    sign_in(client, s["chair"])
    page = _soup(client.post(f"/meetings/{meeting.id}/minutes/return", data={"comment": " "}))
    assert (
        "Enter what the coordinator should change" in page.find(class_="govuk-error-summary").text
    )
    returned = client.post(
        f"/meetings/{meeting.id}/minutes/return",
        data={"comment": "Synthetic: add the housing action to the second case"},
    )
    assert returned.status_code == 302
    db.session.expire_all()
    assert meeting.status == MeetingStatus.MINUTES_DRAFTED
    assert any(a == "minutes.return" for a, _, _ in _events(db, meeting.id))

    coordinator = app.test_client()
    sign_in(coordinator, s["coordinator"])
    shown = _soup(coordinator.get(f"/meetings/{meeting.id}"))
    comment = shown.find(attrs={"data-testid": "minutes-returned"}).get_text()
    assert "Synthetic: add the housing action to the second case" in comment

    assert client.post(f"/meetings/{meeting.id}/minutes/approve").status_code == 302
    db.session.expire_all()
    assert meeting.status == MeetingStatus.MINUTES_APPROVED
    for minutes in s["minutes"]:
        assert minutes.approved_by_id == s["chair"].id
        assert minutes.approved_at is not None
        assert any(a == "minutes.approve" for a, _, _ in _events(db, minutes.id))
    assert db.session.scalars(select(MinutesDistribution)).all() == []  # approved, not sent


def test_the_confirmation_names_numbers_and_agencies_then_sends_with_disclosures(
    client, db, make, drafted
):
    s = drafted
    meeting, (first, second) = s["meeting"], s["minutes"]
    related = make.user(agency=s["housing"].agency)
    meetings.accept_confidentiality(meeting, by=related)
    closure.add_exclusion(
        first.case, by=s["coordinator"], choice=f"user:{related.id}", reason="Synthetic: related"
    )
    minutes_service.approve(meeting, by=s["chair"])
    sign_in(client, s["coordinator"])
    page = _soup(client.get(f"/meetings/{meeting.id}/minutes/send"))
    assert page.find(attrs={"data-testid": "send-summary"}).get_text(strip=True) == (
        "You are about to send the minutes of 2 cases to 4 people in 3 agencies."
    )
    agencies = [
        li.get_text(strip=True) for li in page.find(attrs={"data-testid": "send-agencies"})("li")
    ]
    assert agencies == sorted(
        {s["owner"].agency.name, s["housing"].agency.name, s["coordinator"].agency.name}
    )
    assert "1 copy will be withheld" in page.find(attrs={"data-testid": "send-withheld"}).text
    main = page.find("main").get_text()
    assert first.case.victim.display_name not in main  # numbers and agencies only
    db.session.expire_all()
    assert meeting.status == MeetingStatus.MINUTES_APPROVED  # asking sends nothing

    assert client.post(f"/meetings/{meeting.id}/minutes/send").status_code == 302
    db.session.expire_all()
    assert meeting.status == MeetingStatus.MINUTED
    everyone = {s["owner"].id, s["housing"].id, s["coordinator"].id}
    assert {d.user_id for d in first.distributions} == everyone
    assert {d.user_id for d in second.distributions} == everyone | {related.id}
    assert first.distributed_at is not None
    sent = _sent(db)
    assert sorted((d.object_id, d.recipient_user_id) for d in sent) == sorted(
        [(str(first.id), u) for u in everyone]
        + [(str(second.id), u) for u in everyone | {related.id}]
    )
    assert ("minutes.withhold", f"user:{related.id} agency:{related.agency_id}") in {
        (a, r) for a, r, _ in _events(db, first.id)
    }


def test_a_correction_is_version_2_kept_beside_version_1_sent_again_with_the_change_marked(
    app, client, db, make, clock, drafted
):
    s = drafted
    meeting, first = s["meeting"], s["minutes"][0]
    minutes_service.edit_draft(
        first, by=s["coordinator"], discussion="Synthetic paragraph one\nSynthetic paragraph two"
    )
    minutes_service.approve(meeting, by=s["chair"])
    minutes_service.send(meeting, by=s["coordinator"])
    # Since sending, housing was found related to the perpetrator: the correction skips them.
    closure.add_exclusion(
        first.case,
        by=s["coordinator"],
        choice=f"agency:{s['housing'].agency_id}",
        reason="Synthetic: related",
    )
    before = len(_sent(db))

    sign_in(client, s["coordinator"])
    form = _soup(client.get(f"/meetings/minutes/{first.id}/correct"))
    assert "version 2" in form.find("main").get_text()
    page = _soup(
        client.post(
            f"/meetings/minutes/{first.id}/correct",
            data={"discussion": "Synthetic paragraph one\nSynthetic paragraph 2b", "reason": ""},
        )
    )
    assert (
        "Enter why the minutes are being corrected" in page.find(class_="govuk-error-summary").text
    )
    assert "Synthetic paragraph 2b" in page.find("textarea", attrs={"name": "discussion"}).text
    unchanged = _soup(
        client.post(
            f"/meetings/minutes/{first.id}/correct",
            data={
                "discussion": "Synthetic paragraph one\nSynthetic paragraph two",
                "reason": "Synthetic",
            },
        )
    )
    assert "Change the discussion" in unchanged.find(class_="govuk-error-message").text

    done = client.post(
        f"/meetings/minutes/{first.id}/correct",
        data={
            "discussion": "Synthetic paragraph one\nSynthetic paragraph 2b",
            "reason": "Synthetic: the wrong date was minuted",
        },
    )
    assert done.status_code == 302
    db.session.expire_all()
    assert first.version == 2
    assert first.corrected_by_id == s["coordinator"].id
    assert first.correction_reason == "Synthetic: the wrong date was minuted"
    (kept,) = db.session.scalars(select(MinutesVersion)).all()
    assert (kept.number, kept.made_by_id) == (1, s["coordinator"].id)
    assert kept.content["discussion"] == "Synthetic paragraph one\nSynthetic paragraph two"
    assert first.content["discussion"] == "Synthetic paragraph one\nSynthetic paragraph 2b"

    # Sent again to the same people, less housing, now on the must-not-receive list.
    assert len(_sent(db)) == before + 2
    again = [d for d in _sent(db) if d.purpose.startswith("Corrected minutes (version 2)")]
    assert sorted(d.recipient_user_id for d in again) == sorted(
        [s["owner"].id, s["coordinator"].id]
    )
    versions = {d.user_id: d.version for d in first.distributions}
    assert versions == {s["owner"].id: 2, s["housing"].id: 1, s["coordinator"].id: 2}
    told = db.session.scalars(
        select(Notification.text).where(Notification.user_id == s["owner"].id)
    ).all()
    assert any("version 2" in t for t in told)
    actions = [a for a, _, _ in _events(db, first.id)]
    assert "minutes.correct" in actions
    assert "minutes.withhold" in actions

    reader = app.test_client()
    sign_in(reader, s["owner"])
    page = _soup(reader.get(f"/meetings/minutes/{first.id}"))
    banner = page.find(attrs={"data-testid": "minutes-changes"})
    assert banner.h2.get_text(strip=True) == "Changes in version 2"
    assert "1 paragraph removed and 1 added" in banner.get_text()
    assert "Synthetic: the wrong date was minuted" in banner.get_text()
    discussion = page.find(attrs={"data-testid": "minutes-discussion"})
    assert discussion.find("del").get_text(strip=True).endswith("Synthetic paragraph two")
    assert discussion.find("ins").get_text(strip=True).endswith("Synthetic paragraph 2b")
    assert discussion.find("ins").find(class_="govuk-visually-hidden") is not None
    earlier = page.find(attrs={"data-testid": "minutes-versions"}).find("a")
    assert earlier.get_text(strip=True) == "Version 1"
    old = _soup(reader.get(earlier["href"]))
    assert old.find(attrs={"data-testid": "older-version"}) is not None
    assert old.find(attrs={"data-testid": "minutes-discussion"}).get_text().strip() == (
        "Synthetic paragraph one\nSynthetic paragraph two"
    )
    assert reader.get(f"/meetings/minutes/{first.id}/versions/3").status_code == 404
    assert ("minutes.view", "version 1") in {
        (a, p)
        for a, p in db.session.execute(
            select(ledger_table.c.action, ledger_table.c.purpose).where(
                ledger_table.c.object_id == str(first.id)
            )
        )
    }

    # Housing, excluded since, reads neither version.
    housing = app.test_client()
    sign_in(housing, s["housing"])
    assert housing.get(f"/meetings/minutes/{first.id}").status_code == 404
    assert housing.get(f"/meetings/minutes/{first.id}/versions/1").status_code == 404
    assert_ledger_verifies(app, db)


def test_only_the_coordinator_corrects_and_only_minutes_already_sent(db, drafted):
    s = drafted
    first = s["minutes"][0]
    with pytest.raises(NotAllowed):  # a draft is edited, not corrected
        minutes_service.correct(first, by=s["coordinator"], discussion="Synthetic", reason="x")
    minutes_service.approve(s["meeting"], by=s["chair"])
    minutes_service.send(s["meeting"], by=s["coordinator"])
    for who in (s["chair"], s["owner"]):
        with pytest.raises(NotAllowed):
            minutes_service.correct(first, by=who, discussion="Synthetic", reason="Synthetic")
    assert db.session.scalars(select(Minutes.version)).all() == [1, 1]


def test_only_a_coordinator_drafts_and_only_a_chair_of_the_area_approves(
    db,
    make,
    session_ready,  # noqa: F811
):
    s = session_ready
    meeting = s["meeting"]
    hear_all(meeting, s["coordinator"])
    chair = make.user(agency=s["coordinator"].agency, roles=("chair",))
    for who in (chair, s["owner"]):
        with pytest.raises(NotAllowed):
            minutes_service.draft(meeting, by=who)
    minutes_service.draft(meeting, by=s["coordinator"])
    elsewhere = make.user(agency=make.agency(area="Elsewhere MARAC"), roles=("chair",))
    for who in (s["coordinator"], s["owner"], elsewhere):
        with pytest.raises(NotAllowed):
            minutes_service.approve(meeting, by=who)
        with pytest.raises(NotAllowed):
            minutes_service.return_draft(meeting, by=who, comment="Synthetic")
    assert meeting.status == MeetingStatus.MINUTES_DRAFTED
    assert db.session.scalars(select(Minutes.approved_at)).all() == [None, None]
