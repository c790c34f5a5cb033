"""Each case at a meeting ends heard, deferred to the next meeting or withdrawn.

A deferred case is not heard, and joins the area's next agenda; a withdrawn one
is not heard and goes nowhere. Both need a reason, which is kept encrypted and
never reaches the ledger.
"""

from __future__ import annotations

from datetime import date

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select, text

from emarac.auditing import ledger_table
from emarac.cases import closure
from emarac.cases.models import CaseStatus
from emarac.meetings import conference, outcomes
from emarac.meetings import services as meetings
from emarac.meetings.models import AgendaOutcome, MeetingStatus
from emarac.protocol.policy import NotAllowed
from tests.conftest import sign_in
from tests.factories import send_minutes
from tests.meetings.test_conference import session_ready  # noqa: F401 - a fixture

REASON = "Synthetic: the police research is not in yet"


def _page(response):
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def _outcome_events(db, case_id):
    return db.session.execute(
        select(ledger_table.c.action, ledger_table.c.fields, ledger_table.c.purpose)
        .where(
            ledger_table.c.object_id == str(case_id),
            ledger_table.c.action.in_(("conference.record", "conference.outcome")),
        )
        .order_by(ledger_table.c.seq)
    ).all()


def _item_of(meeting, case_id):
    return next(i for i in meeting.items if i.case_id == case_id)


def _next_meeting(coordinator, held_on=date(2026, 11, 30)):
    following = meetings.create_meeting(by=coordinator, held_on=held_on)
    meetings.refresh_agenda(following, by=coordinator)
    return following


def test_a_deferred_case_is_not_heard_and_joins_the_next_agenda(
    app,
    client,
    db,
    clock,
    session_ready,  # noqa: F811
):
    s = session_ready
    meeting, coordinator = s["meeting"], s["coordinator"]
    deferred_id, heard_id = (item.case_id for item in meeting.items)
    sign_in(client, coordinator)
    response = client.post(
        f"/meetings/{meeting.id}/cases/{deferred_id}/record",
        data={"outcome": "deferred", "deferred_reason": REASON, "discussion": ""},
    )
    assert response.status_code == 302
    db.session.expire_all()
    item = _item_of(meeting, deferred_id)
    assert (item.outcome, item.outcome_reason, item.heard_at) == ("deferred", REASON, None)
    assert not meetings.was_heard(deferred_id)
    assert item.case.status == CaseStatus.REFERRED
    stored = db.session.execute(
        text("SELECT outcome_reason_ct FROM agenda_item WHERE outcome = 'deferred'")
    ).scalar_one()
    assert REASON.encode() not in bytes(stored)  # encrypted at rest
    events = _outcome_events(db, deferred_id)
    assert [e.action for e in events] == ["conference.outcome"]
    assert "deferred" in events[0].purpose
    assert REASON not in str(events)

    # The agenda says so, and the minutes say so, with no actions.
    cells = _page(client.get(f"/meetings/{meeting.id}")).select("[data-testid=heard]")
    assert [c.get_text(strip=True) for c in cells] == ["Deferred", "Not yet"]
    conference.record_discussion(
        meeting,
        _item_of(meeting, heard_id),
        by=coordinator,
        discussion="Synthetic",
        agreed_risk="high",
    )
    produced = {m.case_id: m for m in send_minutes(meeting, coordinator=coordinator)}
    content = produced[deferred_id].content
    assert (content["outcome"], content["outcome_reason"]) == ("deferred", REASON)
    assert content["actions"] == []
    assert content["discussion"] is None
    page = _page(client.get(f"/meetings/minutes/{produced[deferred_id].id}"))
    assert page.select_one("[data-testid=minutes-outcome]").get_text(strip=True) == (
        "Deferred to the next meeting: not heard"
    )
    assert page.select_one("[data-testid=minutes-outcome-reason]").get_text(strip=True) == REASON
    assert page.select_one("[data-testid=minutes-discussion]") is None
    assert "the case was deferred" in page.select_one("[data-testid=minutes-actions]").get_text()

    # The area's next agenda takes the deferred case, not the heard one.
    following = _next_meeting(coordinator)
    carried = list(following.items)
    assert [i.case_id for i in carried] == [deferred_id]
    assert carried[0].deferred_from_id == item.id
    note = _page(client.get(f"/meetings/{following.id}")).select_one("[data-testid=deferred-from]")
    assert note.get_text(strip=True) == f"Deferred from 2 November 2026: {REASON}"
    # Conference mode says so too; heard there, the case counts as heard.
    meetings.release_agenda(following, by=coordinator)
    clock.advance(days=(following.held_on - meeting.held_on).days)  # joining opens on the day
    meetings.accept_confidentiality(following, by=coordinator)
    sign_in(client, coordinator)  # a new day, a new sign-in
    conference_page = _page(client.get(f"/meetings/{following.id}/cases/{deferred_id}/conference"))
    assert conference_page.select_one("[data-testid=deferred-from]").get_text(strip=True) == (
        f"Deferred from 2 November 2026: {REASON}"
    )
    conference.record_discussion(
        following, following.items[0], by=coordinator, discussion="Synthetic", agreed_risk="high"
    )
    assert meetings.was_heard(deferred_id)


def test_the_reason_is_shown_only_to_those_who_may_read_the_case(
    app,
    client,
    db,
    session_ready,  # noqa: F811
):
    s = session_ready
    meeting, coordinator, housing = s["meeting"], s["coordinator"], s["housing"]
    item = meeting.items[0]
    outcomes.set_aside(meeting, item, by=coordinator, outcome=AgendaOutcome.DEFERRED, reason=REASON)
    following = _next_meeting(coordinator)
    meetings.release_agenda(following, by=coordinator)
    closure.add_exclusion(
        item.case,
        by=coordinator,
        choice=f"agency:{housing.agency_id}",
        reason="Synthetic: related to the perpetrator",
    )
    sign_in(client, housing)
    note = _page(client.get(f"/meetings/{following.id}")).select_one("[data-testid=deferred-from]")
    assert note.get_text(strip=True) == "Deferred from 2 November 2026"

    owner = app.test_client()
    sign_in(owner, s["owner"])
    note = _page(owner.get(f"/meetings/{following.id}")).select_one("[data-testid=deferred-from]")
    assert REASON in note.get_text()
    read = db.session.execute(
        select(ledger_table.c.user_id, ledger_table.c.fields).where(
            ledger_table.c.action == "case.view",
            ledger_table.c.object_id == str(item.case_id),
            ledger_table.c.purpose.like("%deferred from an earlier meeting%"),
        )
    ).all()
    assert [str(user_id) for user_id, _ in read] == [str(s["owner"].id)]


def test_a_withdrawn_case_is_not_heard_and_not_carried(db, session_ready):  # noqa: F811
    s = session_ready
    meeting, coordinator = s["meeting"], s["coordinator"]
    withdrawn, heard = meeting.items
    outcomes.set_aside(
        meeting, withdrawn, by=coordinator, outcome=AgendaOutcome.WITHDRAWN, reason=REASON
    )
    conference.record_discussion(
        meeting, heard, by=coordinator, discussion="Synthetic", agreed_risk="high"
    )
    assert not meetings.was_heard(withdrawn.case_id)
    minutes = {m.case_id: m for m in send_minutes(meeting, coordinator=coordinator)}
    assert minutes[withdrawn.case_id].content["outcome"] == "withdrawn"
    assert _next_meeting(coordinator).items == []


def test_a_reason_is_required_and_everything_typed_is_kept(client, db, session_ready):  # noqa: F811
    s = session_ready
    meeting = s["meeting"]
    case_id = meeting.items[0].case_id
    sign_in(client, s["coordinator"])
    response = client.post(
        f"/meetings/{meeting.id}/cases/{case_id}/record",
        data={
            "outcome": "withdrawn",
            "withdrawn_reason": "  ",
            "discussion": "Synthetic notes so far",
            "agreed_risk": "medium",
        },
    )
    assert response.status_code == 400
    page = _page(response)
    summary = page.select_one(".govuk-error-summary")
    assert summary.select_one("a").get_text(strip=True) == "Enter why the case is withdrawn"
    field = page.select_one("#withdrawn_reason").find_parent(class_="govuk-form-group")
    assert "Enter why the case is withdrawn" in field.select_one(".govuk-error-message").get_text()
    assert page.select_one("input[name=outcome][checked]")["value"] == "withdrawn"
    assert page.select_one("textarea[name=discussion]").get_text().strip() == (
        "Synthetic notes so far"
    )
    # The summary and risk belong to a heard case: not asked for here.
    assert len(page.select(".govuk-error-summary li")) == 1
    db.session.expire_all()
    assert meeting.items[0].outcome is None
    with pytest.raises(ValueError, match="Enter why the case is deferred"):
        outcomes.set_aside(
            meeting,
            meeting.items[0],
            by=s["coordinator"],
            outcome=AgendaOutcome.DEFERRED,
            reason=" ",
        )


def test_the_outcome_can_change_in_session_and_each_change_is_audited(
    db,
    session_ready,  # noqa: F811
):
    s = session_ready
    meeting, coordinator = s["meeting"], s["coordinator"]
    item = meeting.items[0]
    conference.record_discussion(
        meeting, item, by=coordinator, discussion="Synthetic decision", agreed_risk="high"
    )
    assert item.case.status == CaseStatus.HEARD
    outcomes.set_aside(meeting, item, by=coordinator, outcome=AgendaOutcome.DEFERRED, reason=REASON)
    assert (item.outcome, item.heard_at, item.discussion) == ("deferred", None, None)
    assert item.decision_so_far() == ("Synthetic decision", "high")  # kept as the draft
    assert item.case.status == CaseStatus.REFERRED
    outcomes.record_outcome(
        meeting,
        item,
        by=coordinator,
        outcome=AgendaOutcome.HEARD,
        discussion="Synthetic decision",
        agreed_risk="high",
    )
    assert (item.outcome, item.outcome_reason) == ("heard", None)
    assert meetings.was_heard(item.case_id)
    events = _outcome_events(db, item.case_id)
    assert [(e.action, e.purpose.rsplit(": ", 1)[1]) for e in events] == [
        ("conference.record", "heard"),
        ("conference.outcome", "deferred (was heard)"),
        ("conference.record", "heard (was deferred)"),
    ]
    assert REASON not in str(events)

    # Once the minutes are out, the outcome is fixed.
    conference.record_discussion(
        meeting, meeting.items[1], by=coordinator, discussion="Synthetic", agreed_risk="high"
    )
    send_minutes(meeting, coordinator=coordinator)
    assert meeting.status == MeetingStatus.MINUTED
    with pytest.raises(NotAllowed):
        outcomes.set_aside(
            meeting, item, by=coordinator, outcome=AgendaOutcome.WITHDRAWN, reason=REASON
        )


def test_only_the_chair_or_coordinator_decides(db, session_ready):  # noqa: F811
    s = session_ready
    meeting = s["meeting"]
    with pytest.raises(NotAllowed):
        outcomes.set_aside(
            meeting, meeting.items[0], by=s["owner"], outcome=AgendaOutcome.DEFERRED, reason=REASON
        )
    assert meeting.items[0].outcome is None


def test_a_deferral_is_carried_once(db, session_ready):  # noqa: F811
    s = session_ready
    meeting, coordinator = s["meeting"], s["coordinator"]
    item = meeting.items[0]
    outcomes.set_aside(meeting, item, by=coordinator, outcome=AgendaOutcome.DEFERRED, reason=REASON)
    following = _next_meeting(coordinator, date(2026, 11, 30))
    assert [i.case_id for i in following.items] == [item.case_id]
    # Once carried, the deferral stands.
    with pytest.raises(ValueError, match="already on the next meeting's agenda"):
        outcomes.record_outcome(
            meeting,
            item,
            by=coordinator,
            outcome=AgendaOutcome.HEARD,
            discussion="Synthetic",
            agreed_risk="high",
        )
    # A meeting after that does not take it again, nor does one held before.
    assert _next_meeting(coordinator, date(2026, 12, 14)).items == []
    earlier = _next_meeting(coordinator, date(2026, 10, 1))
    assert earlier.items == []
