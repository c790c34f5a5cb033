"""Agencies, their protocol status, and their users' accounts."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from flask import url_for
from sqlalchemy import delete, func, select
from sqlalchemy.orm import selectinload

from emarac import passwords
from emarac.agencies.models import (
    Agency,
    AgencyKind,
    Area,
    RecoveryCode,
    Role,
    SetPasswordToken,
    User,
)
from emarac.auditing import record_event
from emarac.clock import as_utc, utcnow
from emarac.extensions import db
from emarac.hooks import Hook
from emarac.mail import send_mail
from emarac.protocol import policy
from emarac.protocol.policy import NotAllowed

INVITATION_LIFETIME = timedelta(days=3)


class Invalid(ValueError):
    """Input that breaks a rule; ``field`` names the form field to show it against."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", errors="replace")).hexdigest()


def _area_named(name: str) -> Area | None:
    """The area of this name, ignoring case. Names are kept with single spaces, so
    "Northshire  marac" finds "Northshire MARAC": a slip of the keyboard cannot split
    one partnership in two."""
    return db.session.scalar(select(Area).where(func.lower(Area.name) == name.lower()))


def _add_area(name: str, population: int | None, *, is_demo: bool) -> Area:
    area = Area(name=name, adult_female_population=population, is_demo=is_demo)
    db.session.add(area)
    db.session.flush()
    record_event(
        "area.create",
        object_type="area",
        object_id=area.id,
        fields=("name", "adult_female_population") if population else ("name",),
    )
    return area


def get_or_create_area(name: str, *, is_demo: bool = False) -> Area:
    """For set-up from the command line and the demo: the area of this name, made if new.

    On the web an area is only ever made on its own page (:func:`create_area`)
    and agencies choose theirs from a list.
    """
    name = " ".join(name.split())
    return _area_named(name) or _add_area(name, None, is_demo=is_demo)


def create_area(*, name: str, population: int | None, by: User) -> Area:
    """A new MARAC area, made explicitly by a system administrator; commits."""
    if not policy.may_manage_agencies(by):
        raise NotAllowed("area")
    name = " ".join(name.split())
    if _area_named(name) is not None:
        raise Invalid("name", "An area with this name already exists")
    area = _add_area(name, population, is_demo=False)
    db.session.commit()
    return area


def all_areas(*, by: User) -> list[Area]:
    """Every area by name, with its agencies loaded (the areas page counts them)."""
    if not policy.may_manage_agencies(by):
        raise NotAllowed("area")
    query = select(Area).options(selectinload(Area.agencies)).order_by(Area.name)
    return list(db.session.scalars(query))


def create_agency(
    *,
    name: str,
    kind: AgencyKind,
    area_id: uuid.UUID | None,
    signed_on: date | None = None,
    is_demo: bool = False,
    by: User | None = None,
) -> Agency:
    if by is not None and not policy.may_manage_agencies(by):
        raise NotAllowed
    if db.session.scalar(select(Agency).where(func.lower(Agency.name) == name.lower())):
        raise Invalid("name", "An agency with this name already exists")
    area = db.session.get(Area, area_id) if area_id is not None else None
    if area is None:
        raise Invalid("area", "Choose the MARAC area")
    agency = Agency(name=name, kind=kind, area=area, isp_signed_on=signed_on, is_demo=is_demo)
    db.session.add(agency)
    db.session.flush()
    record_event(
        "agency.create",
        object_type="agency",
        object_id=agency.id,
        fields=("name", "kind", "area_id", "isp_signed_on"),
    )
    db.session.commit()
    return agency


def set_protocol_status(
    agency: Agency, *, signed_on: date | None, suspended: bool, by: User
) -> None:
    """Sign, unsign or suspend; suspension ends every session of the agency's users."""
    if not policy.may_manage_agencies(by):
        raise NotAllowed
    changed: list[str] = []
    if agency.isp_signed_on != signed_on:
        agency.isp_signed_on = signed_on
        changed.append("isp_signed_on")
    if suspended and agency.suspended_at is None:
        agency.suspended_at = utcnow()
        changed.append("suspended_at")
        for user in agency.users:
            user.session_version += 1
    elif not suspended and agency.suspended_at is not None:
        agency.suspended_at = None
        changed.append("suspended_at")
    if changed:
        record_event("agency.update", object_type="agency", object_id=agency.id, fields=changed)
    db.session.commit()


def all_agencies(*, by: User) -> list[Agency]:
    if not policy.may_manage_agencies(by):
        raise NotAllowed("agency")
    return list(db.session.scalars(select(Agency).order_by(Agency.name)))


def users_of(agency: Agency, *, by: User) -> list[User]:
    """The agency's accounts that ``by`` may manage, by name."""
    query = select(User).where(User.agency_id == agency.id).order_by(User.full_name)
    return list(db.session.scalars(policy.manageable_users(by, query)))


def set_area_population(area: Area, population: int | None, *, by: User) -> None:
    """The women aged 16+ of an area, for the cases-per-10,000 indicator; commits."""
    if not policy.may_manage_agencies(by):
        raise NotAllowed("area", area.id)
    area.adult_female_population = population
    record_event(
        "area.update", object_type="area", object_id=area.id, fields=("adult_female_population",)
    )
    db.session.commit()


def normalise_email(email: str) -> str:
    return email.strip().lower()


def create_user(
    *,
    email: str,
    full_name: str,
    agency: Agency,
    roles: set[Role],
    password: str | None = None,
    is_demo: bool = False,
    by: User | None = None,
    reason: str | None = None,
) -> User:
    """Create an account. ``by`` is None only for operator commands on the server."""
    if by is not None and not policy.may_manage_users_of(by, agency):
        raise NotAllowed("agency", agency.id)
    _check_role_change(by, agency, before=frozenset(), after=frozenset(roles), reason=reason)
    email = normalise_email(email)
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise Invalid("email", "An account with this email address already exists")
    if password is not None:
        problems = passwords.password_problems(password, email=email)
        if problems:
            raise Invalid("password", problems[0])
    user = User(
        email=email,
        full_name=full_name,
        agency=agency,
        password_hash=passwords.hash_password(password) if password else None,
        is_demo=is_demo,
    )
    user.set_roles(roles)
    db.session.add(user)
    db.session.flush()
    record_event(
        "user.create",
        object_type="user",
        object_id=user.id,
        fields=("email", "full_name", "agency_id", "roles"),
    )
    _record_role_changes(user, granted=set(roles), removed=set(), by=by, reason=reason)
    return user


def _check_role_change(
    by: User | None,
    agency: Agency,
    *,
    before: frozenset[Role],
    after: frozenset[Role],
    reason: str | None,
    target: User | None = None,
) -> None:
    """Refuse, with a message for the roles field, what the actor may not grant or remove.

    ``by`` is None for operator commands on the server, which are bound only by
    separation of duties.
    """
    if not after:
        raise Invalid("roles", "Select at least one role")
    if policy.roles_conflict(after):
        raise Invalid(
            "roles",
            "A system administrator cannot also hold a role that opens case content: "
            "use a second account",
        )
    if by is None:
        return
    changed = before ^ after
    if target is not None and changed and not policy.may_change_roles_of(by, target):
        raise Invalid("roles", "You cannot change your own roles: ask another administrator")
    refused = sorted(r for r in changed if not policy.may_grant_role(by, r, agency=agency))
    if refused:
        labels = ", ".join(r.label for r in refused)
        raise Invalid(
            "roles",
            f"You cannot give or remove these roles: {labels}. "
            "Only a system administrator can, with a reason",
        )
    if any(policy.role_needs_reason(r) for r in changed) and not (reason or "").strip():
        raise Invalid("reason", "Enter the reason for giving or removing this role")


@dataclass(frozen=True)
class RoleChange:
    """One role given or removed, as the ledger and the notice word it."""

    user: User
    action: str
    text: str
    by: User | None


role_changes: Hook[Callable[[RoleChange], None]] = Hook("agencies.role_changes")
"""Each hears of every role given or removed (notifications tell the people who must know)."""


def _record_role_changes(
    user: User, *, granted: set[Role], removed: set[Role], by: User | None, reason: str | None
) -> None:
    """One ledger event per role given or taken; the area's coordinators and the
    other system administrators are told (through ``role_changes``), so no grant goes unseen."""
    for action, roles, verb in (
        ("user.role_grant", granted, "given"),
        ("user.role_remove", removed, "removed"),
    ):
        for role in sorted(roles):
            why = (reason or "").strip()
            record_event(
                action,
                object_type="user",
                object_id=user.id,
                fields=("roles",),
                purpose=f"{role.value}: {why}" if why else role.value,
            )
            text = f"Role {verb}: {role.label}, {user.full_name} ({user.agency.name})"
            change = RoleChange(user=user, action=action, text=text, by=by)
            for tell in role_changes.items():
                tell(change)


def invite_user(
    *,
    email: str,
    full_name: str,
    agency: Agency,
    roles: set[Role],
    by: User,
    reason: str | None = None,
) -> User:
    """Create the account without a password and email the user a link to set one.

    The link goes only to the user's own address: whoever creates the account
    never sees it, so they cannot set the password themselves.
    """
    user = create_user(
        email=email, full_name=full_name, agency=agency, roles=roles, by=by, reason=reason
    )
    token = _issue_token(user, by=by)
    db.session.commit()
    send_mail(
        user.email,
        "Your eMARAC account",
        f"Hello {user.full_name},\n\n"
        f"An eMARAC account has been created for you at {user.agency.name}. "
        f"Set your password with this link. It works once and expires in "
        f"{INVITATION_LIFETIME.days} days:\n\n{_set_password_url(token)}\n\n"
        "When you first sign in you will set up an authenticator app.\n\n"
        "If you did not expect this email, tell your agency administrator.\n",
    )
    return user


def _issue_token(user: User, *, by: User | None) -> str:
    token = secrets.token_urlsafe(32)
    db.session.add(
        SetPasswordToken(
            user_id=user.id,
            token_hash=_token_hash(token),
            expires_at=utcnow() + INVITATION_LIFETIME,
            created_by_id=by.id if by is not None else None,
        )
    )
    record_event("user.password_link_issued", object_type="user", object_id=user.id)
    return token


def _set_password_url(token: str) -> str:
    return url_for("auth.set_password", token=token, _external=True)


def reset_password(user: User, *, by: User) -> None:
    """End the password and email the user a link to set a new one.

    The authenticator stays: after setting the password the user signs in with
    their own second factor, so an administrator who could somehow use the link
    would still not hold the account. Replacing the authenticator is a separate,
    narrower action (:func:`replace_authenticator`).
    """
    if not policy.may_manage_user(by, user):
        raise NotAllowed("user", user.id)
    user.password_hash = None
    user.session_version += 1
    token = _issue_token(user, by=by)
    record_event("user.reset", object_type="user", object_id=user.id, fields=("password_hash",))
    db.session.commit()
    send_mail(
        user.email,
        "Set a new eMARAC password",
        f"Hello {user.full_name},\n\n"
        "Your eMARAC password has been reset by an administrator. Your old password "
        "no longer works and you have been signed out.\n\n"
        f"Set a new password with this link. It works once and expires in "
        f"{INVITATION_LIFETIME.days} days:\n\n{_set_password_url(token)}\n\n"
        "Then sign in with your new password and the same authenticator app as before.\n\n"
        "If you did not ask for this, tell your agency administrator.\n",
    )


def replace_authenticator(user: User, *, by: User) -> None:
    """Forget the user's authenticator; they set up a new one at their next sign-in.

    The password stays, so only the user can reach the enrolment page.
    """
    if not policy.may_replace_authenticator(by, user):
        raise NotAllowed("user", user.id)
    user.totp_secret = None
    user.totp_confirmed_at = None
    user.session_version += 1
    # Recovery codes belong to the enrolment they came with; a new one issues new codes.
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    record_event(
        "user.authenticator_reset",
        object_type="user",
        object_id=user.id,
        fields=("totp_secret", "totp_confirmed_at", "recovery_codes"),
    )
    db.session.commit()
    send_mail(
        user.email,
        "Your eMARAC authenticator was reset",
        f"Hello {user.full_name},\n\n"
        "A system administrator has reset the authenticator app for your eMARAC account, "
        "and you have been signed out. Your password has not changed.\n\n"
        "The next time you sign in you will set up a new authenticator app and get "
        "new recovery codes.\n\n"
        "If you did not ask for this, tell your agency administrator at once.\n",
    )


def _live_token(token: str) -> SetPasswordToken | None:
    row = db.session.scalar(
        select(SetPasswordToken).where(SetPasswordToken.token_hash == _token_hash(token))
    )
    if row is None or row.used_at is not None or as_utc(row.expires_at) < utcnow():
        return None
    return row


def user_for_password_token(token: str) -> User | None:
    row = _live_token(token)
    return row.user if row is not None else None


def set_password_with_token(token: str, password: str) -> list[str]:
    """Set the password from an invitation link; returns problems, empty on success."""
    row = _live_token(token)
    if row is None:
        return ["This link has expired or has already been used"]
    problems = passwords.password_problems(password, email=row.user.email)
    if problems:
        return problems
    row.used_at = utcnow()
    row.user.password_hash = passwords.hash_password(password)
    row.user.failed_login_count = 0
    record_event(
        "user.password_set",
        object_type="user",
        object_id=row.user_id,
        user_id=row.user_id,
        agency_id=row.user.agency_id,
        fields=("password_hash",),
    )
    db.session.commit()
    return []


def set_suspended(user: User, *, suspended: bool, by: User) -> None:
    if not policy.may_manage_user(by, user) or user.id == by.id:
        raise NotAllowed
    if suspended and user.suspended_at is None:
        user.suspended_at = utcnow()
        user.session_version += 1
    elif not suspended:
        user.suspended_at = None
    record_event("user.update", object_type="user", object_id=user.id, fields=("suspended_at",))
    db.session.commit()


@dataclass(frozen=True)
class RoleChoice:
    """A user's roles as one administrator sees them on the roles form."""

    offered: frozenset[Role]  # the roles this administrator may grant here
    ticked: frozenset[Role]  # held roles among those offered
    held_elsewhere: frozenset[Role]  # held roles this administrator does not manage: kept as held


def role_choice(user: User, *, by: User) -> RoleChoice:
    offered = policy.grantable_roles(by, user.agency)
    held = user.roles
    return RoleChoice(offered=offered, ticked=held & offered, held_elsewhere=held - offered)


def update_roles(user: User, *, roles: set[Role], by: User, reason: str | None = None) -> None:
    if not policy.may_manage_user(by, user):
        raise NotAllowed("user", user.id)
    before = frozenset(user.roles)
    _check_role_change(
        by, user.agency, before=before, after=frozenset(roles), reason=reason, target=user
    )
    if before == roles:
        return
    user.set_roles(roles)
    user.session_version += 1
    record_event("user.update", object_type="user", object_id=user.id, fields=("roles",))
    _record_role_changes(
        user, granted=set(roles) - before, removed=set(before - roles), by=by, reason=reason
    )
    db.session.commit()
