"""Navigation items by role, for the header."""

from __future__ import annotations

from flask import request, url_for
from flask_login import current_user

from emarac.agencies.models import Role
from emarac.notifications.services import unread_count

# (text, endpoint, roles that see it; empty = every signed-in user)
NAV: list[tuple[str, str, tuple[Role, ...]]] = [
    ("Home", "main.home", ()),
    ("Cases", "cases.index", (Role.PRACTITIONER, Role.IDVA, Role.COORDINATOR, Role.CHAIR)),
    ("Search", "people.search", (Role.PRACTITIONER, Role.IDVA, Role.COORDINATOR, Role.CHAIR)),
    ("Agencies", "agencies.list_agencies", (Role.SYSTEM_ADMIN,)),
    ("Users", "agencies.index", (Role.AGENCY_ADMIN,)),
    ("Triage", "referrals.triage", (Role.COORDINATOR,)),
    ("Meetings", "meetings.index", (Role.PRACTITIONER, Role.IDVA, Role.COORDINATOR, Role.CHAIR)),
    ("Actions", "actions.tracker", (Role.PRACTITIONER, Role.IDVA, Role.COORDINATOR, Role.CHAIR)),
    ("Indicators", "indicators.dashboard", (Role.MANAGER, Role.COORDINATOR)),
    ("Notifications", "notifications.index", ()),
    ("Audit trail", "auditlog.index", (Role.SYSTEM_ADMIN, Role.COORDINATOR)),
]


def nav_items() -> list[dict[str, object]]:
    if not current_user.is_authenticated:
        return []
    items: list[dict[str, object]] = []
    for text, endpoint, roles in NAV:
        if roles and not current_user.has_role(*roles):
            continue
        href = url_for(endpoint)
        if endpoint == "notifications.index":
            unread = unread_count(current_user)
            text = f"Notifications ({unread})" if unread else text
        items.append({"text": text, "href": href, "active": request.endpoint == endpoint})
    return items
