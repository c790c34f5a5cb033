"""The notifications page: reading it leaves notices unread; marking them read is a POST."""

from __future__ import annotations

from bs4 import BeautifulSoup
from sqlalchemy import select

from emarac.notifications import services
from emarac.notifications.models import Notification


def _unread(db, user):
    db.session.expire_all()
    return db.session.scalars(
        select(Notification.text).where(
            Notification.user_id == user.id, Notification.read_at.is_(None)
        )
    ).all()


def test_reading_the_page_leaves_notices_unread(client, login_as, db, clock):
    user = login_as("practitioner")
    services.to_users([user], case=None, kind="test.notice", text="Synthetic notice")
    db.session.commit()

    page = BeautifulSoup(client.get("/notifications/").data, "html.parser")
    assert "Synthetic notice" in page.select_one("[data-testid=notifications]").get_text()
    assert page.select_one("form[action='/notifications/read']") is not None
    assert _unread(db, user) == ["Synthetic notice"]
    client.get("/notifications/")
    assert _unread(db, user) == ["Synthetic notice"]


def test_mark_as_read_marks_only_ones_own(client, login_as, db, make, clock):
    colleague = make.user()
    user = login_as("practitioner")
    services.to_users([user, colleague], case=None, kind="test.notice", text="Synthetic notice")
    db.session.commit()

    response = client.post("/notifications/read")
    assert response.status_code == 302
    assert _unread(db, user) == []
    assert _unread(db, colleague) == ["Synthetic notice"]
    page = BeautifulSoup(client.get("/notifications/").data, "html.parser")
    assert page.select_one("form[action='/notifications/read']") is None  # nothing left unread
