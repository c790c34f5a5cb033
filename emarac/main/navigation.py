"""Navigation items for the header: each shown when the access policy allows its page."""

from __future__ import annotations

from collections.abc import Callable

from flask import request, url_for
from flask_login import current_user

from emarac.notifications.services import unread_count
from emarac.protocol import policy


def _anyone(actor: object) -> bool:
    return True


def _admin_of_own_agency(actor: object) -> bool:
    agency = getattr(actor, "agency", None)
    return agency is not None and policy.may_manage_users_of(current_user, agency)


# (text, endpoint, the policy question that decides whether it is shown)
NAV: list[tuple[str, str, Callable[..., bool]]] = [
    ("Home", "main.home", _anyone),
    ("Cases", "cases.index", policy.may_search_people),
    ("Search", "people.search", policy.may_search_people),
    ("Agencies", "agencies.list_agencies", policy.may_manage_agencies),
    ("Users", "agencies.index", _admin_of_own_agency),
    ("Triage", "referrals.triage", policy.may_triage),
    ("IDVA queue", "idva.queue", policy.may_use_idva_queue),
    ("My caseload", "idva.caseload", policy.has_idva_caseload),
    ("Meetings", "meetings.index", policy.may_search_people),
    ("Actions", "actions.tracker", policy.may_search_people),
    ("Indicators", "indicators.dashboard", policy.may_view_indicators),
    ("Emergency access", "emergency.queue", policy.may_review_any_emergency_access),
    ("Retention", "retention.queue", policy.may_review_retention),
    ("Notifications", "notifications.index", _anyone),
    ("Audit trail", "auditlog.index", policy.may_read_audit),
    ("Disclosures", "disclosures.index", policy.may_read_disclosures),
    ("Subject access", "subjectaccess.start", policy.may_read_disclosures),
]

_CACHE = "emarac.nav_items"


def nav_items() -> list[dict[str, object]]:
    """The header's items, worked out once per request.

    The context processor that calls this runs on every ``render_template``, and
    govuk-frontend-wtf renders each form field through one: without the cache the
    risk checklist asked the policy and counted the unread notices about ninety
    times for one page. Kept in the request's environ, not ``g``: an app context
    can outlive a request (the tests hold one across many).
    """
    if not current_user.is_authenticated:
        return []
    cached: list[dict[str, object]] | None = request.environ.get(_CACHE)
    if cached is None:
        cached = request.environ[_CACHE] = _work_out_nav_items()
    return cached


def _work_out_nav_items() -> list[dict[str, object]]:
    items: list[dict[str, object]] = []
    for text, endpoint, shown in NAV:
        if not shown(current_user):
            continue
        href = url_for(endpoint)
        if endpoint == "notifications.index":
            unread = unread_count(current_user)
            text = f"Notifications ({unread})" if unread else text
        items.append({"text": text, "href": href, "active": request.endpoint == endpoint})
    return items
