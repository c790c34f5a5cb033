"""The access policy: who may do what to which record. Deny by default.

Views never decide access; they ask this module. Anything it does not
explicitly allow is refused. Routes that show a record the user may not see
answer 404 rather than 403 so that record ids cannot be probed.
"""

from __future__ import annotations

from sqlalchemy import Select, false

from emarac.agencies.models import Agency, Role, User


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
