"""The access policy: who may do what to which record. Deny by default.

Views never decide access; they ask this module. Anything it does not
explicitly allow is refused. Routes that show a record the user may not see
answer 404 rather than 403 so that record ids cannot be probed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, Select, false, or_, select, true, union

from emarac.agencies.models import Agency, Role, User


class NotAllowed(Exception):
    """The one denial: the actor may not do this, or the record does not exist.

    Services raise it; the app answers 404 (so ids cannot be probed) and
    records an ``access.denied`` event naming the object, never its content.
    Views never catch it.
    """

    def __init__(
        self, object_type: str | None = None, object_id: Any = None, *, purpose: str | None = None
    ) -> None:
        super().__init__(object_type or "access")
        self.object_type = object_type
        self.object_id = object_id
        self.purpose = purpose


def _usable(actor: User | None) -> bool:
    return actor is not None and actor.is_authenticated and actor.is_active


def may_manage_agencies(actor: User | None) -> bool:
    """System administrators manage agencies and the protocol, not case content."""
    return _usable(actor) and actor is not None and actor.has_role(Role.SYSTEM_ADMIN)


def may_manage_users_of(actor: User | None, agency: Agency) -> bool:
    """Agency administrators manage their own agency's users; system admins any agency's."""
    if not _usable(actor) or actor is None:
        return False
    if actor.has_role(Role.SYSTEM_ADMIN):
        return True
    return actor.has_role(Role.AGENCY_ADMIN) and actor.agency_id == agency.id


def may_manage_user(actor: User | None, target: User) -> bool:
    return may_manage_users_of(actor, target.agency)


def may_grant_role(actor: User | None, role: Role) -> bool:
    """Only system administrators can create system administrators."""
    if not _usable(actor) or actor is None:
        return False
    if role is Role.SYSTEM_ADMIN:
        return actor.has_role(Role.SYSTEM_ADMIN)
    return actor.has_role(Role.SYSTEM_ADMIN, Role.AGENCY_ADMIN)


def manageable_users(actor: User | None, query: Select[tuple[User]]) -> Select[tuple[User]]:
    """Limit a user list to the accounts ``actor`` may manage."""
    if not _usable(actor) or actor is None:
        return query.where(false())
    if actor.has_role(Role.SYSTEM_ADMIN):
        return query
    if actor.has_role(Role.AGENCY_ADMIN):
        return query.where(User.agency_id == actor.agency_id)
    return query.where(false())


# --- cases -------------------------------------------------------------------
#
# Who sees a case in full (DOMAIN.md, "The information-sharing protocol"):
#   - the owning agency and the referring agency;
#   - the IDVA service the case is referred to;
#   - coordinators and chairs of the case's area;
#   - agencies invited to a meeting whose released agenda holds the case,
#     while the case is open (added with meetings).
# Managers and system administrators see no case content at all; anyone else
# who searches a known person learns only "known to MARAC".

CASE_CONTENT_ROLES = (Role.PRACTITIONER, Role.IDVA, Role.COORDINATOR, Role.CHAIR)


def _case_model() -> Any:
    from emarac.cases.models import Case

    return Case


def case_filter(actor: User | None) -> ColumnElement[bool]:
    """A WHERE clause limiting a query on ``marac_case`` to cases ``actor`` may see."""
    Case = _case_model()
    if not _usable(actor) or actor is None or not actor.has_role(*CASE_CONTENT_ROLES):
        return false()
    clauses: list[ColumnElement[bool]] = [
        Case.owning_agency_id == actor.agency_id,
        Case.referring_agency_id == actor.agency_id,
        Case.idva_agency_id == actor.agency_id,
    ]
    if actor.has_role(Role.COORDINATOR, Role.CHAIR):
        clauses.append(Case.area_id == actor.agency.area_id)
    clauses.extend(grant(actor) for grant in _CASE_GRANTS)
    return or_(*clauses)


# Later features (meetings) add grants here rather than editing the rule above.
_CASE_GRANTS: list[Callable[[User], ColumnElement[bool]]] = []


def add_case_grant(grant: Callable[[User], ColumnElement[bool]]) -> None:
    if grant not in _CASE_GRANTS:
        _CASE_GRANTS.append(grant)


def may_view_case(actor: User | None, case: Any) -> bool:
    if case is None or actor is None:
        return False
    from emarac.extensions import db

    Case = _case_model()
    found = db.session.scalar(select(Case.id).where(Case.id == case.id, case_filter(actor)))
    return found is not None


def may_edit_case(actor: User | None, case: Any) -> bool:
    """Owner and referrer agencies, the IDVA and area coordinators may change a case."""
    if not may_view_case(actor, case) or actor is None:
        return False
    if actor.has_role(Role.COORDINATOR) and actor.agency.area_id == case.area_id:
        return True
    return actor.agency_id in {case.owning_agency_id, case.referring_agency_id, case.idva_agency_id}


def may_see_restricted(actor: User | None, case: Any) -> bool:
    """Refuge address, safe phone and safe times: owner agency, the IDVA, coordinators."""
    if not may_view_case(actor, case) or actor is None:
        return False
    if actor.agency_id == case.owning_agency_id:
        return True
    if case.idva_agency_id is not None and actor.agency_id == case.idva_agency_id:
        return True
    return actor.has_role(Role.COORDINATOR) and actor.agency.area_id == case.area_id


def may_create_case(actor: User | None) -> bool:
    return (
        _usable(actor)
        and actor is not None
        and actor.has_role(Role.PRACTITIONER, Role.IDVA, Role.COORDINATOR)
    )


def may_search_people(actor: User | None) -> bool:
    """Searching is for people who work cases; managers and admins never search names."""
    return _usable(actor) and actor is not None and actor.has_role(*CASE_CONTENT_ROLES)


def may_merge_people(actor: User | None) -> bool:
    return _usable(actor) and actor is not None and actor.has_role(Role.COORDINATOR)


def visible_person_ids(actor: User | None) -> Select[tuple[Any]]:
    """Ids of every person linked to a case ``actor`` may see (victim, perpetrator, child)."""
    from emarac.cases.models import Case, CaseChild, CasePerpetrator

    visible = select(Case.id).where(case_filter(actor))
    return union(
        select(Case.victim_id.label("person_id")).where(Case.id.in_(visible)),
        select(CasePerpetrator.person_id).where(CasePerpetrator.case_id.in_(visible)),
        select(CaseChild.person_id).where(CaseChild.case_id.in_(visible)),
    )  # type: ignore[return-value]


# --- the audit trail -------------------------------------------------------------


def may_read_audit(actor: User | None) -> bool:
    """System administrators read the whole trail; coordinators their area's."""
    return (
        _usable(actor) and actor is not None and actor.has_role(Role.SYSTEM_ADMIN, Role.COORDINATOR)
    )


def audit_filter(actor: User | None, table: Any) -> ColumnElement[bool]:
    if not may_read_audit(actor) or actor is None:
        return false()
    if actor.has_role(Role.SYSTEM_ADMIN):
        return true()
    # The ledger stores ids as text (it knows nothing of our key types).
    return table.c.agency_id.in_(_agency_id_strings(actor))


def audit_agencies(actor: User | None, query: Select[Any]) -> Select[Any]:
    """Limit an agency query to those whose events ``actor`` may read."""
    if not may_read_audit(actor) or actor is None:
        return query.where(false())
    if actor.has_role(Role.SYSTEM_ADMIN):
        return query
    return query.where(Agency.area_id == actor.agency.area_id)


def _agency_id_strings(actor: User) -> list[str]:
    from emarac.extensions import db

    ids = db.session.scalars(select(Agency.id).where(Agency.area_id == actor.agency.area_id))
    return [str(i) for i in ids]


def may_record_incident(actor: User | None, person: Any) -> bool:
    """Any agency user may record an incident for a person known to them (on a visible case)."""
    if not _usable(actor) or actor is None or not actor.has_role(*CASE_CONTENT_ROLES):
        return False
    from emarac.extensions import db

    ids = visible_person_ids(actor).subquery()
    found = db.session.scalar(select(ids.c.person_id).where(ids.c.person_id == person.id))
    return found is not None


def may_see_access_log(actor: User | None, case: Any) -> bool:
    """The owning agency and the area's coordinators see who has accessed a case."""
    if not may_view_case(actor, case) or actor is None:
        return False
    if actor.agency_id == case.owning_agency_id:
        return True
    return actor.has_role(Role.COORDINATOR) and actor.agency.area_id == case.area_id


def may_transfer_case(actor: User | None, case: Any) -> bool:
    """The coordinator of the case's current area moves it to another area's MARAC."""
    return (
        may_view_case(actor, case)
        and actor is not None
        and actor.has_role(Role.COORDINATOR)
        and actor.agency.area_id == case.area_id
    )


def may_view_referral(actor: User | None, referral: Any) -> bool:
    """The referring agency and the coordinators of the referral's area."""
    if not _usable(actor) or actor is None or referral is None:
        return False
    if actor.agency_id == referral.referring_agency_id and actor.has_role(*CASE_CONTENT_ROLES):
        return True
    return actor.has_role(Role.COORDINATOR) and actor.agency.area_id == referral.area_id


def may_triage(actor: User | None) -> bool:
    return _usable(actor) and actor is not None and actor.has_role(Role.COORDINATOR)


# --- meetings and actions ---------------------------------------------------------


def may_see_meeting(actor: User | None, meeting: Any) -> bool:
    """Coordinators and chairs of the area; invited agencies once the agenda is released."""
    if not _usable(actor) or actor is None:
        return False
    if actor.has_role(Role.COORDINATOR, Role.CHAIR) and actor.agency.area_id == meeting.area_id:
        return True
    invited = any(i.agency_id == actor.agency_id for i in meeting.invites)
    return invited and meeting.is_released and actor.has_role(*CASE_CONTENT_ROLES)


def may_research(actor: User | None, meeting: Any, case_id: Any) -> bool:
    """Invited agencies add research to the cases of a released, open agenda."""
    if not _usable(actor) or actor is None or not actor.has_role(*CASE_CONTENT_ROLES):
        return False
    return (
        meeting.is_released
        and meeting.status != "closed"
        and any(i.agency_id == actor.agency_id for i in meeting.invites)
        and any(item.case_id == case_id for item in meeting.items)
        and not is_excluded(actor, case_id)
    )


def is_excluded(actor: User, case_id: Any) -> bool:
    """On the case's "must not receive" list, by name or through the agency."""
    from emarac.cases.models import CaseExclusion
    from emarac.extensions import db

    found = db.session.scalar(
        select(CaseExclusion.id)
        .where(CaseExclusion.case_id == case_id, excluded_clause(actor, CaseExclusion))
        .limit(1)
    )
    return found is not None


def excluded_users(case_id: Any, users: list[User]) -> set[Any]:
    """Ids of those ``users`` on the case's "must not receive" list, in one query."""
    from emarac.cases.models import CaseExclusion
    from emarac.extensions import db

    rows = db.session.execute(
        select(CaseExclusion.user_id, CaseExclusion.agency_id).where(
            CaseExclusion.case_id == case_id
        )
    ).all()
    by_user = {user_id for user_id, _ in rows if user_id is not None}
    by_agency = {agency_id for _, agency_id in rows if agency_id is not None}
    return {u.id for u in users if u.id in by_user or u.agency_id in by_agency}


def excluded_clause(actor: User, exclusion: Any) -> ColumnElement[bool]:
    return or_(exclusion.user_id == actor.id, exclusion.agency_id == actor.agency_id)


def may_run_conference(actor: User | None, meeting: Any) -> bool:
    """The chair or a coordinator of the area records discussions, risk and actions."""
    if not _usable(actor) or actor is None:
        return False
    return (
        actor.has_role(Role.CHAIR, Role.COORDINATOR)
        and actor.agency.area_id == meeting.area_id
        and meeting.status in ("agenda_released", "in_session")
    )


def may_manage_exclusions(actor: User | None, case: Any) -> bool:
    """Coordinators of the area and the owning agency keep the "must not receive" list."""
    if not may_view_case(actor, case) or actor is None:
        return False
    if actor.has_role(Role.COORDINATOR) and actor.agency.area_id == case.area_id:
        return True
    return actor.agency_id == case.owning_agency_id


def may_close_case(actor: User | None, case: Any) -> bool:
    return (
        _usable(actor)
        and actor is not None
        and actor.has_role(Role.COORDINATOR)
        and actor.agency.area_id == case.area_id
    )


def may_read_minutes(actor: User | None, minutes: Any) -> bool:
    """Recipients of the distribution, and the area's coordinators and chairs.

    Nobody on the case's "must not receive" list reads them, whatever their role.
    """
    if not _usable(actor) or actor is None or not actor.has_role(*CASE_CONTENT_ROLES):
        return False
    if is_excluded(actor, minutes.case_id):
        return False
    if actor.has_role(Role.COORDINATOR, Role.CHAIR) and (
        actor.agency.area_id == minutes.meeting.area_id
    ):
        return True
    return any(d.user_id == actor.id for d in minutes.distributions)


def may_view_action(actor: User | None, action: Any) -> bool:
    """The owning agency, and the coordinators of the case's area."""
    if not _usable(actor) or actor is None:
        return False
    if actor.agency_id == action.owner_agency_id and actor.has_role(*CASE_CONTENT_ROLES):
        return True
    return actor.has_role(Role.COORDINATOR) and actor.agency.area_id == action.case.area_id


# --- management information -----------------------------------------------------


def may_view_indicators(actor: User | None) -> bool:
    """Managers and coordinators see the depersonalised indicators; nobody else does."""
    return _usable(actor) and actor is not None and actor.has_role(Role.MANAGER, Role.COORDINATOR)


# --- search hints ---------------------------------------------------------------
#
# A search shows in full only the people ``actor`` may see. For anyone else it
# answers "known to MARAC" per case, and only from what the protocol lets a
# searcher confirm: a name or a case reference. Date of birth, phone and
# postcode are never compared against a record the actor cannot see, so a
# hint cannot be used to test whether a detail is right.


def _person_model() -> Any:
    from emarac.people.models import Person

    return Person


def visible_person_filter(actor: User | None) -> ColumnElement[bool]:
    """A WHERE clause limiting a query on ``person`` to people ``actor`` may see."""
    if not may_search_people(actor):
        return false()
    return _person_model().id.in_(visible_person_ids(actor))


def hint_person_filter(actor: User | None) -> ColumnElement[bool]:
    """People ``actor`` may not see, whose cases may still be hinted by name or reference."""
    if not may_search_people(actor):
        return false()
    return _person_model().id.not_in(visible_person_ids(actor))


def hint_case_filter(actor: User | None) -> ColumnElement[bool]:
    """A WHERE clause on ``marac_case`` for cases that may yield a "known to MARAC" hint.

    Cases ``actor`` cannot see, except those whose "must not receive" list holds
    the actor or the actor's agency: for them even the case's existence is withheld.
    """
    if not may_search_people(actor) or actor is None:
        return false()
    from emarac.cases.models import CaseExclusion

    Case = _case_model()
    # NOT IN a subquery rather than NOT (case_filter): the filter compares nullable
    # agency columns, and NOT of an unknown would drop the case instead of keeping it.
    visible = select(Case.id).where(case_filter(actor))
    excluded = select(CaseExclusion.case_id).where(excluded_clause(actor, CaseExclusion))
    return Case.id.not_in(visible) & Case.id.not_in(excluded)


def hint_contact_filter() -> ColumnElement[bool]:
    """Users a hint names as the contact: active coordinators (join ``user_role`` and ``agency``).

    Active means their account and their agency may sign in, and they have set a
    password (an invited coordinator cannot yet answer anyone).
    """
    from emarac.agencies.models import UserRole

    return (
        (UserRole.role == Role.COORDINATOR)
        & User.suspended_at.is_(None)
        & User.password_hash.is_not(None)
        & Agency.isp_signed_on.is_not(None)
        & Agency.suspended_at.is_(None)
    )
