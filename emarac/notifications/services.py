"""Notifying users in the app, and by e-mail through a pluggable sender."""

from __future__ import annotations

import logging
import uuid
from typing import Any, Protocol

from sqlalchemy import func, select, update

from emarac.agencies.models import Agency, Role, User, UserRole
from emarac.agencies.services import RoleChange
from emarac.clock import utcnow
from emarac.extensions import db
from emarac.notifications.models import Notification

log = logging.getLogger(__name__)


class MailSender(Protocol):
    """Sends one short notice; a real service (GOV.UK Notify, SMTP) plugs in here."""

    def send(self, user: User, *, kind: str, text: str) -> None: ...


class LogMailSender:
    """Development sender: writes that a notice of a kind went to a user id.

    The notice's text names people (a role given to someone, a case's owner), so
    it stays out of the log: ids and the kind only."""

    def send(self, user: User, *, kind: str, text: str) -> None:
        log.info("mail notice to user %s: kind=%s", user.id, kind)


sender: MailSender = LogMailSender()


def _notify(users: list[User], *, case: Any, kind: str, text: str) -> None:
    for user in users:
        db.session.add(
            Notification(user_id=user.id, case_id=case.id if case else None, kind=kind, text=text)
        )
        sender.send(user, kind=kind, text=text)


def _active(query: Any) -> list[User]:
    return [u for u in db.session.scalars(query) if u.is_active]


def to_users(users: list[User], *, case: Any, kind: str, text: str) -> None:
    _notify([u for u in users if u.is_active], case=case, kind=kind, text=text)


def to_agency(agency_id: uuid.UUID | None, *, case: Any, kind: str, text: str) -> None:
    if agency_id is None:
        return
    users = _active(
        select(User)
        .where(User.agency_id == agency_id)
        .join(UserRole)
        .where(UserRole.role.in_([Role.PRACTITIONER, Role.IDVA, Role.COORDINATOR]))
        .distinct()
    )
    _notify(users, case=case, kind=kind, text=text)


def to_coordinators(area_id: uuid.UUID, *, case: Any, kind: str, text: str) -> None:
    users = _active(
        select(User)
        .join(Agency, Agency.id == User.agency_id)
        .join(UserRole)
        .where(Agency.area_id == area_id, UserRole.role == Role.COORDINATOR)
        .distinct()
    )
    _notify(users, case=case, kind=kind, text=text)


def to_system_admins(*, kind: str, text: str, exclude: uuid.UUID | None = None) -> None:
    users = _active(
        select(User).join(UserRole).where(UserRole.role == Role.SYSTEM_ADMIN).distinct()
    )
    _notify([u for u in users if u.id != exclude], case=None, kind=kind, text=text)


def unread_count(user: User) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        )
        or 0
    )


def for_user(user: User, *, limit: int = 100) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification)
            .where(Notification.user_id == user.id)
            .order_by(Notification.created_at.desc())
            .limit(limit)
        )
    )


def mark_all_read(user: User) -> None:
    db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    db.session.commit()


def role_changed(change: RoleChange) -> None:
    """Plugged into ``agencies.role_changes``: the area's coordinators and the other
    system administrators hear of every role given or removed."""
    user = change.user
    to_coordinators(user.agency.area_id, case=None, kind=change.action, text=change.text)
    exclude = change.by.id if change.by else None
    to_system_admins(kind=change.action, text=change.text, exclude=exclude)
