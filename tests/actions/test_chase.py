"""Chasing an action sends one reminder a day, however often it is pressed."""

from __future__ import annotations

from datetime import date

from bs4 import BeautifulSoup
from sqlalchemy import func, select

from emarac.actions import services as actions
from emarac.actions.models import Action
from emarac.auditing import ledger_table
from emarac.notifications.models import Notification
from tests.conftest import sign_in


def notices(db, user) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user.id, Notification.kind == "action.chase")
    )


def chase_events(db) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(ledger_table)
        .where(ledger_table.c.action == "action.chase")
    )


def banner(response) -> str:
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    return soup.find(class_="govuk-notification-banner").get_text(" ", strip=True)


def test_chasing_twice_in_a_day_sends_one_notice(client, db, held, agree, clock):
    action = agree(due_on=date(2026, 11, 3))
    clock.advance(days=2)  # 4 November, 09:00: overdue
    sign_in(client, held["coordinator"])
    first = client.post(f"/actions/{action.id}/chase", follow_redirects=True)
    assert "Reminder sent to" in banner(first)
    clock.advance(hours=14, minutes=59)  # 23:59 the same day
    sign_in(client, held["coordinator"])
    second = client.post(f"/actions/{action.id}/chase", follow_redirects=True)
    assert "already chased today: no second reminder sent" in banner(second)
    assert notices(db, held["housing"]) == 1
    assert chase_events(db) == 1
    db.session.expire_all()
    chased_at = db.session.scalar(select(Action.last_chased_at))
    assert (chased_at.day, chased_at.hour) == (4, 9)  # the second press changed nothing

    row = BeautifulSoup(second.get_data(as_text=True), "html.parser").find(
        attrs={"data-testid": "last-chased"}
    )
    assert row.get_text(strip=True) == "Last chased 4 November 2026"

    clock.advance(minutes=2)  # 5 November: a new day, a new reminder
    sign_in(client, held["coordinator"])
    client.post(f"/actions/{action.id}/chase")
    assert notices(db, held["housing"]) == 2
    assert chase_events(db) == 2


def test_the_owning_agency_sees_when_it_was_last_chased(client, app, db, held, agree, clock):
    action = agree(due_on=date(2026, 11, 3))
    clock.advance(days=29)  # 1 December
    assert actions.chase(action, by=held["coordinator"]) is actions.Chase.SENT
    sign_in(client, held["housing"])
    soup = BeautifulSoup(client.get("/actions/").get_data(as_text=True), "html.parser")
    assert soup.find(attrs={"data-testid": "last-chased"}).get_text(strip=True) == (
        "Last chased 1 December 2026"
    )
    detail = BeautifulSoup(
        client.get(f"/actions/{action.id}").get_data(as_text=True), "html.parser"
    )
    assert detail.find(attrs={"data-testid": "last-chased"}).get_text(strip=True) == (
        "1 December 2026"
    )


def test_a_finished_action_is_not_chased(db, held, agree, clock):
    action = agree(due_on=date(2026, 11, 3))
    actions.update_action(action, by=held["housing"], status="done", note="Synthetic")
    clock.advance(days=5)
    assert actions.chase(action, by=held["coordinator"]) is actions.Chase.NOT_OPEN
    assert notices(db, held["housing"]) == 0
    assert chase_events(db) == 0
