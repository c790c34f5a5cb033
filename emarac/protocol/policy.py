"""The access policy: who may do what to which record. Deny by default.

Views never decide access; they ask this module. Anything it does not
explicitly allow is refused. Routes that show a record the user may not see
answer 404 rather than 403 so that record ids cannot be probed.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, false, func, or_, select, true, union, union_all

from emarac.actions.models import Action
from emarac.agencies.models import Agency, AgencyKind, Role, User, UserRole
from emarac.auditing import all_events
from emarac.cases.models import (
    Case,
    CaseChild,
    CaseExclusion,
    CasePerpetrator,
    CaseStatus,
    EmergencyAccess,
)
from emarac.clock import today, utcnow
from emarac.disclosures.models import Disclosure
from emarac.extensions import db
from emarac.idva.models import IdvaCase
from emarac.meetings.models import (
    AgendaItem,
    Meeting,
    MeetingInvite,
    MeetingStatus,
    Minutes,
    MinutesDistribution,
)
from emarac.referrals.models import RepeatReview, ReportedIncident
from emarac.risk.models import AreaRiskSettings


class NotAllowed(Exception):
    """The one denial: the actor may not do this, or the record does not exist.

    Services raise it; the app answers 404 (so ids cannot be probed) and
    records an ``access.denied`` event naming the object, never its content.
    Views never catch it.
    """

    def __init__(
        self,
        object_type: str | None = None,
        object_id: Any = None,
        *,
        purpose: str | None = None,
        message: str | None = None,
    ) -> None:
        super().__init__(object_type or "access")
        self.object_type = object_type
        self.object_id = object_id
        self.purpose = purpose
        # Shown on the refusal page instead of "Page not found", only when the
        # actor may see the record anyway ("You can join this meeting on ...");
        # never personal data.
        self.message = message


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


# --- roles ----------------------------------------------------------------------
#
# Roles come in scopes (DOMAIN.md, "The information-sharing protocol"):
#   - agency roles work inside one agency and are granted by that agency's
#     administrators (or a system administrator);
#   - area roles open a whole area's cases (coordinator, chair) or its figures
#     (manager), and system administration runs the platform: only a system
#     administrator grants or removes them, with a written reason.
# Nobody changes their own roles, and an account that administers the system
# never also holds a role that opens case content (separation of duties).

AGENCY_ROLES = frozenset({Role.PRACTITIONER, Role.IDVA, Role.AGENCY_ADMIN})
AREA_ROLES = frozenset({Role.COORDINATOR, Role.CHAIR, Role.MANAGER, Role.DPO})
CASE_CONTENT_ROLES = (Role.PRACTITIONER, Role.IDVA, Role.COORDINATOR, Role.CHAIR)


def grantable_roles(actor: User | None, agency: Agency) -> frozenset[Role]:
    """The roles ``actor`` may give to (or take from) a user of ``agency``."""
    if not _usable(actor) or actor is None:
        return frozenset()
    if actor.has_role(Role.SYSTEM_ADMIN):
        return frozenset(Role)
    if actor.has_role(Role.AGENCY_ADMIN) and actor.agency_id == agency.id:
        return AGENCY_ROLES
    return frozenset()


def may_grant_role(actor: User | None, role: Role, *, agency: Agency) -> bool:
    return role in grantable_roles(actor, agency)


def may_change_roles_of(actor: User | None, target: User) -> bool:
    """Managing a colleague's roles, never one's own."""
    return may_manage_user(actor, target) and actor is not None and actor.id != target.id


def role_needs_reason(role: Role) -> bool:
    """Area and system roles are granted with a written reason."""
    return role not in AGENCY_ROLES


def roles_conflict(roles: frozenset[Role] | set[Role]) -> bool:
    """System administration with a role that opens case content: use two accounts."""
    return Role.SYSTEM_ADMIN in roles and any(r in roles for r in CASE_CONTENT_ROLES)


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
#   - while it is open: the owning and referring agencies, the IDVA service it
#     is referred to, the coordinators and chairs of its area, and agencies
#     invited to a meeting past planning whose agenda holds it (unless on the
#     case's must-not-receive list);
#   - once it is closed: only the owning agency and the area's coordinators,
#     read only;
#   - a user with live emergency (break-glass) access, read only.
# Managers and system administrators see no case content at all; anyone else
# who searches a known person learns only "known to MARAC".


def _open_case_grants(actor: User) -> list[ColumnElement[bool]]:
    grants: list[ColumnElement[bool]] = [
        Case.referring_agency_id == actor.agency_id,
        Case.idva_agency_id == actor.agency_id,
        _on_invited_agenda(actor),
    ]
    if actor.has_role(Role.CHAIR):
        grants.append(Case.area_id == actor.agency.area_id)
    return grants


def _on_invited_agenda(actor: User) -> ColumnElement[bool]:
    """Cases on the agenda of a meeting past planning that the actor's agency is invited to.

    Access follows the case, not the meeting: closing the meeting locks its
    research, but agencies keep working the case until the case itself closes.
    """
    on_agenda = (
        select(AgendaItem.case_id)
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .join(MeetingInvite, MeetingInvite.meeting_id == Meeting.id)
        .where(
            MeetingInvite.agency_id == actor.agency_id,
            Meeting.status != MeetingStatus.PLANNED,
        )
    )
    excluded = select(CaseExclusion.case_id).where(excluded_clause(actor, CaseExclusion))
    return Case.id.in_(on_agenda) & Case.id.not_in(excluded)


def _standing_grants(actor: User) -> list[ColumnElement[bool]]:
    """What survives closure: the owning agency and the area's coordinators."""
    grants: list[ColumnElement[bool]] = [Case.owning_agency_id == actor.agency_id]
    if actor.has_role(Role.COORDINATOR):
        grants.append(Case.area_id == actor.agency.area_id)
    return grants


def emergency_access_clause(actor: User) -> ColumnElement[bool]:
    """Cases the actor holds live break-glass access to."""
    live = select(EmergencyAccess.case_id).where(
        EmergencyAccess.user_id == actor.id,
        EmergencyAccess.ended_at.is_(None),
        EmergencyAccess.expires_at > utcnow(),
    )
    return Case.id.in_(live)


def case_filter(actor: User | None, *, emergency: bool = True) -> ColumnElement[bool]:
    """A WHERE clause limiting a query on ``marac_case`` to cases ``actor`` may see.

    ``emergency=False`` leaves out break-glass access, for decisions that need
    a standing part in the case (recording on it, for instance).
    """
    if not _usable(actor) or actor is None or not actor.has_role(*CASE_CONTENT_ROLES):
        return false()
    clauses = [
        *_standing_grants(actor),
        (Case.status != CaseStatus.CLOSED) & or_(*_open_case_grants(actor)),
    ]
    if emergency:
        clauses.append(emergency_access_clause(actor))
    return or_(*clauses)


def may_view_case(actor: User | None, case: Any) -> bool:
    if case is None or actor is None:
        return False
    found = db.session.scalar(select(Case.id).where(Case.id == case.id, case_filter(actor)))
    return found is not None


def _has_standing(actor: User, case: Any) -> bool:
    found = db.session.scalar(
        select(Case.id).where(Case.id == case.id, case_filter(actor, emergency=False))
    )
    return found is not None


def may_refer_case(actor: User | None, case: Any) -> bool:
    """Anyone with a standing part in a case may refer it (after closure that is the
    owning agency and the coordinators, for a repeat); break-glass never may."""
    if actor is None or case is None or not _usable(actor):
        return False
    return actor.agency.may_hold_accounts and _has_standing(actor, case)


def may_edit_case(actor: User | None, case: Any) -> bool:
    """Owner and referrer agencies, the IDVA and area coordinators change an open case.

    A closed case is read only, and break-glass access never allows changes.
    """
    if not may_view_case(actor, case) or actor is None or case.status == CaseStatus.CLOSED:
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


def works_cases_in_agency(actor: User | None) -> bool:
    """Practitioners and IDVAs: the people who open and work their agency's cases."""
    return _usable(actor) and actor is not None and actor.has_role(*EMERGENCY_ACCESS_ROLES)


def may_create_case(actor: User | None) -> bool:
    return (
        _usable(actor)
        and actor is not None
        and actor.has_role(Role.PRACTITIONER, Role.IDVA, Role.COORDINATOR)
    )


def may_search_people(actor: User | None) -> bool:
    """Searching is for people who work cases; managers and admins never search names."""
    return _usable(actor) and actor is not None and actor.has_role(*CASE_CONTENT_ROLES)


def may_view_person(actor: User | None, person: Any) -> bool:
    """Anyone who may see a case the person is linked to (victim, perpetrator or child)."""
    if person is None or not _usable(actor):
        return False
    return _sees_person(actor, person, emergency=True)


def may_merge_people(actor: User | None) -> bool:
    return _usable(actor) and actor is not None and actor.has_role(Role.COORDINATOR)


def visible_person_ids(actor: User | None, *, emergency: bool = True) -> Select[tuple[Any]]:
    """Ids of every person linked to a case ``actor`` may see (victim, perpetrator, child)."""
    visible = select(Case.id).where(case_filter(actor, emergency=emergency))
    return union(
        select(Case.victim_id.label("person_id")).where(Case.id.in_(visible)),
        select(CasePerpetrator.person_id).where(CasePerpetrator.case_id.in_(visible)),
        select(CaseChild.person_id).where(CaseChild.case_id.in_(visible)),
    )  # type: ignore[return-value]


def visible_among(
    actor: User | None, person_ids: Collection[Any], *, emergency: bool = True
) -> set[Any]:
    """Which of these people (a few ids) ``actor`` may see: those linked to a visible case.

    Two short steps, each by index: the cases the people are linked to (victim,
    perpetrator, child), then the access rule on those cases alone. Asked as one
    statement (``visible_person_ids``), the database works out every case the
    actor may see first, which at a hundred thousand cases took most of a search.
    """
    if not person_ids or not _usable(actor):
        return set()
    links = db.session.execute(
        union_all(
            select(Case.victim_id, Case.id).where(Case.victim_id.in_(person_ids)),
            select(CasePerpetrator.person_id, CasePerpetrator.case_id).where(
                CasePerpetrator.person_id.in_(person_ids)
            ),
            select(CaseChild.person_id, CaseChild.case_id).where(
                CaseChild.person_id.in_(person_ids)
            ),
        )
    ).all()
    if not links:
        return set()
    visible = set(
        db.session.scalars(
            select(Case.id).where(
                Case.id.in_({case_id for _, case_id in links}),
                case_filter(actor, emergency=emergency),
            )
        )
    )
    return {person_id for person_id, case_id in links if case_id in visible}


def _sees_person(actor: User | None, person: Any, *, emergency: bool) -> bool:
    return person.id in visible_among(actor, [person.id], emergency=emergency)


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

    ids = db.session.scalars(select(Agency.id).where(Agency.area_id == actor.agency.area_id))
    return [str(i) for i in ids]


def may_record_incident(actor: User | None, person: Any) -> bool:
    """Any agency user may record an incident for a person known to them (on a visible case)."""
    if not _usable(actor) or actor is None or not actor.has_role(*CASE_CONTENT_ROLES):
        return False

    return _sees_person(actor, person, emergency=False)


def may_view_incident(actor: User | None, incident: Any) -> bool:
    """Whoever may see a case of the incident's victim reads the incident in full."""
    if incident is None or actor is None or not _usable(actor):
        return False
    found = db.session.scalar(
        select(Case.id).where(Case.victim_id == incident.victim_id, case_filter(actor)).limit(1)
    )
    return found is not None


def may_correct_incident(actor: User | None, incident: Any) -> bool:
    """The recording agency corrects its own incident: its case workers (not chairs) with a
    standing part in a case of the victim. Break-glass access is read only."""
    if incident is None or actor is None or not _usable(actor):
        return False
    if not actor.has_role(Role.PRACTITIONER, Role.IDVA, Role.COORDINATOR):
        return False
    if actor.agency_id != incident.reporting_agency_id:
        return False
    found = db.session.scalar(
        select(Case.id)
        .where(Case.victim_id == incident.victim_id, case_filter(actor, emergency=False))
        .limit(1)
    )
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
    """The referring agency, the coordinators of the referral's area, and whoever may see
    its case: the referral is part of the case record they read back."""
    if not _usable(actor) or actor is None or referral is None:
        return False
    if not actor.has_role(*CASE_CONTENT_ROLES):
        return False
    if actor.agency_id == referral.referring_agency_id:
        return True
    if actor.has_role(Role.COORDINATOR) and actor.agency.area_id == referral.area_id:
        return True
    return may_view_case(actor, referral.case)


def may_triage(actor: User | None) -> bool:
    return _usable(actor) and actor is not None and actor.has_role(Role.COORDINATOR)


def does_casework(actor: User | None) -> bool:
    """Practitioners and IDVAs: their home page lists their agency's cases, referrals and work."""
    return _usable(actor) and actor is not None and actor.has_role(Role.PRACTITIONER, Role.IDVA)


def sees_headlines(actor: User | None) -> bool:
    """Managers: their home page leads with the indicators' headline figures."""
    return may_view_indicators(actor) and actor is not None and actor.has_role(Role.MANAGER)


def chairs_meetings(actor: User | None) -> bool:
    """Chairs: their home page shows their area's next meeting."""
    return _usable(actor) and actor is not None and actor.has_role(Role.CHAIR)


def may_decide_repeat(actor: User | None, review: Any) -> bool:
    """A repeat to confirm is decided by a coordinator of the case's area (``review.area_id``)."""
    return review is not None and coordinates_area(actor, review.area_id)


def repeat_review_filter(actor: User | None) -> ColumnElement[bool]:
    """Repeats ``actor`` may see in the triage queue: their area's, as a coordinator."""
    if not _usable(actor) or actor is None or not actor.has_role(Role.COORDINATOR):
        return false()
    return RepeatReview.area_id == actor.agency.area_id


# --- meetings and actions ---------------------------------------------------------


def may_see_meeting(actor: User | None, meeting: Any) -> bool:
    """Coordinators and chairs of the area; invited agencies once the agenda is released."""
    if not _usable(actor) or actor is None:
        return False
    if actor.has_role(Role.COORDINATOR, Role.CHAIR) and actor.agency.area_id == meeting.area_id:
        return True
    invited = any(i.agency_id == actor.agency_id for i in meeting.invites)
    return invited and meeting.is_released and actor.has_role(*CASE_CONTENT_ROLES)


def join_opens_on(meeting: Any) -> date:
    """The first day a meeting's people may join it: its day, less the area's setting.

    The setting is the one in force today (``risk.area_settings`` keeps it as
    dated rows; the policy reads the model, not that service).
    """
    days = db.session.scalar(
        select(AreaRiskSettings.join_days_before)
        .where(
            AreaRiskSettings.area_id == meeting.area_id,
            AreaRiskSettings.applies_from <= today(),
        )
        .order_by(AreaRiskSettings.applies_from.desc(), AreaRiskSettings.created_at.desc())
        .limit(1)
    )
    return meeting.held_on - timedelta(days=days or 0)


def may_join_meeting(actor: User | None, meeting: Any) -> bool:
    """Those who see a released meeting join it from its day on (or the area's days before)."""
    return (
        may_see_meeting(actor, meeting)
        and meeting.is_released
        and today() >= join_opens_on(meeting)
    )


def may_see_register(actor: User | None, meeting: Any) -> bool:
    """The area's coordinators and chairs see who joined and who sent apologies, by name."""
    if not _usable(actor) or actor is None:
        return False
    return actor.has_role(Role.COORDINATOR, Role.CHAIR) and actor.agency.area_id == meeting.area_id


def may_keep_register(actor: User | None, meeting: Any) -> bool:
    """They record and remove apologies until the minutes are produced."""
    return may_see_register(actor, meeting) and meeting.status in (
        MeetingStatus.PLANNED,
        MeetingStatus.AGENDA_RELEASED,
        MeetingStatus.IN_SESSION,
    )


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


def may_read_outcome_reason(actor: User | None, case: Any) -> bool:
    """Why a case was deferred or withdrawn is case content: for those who may see the
    case and are not on its "must not receive" list."""
    if actor is None or not may_view_case(actor, case):
        return False
    return not is_excluded(actor, case.id)


def does_research(actor: User | None) -> bool:
    """Users who work cases have a list of the research due from their agency."""
    return _usable(actor) and actor is not None and actor.has_role(*CASE_CONTENT_ROLES)


def may_chase_research(actor: User | None, meeting: Any) -> bool:
    """The area's coordinators remind agencies of research while the meeting is still to come."""
    return (
        meeting is not None
        and coordinates_area(actor, meeting.area_id)
        and meeting.status in (MeetingStatus.AGENDA_RELEASED, MeetingStatus.IN_SESSION)
    )


def readable_case_ids(actor: User | None, case_ids: Any) -> set[Any]:
    """Which of these cases ``actor`` may see in full, in one query (the agenda's pack).

    The same rule as :func:`may_view_case`, for many cases at once; break-glass
    access is left out: it opens one case, not the agenda's view of it.
    """
    ids = list(case_ids)
    if actor is None or not ids:
        return set()
    return set(
        db.session.scalars(
            select(Case.id).where(Case.id.in_(ids), case_filter(actor, emergency=False))
        )
    )


def is_excluded(actor: User, case_id: Any) -> bool:
    """On the case's "must not receive" list, by name or through the agency."""

    found = db.session.scalar(
        select(CaseExclusion.id)
        .where(CaseExclusion.case_id == case_id, excluded_clause(actor, CaseExclusion))
        .limit(1)
    )
    return found is not None


def excluded_users(case_id: Any, users: list[User]) -> set[Any]:
    """Ids of those ``users`` on the case's "must not receive" list, in one query."""

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


def may_draft_minutes(actor: User | None, meeting: Any) -> bool:
    """A coordinator of the area drafts the minutes of a meeting in session."""
    return coordinates_area(actor, meeting.area_id) and meeting.status == "in_session"


def may_edit_draft_minutes(actor: User | None, minutes: Any) -> bool:
    """A coordinator of the area edits a case's draft until the chair approves it.

    Not someone on the case's must-not-receive list, who may not read it either.
    """
    return (
        actor is not None
        and coordinates_area(actor, minutes.meeting.area_id)
        and minutes.meeting.status == "minutes_drafted"
        and not is_excluded(actor, minutes.case_id)
    )


def may_approve_minutes(actor: User | None, meeting: Any) -> bool:
    """A chair of the area approves the draft minutes, or returns them with a comment."""
    if not _usable(actor) or actor is None:
        return False
    return (
        actor.has_role(Role.CHAIR)
        and actor.agency.area_id == meeting.area_id
        and meeting.status == "minutes_drafted"
    )


def may_send_minutes(actor: User | None, meeting: Any) -> bool:
    """A coordinator of the area sends the minutes once the chair has approved them."""
    return coordinates_area(actor, meeting.area_id) and meeting.status == "minutes_approved"


def may_correct_minutes(actor: User | None, minutes: Any) -> bool:
    """A coordinator of the area corrects minutes already sent (a new version, sent again)."""
    return (
        actor is not None
        and coordinates_area(actor, minutes.meeting.area_id)
        and minutes.distributed_at is not None
        and minutes.meeting.status in ("minuted", "closed")
        and not is_excluded(actor, minutes.case_id)
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


def coordinates_area(actor: User | None, area_id: Any) -> bool:
    """A coordinator of this area: triage, meetings, actions, closure, reviews."""
    return (
        _usable(actor)
        and actor is not None
        and actor.has_role(Role.COORDINATOR)
        and actor.agency.area_id == area_id
    )


def may_set_area_rules(actor: User | None, area_id: Any) -> bool:
    """The referral thresholds of an area: a system administrator or that area's coordinator."""
    return may_manage_agencies(actor) or coordinates_area(actor, area_id)


def may_review_reported(actor: User | None, item: Any) -> bool:
    """A further incident reported from a hint is reviewed by the case's area coordinators."""
    return item is not None and coordinates_area(actor, item.area_id)


def reported_incident_filter(actor: User | None) -> ColumnElement[bool]:
    """A WHERE clause on ``reported_incident``: the items of the actor's area, for coordinators."""
    if not may_triage(actor) or actor is None:
        return false()
    return ReportedIncident.area_id == actor.agency.area_id


def may_create_meeting(actor: User | None) -> bool:
    return actor is not None and coordinates_area(actor, getattr(actor.agency, "area_id", None))


def may_edit_meeting(actor: User | None, meeting: Any) -> bool:
    """The area's coordinators change a meeting's details and invitees until it is in session."""
    return (
        meeting is not None
        and coordinates_area(actor, meeting.area_id)
        and meeting.status in (MeetingStatus.PLANNED, MeetingStatus.AGENDA_RELEASED)
    )


def may_release_agenda(actor: User | None, meeting: Any) -> bool:
    """The area's coordinators release a planned meeting's agenda, once."""
    return (
        meeting is not None
        and coordinates_area(actor, meeting.area_id)
        and meeting.status == MeetingStatus.PLANNED
    )


def may_agree_action(actor: User | None, case: Any) -> bool:
    """The chair or a coordinator of the case's area records an agreed action."""
    return (
        _usable(actor)
        and actor is not None
        and actor.has_role(Role.CHAIR, Role.COORDINATOR)
        and actor.agency.area_id == case.area_id
    )


def may_chase_action(actor: User | None, action: Any) -> bool:
    return coordinates_area(actor, action.case.area_id)


def tracks_area_actions(actor: User | None) -> bool:
    """Coordinators follow every action of their area; others their agency's own."""
    return _usable(actor) and actor is not None and actor.has_role(Role.COORDINATOR)


def action_filter(actor: User | None) -> ColumnElement[bool]:
    """A WHERE clause on ``action`` (joined to its case) for the action tracker."""
    if not _usable(actor) or actor is None:
        return false()
    if tracks_area_actions(actor):
        return Case.area_id == actor.agency.area_id
    if not actor.has_role(*CASE_CONTENT_ROLES):
        return false()
    return Action.owner_agency_id == actor.agency_id


def action_text_filter(actor: User | None) -> ColumnElement[bool]:
    """Actions (joined to their case) whose words ``actor`` may read.

    The words of an action are case content. Of the actions ``action_filter``
    lists, they are withheld from anyone on the case's "must not receive" list,
    and once the case is closed from all but its owning agency and the area's
    coordinators (who keep the case itself then). The row, its status and its
    due date stay: the owning agency still answers for them.
    """
    if not _usable(actor) or actor is None:
        return false()
    excluded = select(CaseExclusion.case_id).where(excluded_clause(actor, CaseExclusion))
    return (
        action_filter(actor)
        & Action.case_id.not_in(excluded)
        & or_(Case.status != CaseStatus.CLOSED, *_standing_grants(actor))
    )


def may_read_action(actor: User | None, action: Any) -> bool:
    """The words of one action, by :func:`action_text_filter`."""
    if actor is None or action is None:
        return False
    found = db.session.scalar(
        select(Action.id)
        .join(Case, Case.id == Action.case_id)
        .where(Action.id == action.id, action_text_filter(actor))
    )
    return found is not None


def may_update_action(actor: User | None, action: Any) -> bool:
    """Only the owning agency's case workers mark an action done or cannot be done."""
    return (
        _usable(actor)
        and actor is not None
        and actor.has_role(*CASE_CONTENT_ROLES)
        and actor.agency_id == action.owner_agency_id
    )


def may_export_agency_actions(actor: User | None) -> bool:
    """Case workers take their own agency's open actions away as CSV (and no one else's)."""
    return _usable(actor) and actor is not None and actor.has_role(*CASE_CONTENT_ROLES)


def meeting_filter(actor: User | None) -> ColumnElement[bool]:
    """Meetings ``actor`` may see: the area's for its coordinators and chairs; released
    ones the actor's agency is invited to for everyone else who works cases."""
    if not _usable(actor) or actor is None or not actor.has_role(*CASE_CONTENT_ROLES):
        return false()
    if actor.has_role(Role.COORDINATOR, Role.CHAIR):
        return Meeting.area_id == actor.agency.area_id
    invited = select(MeetingInvite.meeting_id).where(MeetingInvite.agency_id == actor.agency_id)
    return Meeting.id.in_(invited) & (Meeting.status != MeetingStatus.PLANNED)


def minutes_filter(actor: User | None) -> ColumnElement[bool]:
    """Minutes (joined to their meeting) ``actor`` may read: the area's for coordinators
    and chairs, those sent to them otherwise; never a case they must not receive."""
    if not _usable(actor) or actor is None or not actor.has_role(*CASE_CONTENT_ROLES):
        return false()
    sent = select(MinutesDistribution.minutes_id).where(MinutesDistribution.user_id == actor.id)
    clause: ColumnElement[bool] = Minutes.id.in_(sent)
    if actor.has_role(Role.COORDINATOR, Role.CHAIR):
        clause = clause | (Meeting.area_id == actor.agency.area_id)
    excluded = select(CaseExclusion.case_id).where(excluded_clause(actor, CaseExclusion))
    return clause & Minutes.case_id.not_in(excluded)


# --- management information -----------------------------------------------------


def may_view_indicators(actor: User | None) -> bool:
    """Managers and coordinators see the depersonalised indicators; nobody else does."""
    return _usable(actor) and actor is not None and actor.has_role(Role.MANAGER, Role.COORDINATOR)


# --- disclosures and subject access ------------------------------------------------
#
# The data-protection officer is an area role (granted by a system administrator
# with a reason): it reads the area's disclosure register and answers subject
# access requests, and opens no case content otherwise. Coordinators do both too.

DISCLOSURE_ROLES = (Role.COORDINATOR, Role.DPO)


def may_read_disclosures(actor: User | None) -> bool:
    """Coordinators and data-protection officers read their area's disclosure register."""
    return _usable(actor) and actor is not None and actor.has_role(*DISCLOSURE_ROLES)


def disclosure_filter(actor: User | None) -> ColumnElement[bool]:
    if not may_read_disclosures(actor) or actor is None:
        return false()
    return Disclosure.area_id == actor.agency.area_id


def may_export_subject_access(actor: User | None, person: Any) -> bool:
    """A coordinator or DPO of an area holding a case the person is part of.

    The export reads every record about the person, across agencies; only the
    area's own people answer the request, and only for someone on its cases.
    """
    if person is None or not may_read_disclosures(actor) or actor is None:
        return False
    area_cases = select(Case.id).where(Case.area_id == actor.agency.area_id)
    linked = union(
        select(Case.victim_id.label("person_id")).where(Case.id.in_(area_cases)),
        select(CasePerpetrator.person_id).where(CasePerpetrator.case_id.in_(area_cases)),
        select(CaseChild.person_id).where(CaseChild.case_id.in_(area_cases)),
    ).subquery()
    found = db.session.scalar(select(linked.c.person_id).where(linked.c.person_id == person.id))
    return found is not None


# --- break-glass ------------------------------------------------------------------
#
# Emergency access beyond the usual rules (DOMAIN.md: "break glass" needs a
# written reason, is recorded and alerts the coordinator). Only someone who was
# just told the case exists (a "known to MARAC" hint) can ask, never someone on
# the case's must-not-receive list, and it is read only and time-limited.

EMERGENCY_ACCESS_ROLES = (Role.PRACTITIONER, Role.IDVA)
HINT_WINDOW_HOURS = 24


def got_hint_for(actor: User, case: Any) -> bool:
    """The ledger holds a "known to MARAC" hint for this case shown to ``actor`` lately."""
    since = utcnow() - timedelta(hours=HINT_WINDOW_HOURS)
    events = all_events()
    found = db.session.scalar(
        select(events.c.action)
        .where(
            events.c.action == "person.known_hint",
            events.c.object_id == str(case.id),
            events.c.user_id == str(actor.id),
            events.c.occurred_at >= since,
        )
        .limit(1)
    )
    return found is not None


def may_report_from_hint(actor: User | None, case: Any) -> bool:
    """Someone just told the case exists may report a further incident on it, without seeing it.

    Repeats are learnt of by agencies with no part in the case (DOMAIN.md, case
    lifecycle step 8), so the hint is the way in: the same searchers who get
    hints, never anyone on the case's must-not-receive list.
    """
    if not _usable(actor) or actor is None or case is None:
        return False
    return (
        may_search_people(actor) and not is_excluded(actor, case.id) and got_hint_for(actor, case)
    )


def may_ask_for_emergency_access(actor: User | None) -> bool:
    """Who is offered the break-glass link beside a hint (the request itself asks more)."""
    return _usable(actor) and actor is not None and actor.has_role(*EMERGENCY_ACCESS_ROLES)


def may_request_emergency_access(actor: User | None, case: Any) -> bool:
    if not _usable(actor) or actor is None or case is None:
        return False
    return (
        may_ask_for_emergency_access(actor)
        and not _has_standing(actor, case)
        and not is_excluded(actor, case.id)
        and got_hint_for(actor, case)
    )


def live_emergency_access(actor: User | None, case: Any) -> EmergencyAccess | None:
    """The actor's live break-glass grant on this case, for the banner on its pages."""
    if not _usable(actor) or actor is None or case is None:
        return None
    return db.session.scalar(
        select(EmergencyAccess)
        .where(
            EmergencyAccess.case_id == case.id,
            EmergencyAccess.user_id == actor.id,
            EmergencyAccess.ended_at.is_(None),
            EmergencyAccess.expires_at > utcnow(),
        )
        .order_by(EmergencyAccess.expires_at.desc())
        .limit(1)
    )


def may_review_emergency_access(actor: User | None, access: Any) -> bool:
    """The coordinators of the case's area review each use; never their own."""
    return (
        _usable(actor)
        and actor is not None
        and actor.has_role(Role.COORDINATOR)
        and actor.agency.area_id == access.case.area_id
        and actor.id != access.user_id
    )


def may_review_any_emergency_access(actor: User | None) -> bool:
    return _usable(actor) and actor is not None and actor.has_role(Role.COORDINATOR)


def may_end_emergency_access(actor: User | None, access: Any) -> bool:
    return _usable(actor) and actor is not None and actor.id == access.user_id


def emergency_review_filter(actor: User | None) -> ColumnElement[bool]:
    """Uses of break-glass that ``actor`` may review: their area's, as a coordinator."""
    if not _usable(actor) or actor is None or not actor.has_role(Role.COORDINATOR):
        return false()
    in_area = select(Case.id).where(Case.area_id == actor.agency.area_id)
    return EmergencyAccess.case_id.in_(in_area)


# --- account recovery ---


def may_replace_authenticator(actor: User | None, target: User) -> bool:
    """System administrators only, and never on their own account.

    Whoever holds a password and no authenticator may enrol a new one, so
    replacing an authenticator hands the account to anyone who also controls
    the password. Agency administrators can reset passwords, so they must not
    also be able to do this; and nobody replaces their own, so a stolen
    session cannot swap the second factor.
    """
    if not _usable(actor) or actor is None or actor.id == target.id:
        return False
    return actor.has_role(Role.SYSTEM_ADMIN) and may_manage_user(actor, target)


# --- search hints ---------------------------------------------------------------
#
# A search shows in full only the people ``actor`` may see. For anyone else it
# answers "known to MARAC" per case, and only from what the protocol lets a
# searcher confirm: a name or a case reference. Date of birth, phone and
# postcode are never compared against a record the actor cannot see, so a
# hint cannot be used to test whether a detail is right.


def people_seen_among(actor: User | None, person_ids: Collection[Any]) -> set[Any]:
    """Of the people a search found, those ``actor`` may see (none, if they may not search)."""
    if not may_search_people(actor):
        return set()
    return visible_among(actor, person_ids)


def people_hinted_among(actor: User | None, person_ids: Collection[Any]) -> set[Any]:
    """Of the people a search found, those ``actor`` may not see, whose cases may still be
    hinted by name or reference (none, if they may not search)."""
    if not may_search_people(actor):
        return set()
    return set(person_ids) - visible_among(actor, person_ids)


def hint_case_filter(actor: User | None) -> ColumnElement[bool]:
    """A WHERE clause on ``marac_case`` for cases that may yield a "known to MARAC" hint.

    Cases ``actor`` cannot see, except those whose "must not receive" list holds
    the actor or the actor's agency: for them even the case's existence is withheld.
    """
    if not may_search_people(actor) or actor is None:
        return false()
    # NOT (case_filter IS TRUE), on each case itself: the filter compares nullable
    # agency columns, and a bare NOT of an unknown would drop the case instead of
    # keeping it. Unlike NOT IN (the cases the actor may see), it does not make the
    # database work out every visible case to hint at the few a search found.
    visible = func.coalesce(case_filter(actor), false())
    excluded = select(CaseExclusion.case_id).where(excluded_clause(actor, CaseExclusion))
    return ~visible & Case.id.not_in(excluded)


def hint_contact_filter() -> ColumnElement[bool]:
    """Users a hint names as the contact: active coordinators (join ``user_role`` and ``agency``).

    Active means their account and their agency may sign in, and they have set a
    password (an invited coordinator cannot yet answer anyone).
    """
    return (
        (UserRole.role == Role.COORDINATOR)
        & User.suspended_at.is_(None)
        & User.password_hash.is_not(None)
        & Agency.isp_signed_on.is_not(None)
        & Agency.suspended_at.is_(None)
    )


# --- retention and rectification ---------------------------------------------------


def may_review_retention(actor: User | None) -> bool:
    """The retention review queue: the coordinators of an area, for their area's cases."""
    return _usable(actor) and actor is not None and actor.has_role(Role.COORDINATOR)


def retention_queue_filter(actor: User | None) -> ColumnElement[bool]:
    """A WHERE clause on ``marac_case``: the cases whose retention ``actor`` reviews."""
    if not may_review_retention(actor) or actor is None:
        return false()
    return Case.area_id == actor.agency.area_id


def may_decide_retention(actor: User | None, case: Any) -> bool:
    """Retain or erase: a coordinator of the case's area, for a closed case not yet erased."""
    return (
        case is not None
        and case.status == CaseStatus.CLOSED
        and case.erased_on is None
        and coordinates_area(actor, case.area_id)
    )


def may_correct_person(actor: User | None, person: Any) -> bool:
    """Correct a person's details: case workers (not chairs) with a standing part in one
    of the person's cases; break-glass access is read only."""
    if actor is None or person is None or not _usable(actor):
        return False
    if not actor.has_role(Role.PRACTITIONER, Role.IDVA, Role.COORDINATOR):
        return False
    return _sees_person(actor, person, emergency=False)


# --- the IDVA service ------------------------------------------------------------
#
# A case referred to the IDVA service lands in that service's queue. Its IDVAs
# allocate it and keep the victim's side of the record: consent and engagement,
# the victim's voice, the safety plan and the contact log. Those are restricted
# further than the case: only the IDVA service's users, the owning agency and
# the area's coordinators read them (all only while they may see the case), and
# only the IDVAs of the service write them. The chair and coordinators hear the
# victim's voice in the conference, where the IDVA would speak for the victim.


def _idva_of_service(actor: User, agency_id: Any) -> bool:
    return (
        agency_id is not None
        and actor.agency_id == agency_id
        and actor.has_role(Role.IDVA)
        and actor.agency.kind == AgencyKind.IDVA_SERVICE
    )


def may_use_idva_queue(actor: User | None) -> bool:
    """The IDVAs of an IDVA service, and coordinators (their area's services' queues)."""
    if not _usable(actor) or actor is None:
        return False
    if actor.has_role(Role.COORDINATOR):
        return True
    return actor.has_role(Role.IDVA) and actor.agency.kind == AgencyKind.IDVA_SERVICE


def has_idva_caseload(actor: User | None) -> bool:
    """IDVAs of an IDVA service hold a caseload of their own."""
    return (
        _usable(actor)
        and actor is not None
        and actor.has_role(Role.IDVA)
        and actor.agency.kind == AgencyKind.IDVA_SERVICE
    )


def idva_queue_filter(actor: User | None) -> ColumnElement[bool]:
    """A WHERE clause limiting ``idva_case`` rows to the queues ``actor`` may see."""
    if not may_use_idva_queue(actor) or actor is None:
        return false()
    clauses: list[ColumnElement[bool]] = []
    if has_idva_caseload(actor):
        clauses.append(IdvaCase.idva_agency_id == actor.agency_id)
    if actor.has_role(Role.COORDINATOR):
        in_area = select(Case.id).where(Case.area_id == actor.agency.area_id)
        clauses.append(IdvaCase.case_id.in_(in_area))
    return or_(*clauses)


def may_read_idva_record(actor: User | None, case: Any) -> bool:
    """The victim's voice, safety plan, contact log and IDVA statuses: restricted.

    The IDVA service's users, the owning agency and the area's coordinators,
    each only while they may see the case itself (break-glass never opens them).
    """
    if case is None or actor is None or not may_view_case(actor, case):
        return False
    if case.idva_agency_id is not None and actor.agency_id == case.idva_agency_id:
        return True
    if actor.agency_id == case.owning_agency_id:
        return True
    return coordinates_area(actor, case.area_id)


def may_work_idva_case(actor: User | None, case: Any) -> bool:
    """The IDVAs of the case's IDVA service record on an open case and allocate it."""
    if not may_edit_case(actor, case) or actor is None:
        return False
    return _idva_of_service(actor, case.idva_agency_id)


def may_hold_idva_case(user: User | None, idva_case: Any) -> bool:
    """Whom a case may be allocated to: an active IDVA of the service it was referred to."""
    return _usable(user) and user is not None and _idva_of_service(user, idva_case.idva_agency_id)


def may_hear_victims_voice(actor: User | None, meeting: Any, case: Any) -> bool:
    """At the conference: the restricted readers, and the chair or coordinator running it."""
    if actor is None or case is None:
        return False
    if may_read_idva_record(actor, case):
        return True
    return may_run_conference(actor, meeting) and not is_excluded(actor, case.id)
