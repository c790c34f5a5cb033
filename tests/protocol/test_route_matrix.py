"""Every route against every kind of actor, from the app's URL map.

One synthetic world (built once per backend), one signed-in client per actor,
then a GET of every endpoint by every actor and, for routes that take POST, a
POST with an empty form. The app answers 404 to anything it refuses (never
403, so ids cannot be probed); anything else below 500 counts as allowed.
The EXPECTED table says, endpoint by endpoint, who the access policy
(emarac/protocol/policy.py) lets in. A route missing from the table fails the
suite until someone decides its policy.

A few buttons act on a bare confirmed POST (end break-glass, close a meeting,
remove a must-not-receive entry, merge two people); RESTORE puts the world
back after each of those so that the next actor meets the same world.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest

from emarac.actions import services as actions
from emarac.auditing import record_event
from emarac.cases import closure, emergency
from emarac.cases.models import CaseExclusion, EmergencyAccess
from emarac.meetings import conference
from emarac.meetings import services as meetings
from emarac.meetings.models import Meeting, MeetingStatus
from emarac.people import services as people
from emarac.people.models import PersonMerge
from emarac.referrals import repeats
from emarac.referrals import services as referrals
from emarac.referrals.models import Consent
from emarac.risk import services as risk
from emarac.risk.models import Answer
from emarac.risk.rules import Criterion
from tests.conftest import sign_in
from tests.factories import Cases, send_minutes
from tests.indicators.kept import from_scratch, kept

# --- who -------------------------------------------------------------------------

OWNER = "owner practitioner"  # police, owns the case
HEALTH = "health practitioner"  # another agency of the area, invited
OUTSIDER = "other-area practitioner"
IDVA = "idva"
COORD = "coordinator"
COORD_OTHER = "other-area coordinator"
CHAIR = "chair"
MANAGER = "manager"
OWNER_ADMIN = "owner agency admin"
HEALTH_ADMIN = "health agency admin"
SYSADMIN = "system admin"
GLASS = "break-glass practitioner"  # other area, live emergency access
EXCLUDED = "excluded practitioner"  # housing, invited, on the must-not-receive list
DPO = "data-protection officer"

EVERYONE = frozenset(
    {
        OWNER,
        HEALTH,
        OUTSIDER,
        IDVA,
        COORD,
        COORD_OTHER,
        CHAIR,
        MANAGER,
        OWNER_ADMIN,
        HEALTH_ADMIN,
        SYSADMIN,
        GLASS,
        EXCLUDED,
        DPO,
    }
)
NOBODY: frozenset[str] = frozenset()
ANY_SIGNED_IN = EVERYONE
PUBLIC = EVERYONE  # no sign-in needed; signed-in actors are never refused either

# The policy's sets for this world, named after the predicate that decides them.
# case_filter: owner and area coordinators; while open also the IDVA service,
# the area's chairs, invited agencies (not the excluded) and live break-glass.
VIEW_CASE = frozenset({OWNER, HEALTH, IDVA, COORD, CHAIR, GLASS})
# may_edit_case: owner, referrer and IDVA agencies and area coordinators; never break-glass.
EDIT_CASE = frozenset({OWNER, IDVA, COORD})
# may_record_incident: a standing part in a visible case (break-glass left out).
RECORD_INCIDENT = VIEW_CASE - {GLASS}
# may_search_people: the case-content roles (practitioner, IDVA, coordinator, chair).
WORKS_CASES = frozenset({OWNER, HEALTH, OUTSIDER, IDVA, COORD, COORD_OTHER, CHAIR, GLASS, EXCLUDED})
# may_create_case: practitioners, IDVAs, coordinators.
CREATES_CASES = WORKS_CASES - {CHAIR}
COORDINATORS = frozenset({COORD, COORD_OTHER})
# may_manage_exclusions: area coordinators and the owning agency.
KEEPS_EXCLUSIONS = frozenset({OWNER, COORD})
# may_see_meeting: area coordinators and chairs; invited agencies' case workers once released.
SEES_MEETING = frozenset({OWNER, HEALTH, IDVA, COORD, CHAIR, EXCLUDED})
# may_research: invited case workers on a released, open agenda, never the excluded.
RESEARCHES = frozenset({OWNER, HEALTH, IDVA, COORD, CHAIR})
# may_read_minutes: the distribution (attendees) and the area's coordinators and chairs.
READS_MINUTES = frozenset({OWNER, HEALTH, IDVA, COORD, CHAIR})
# may_manage_users_of / may_manage_user for the owning agency and its users.
MANAGES_OWNER_USERS = frozenset({SYSADMIN, OWNER_ADMIN})
READS_AUDIT = frozenset({SYSADMIN, COORD, COORD_OTHER})
SEES_INDICATORS = frozenset({MANAGER, COORD, COORD_OTHER})
# may_read_disclosures: coordinators and data-protection officers, each their own area's.
READS_DISCLOSURES = frozenset({COORD, COORD_OTHER, DPO})
# may_export_subject_access: the same roles, for a person on a case of their area.
EXPORTS_SUBJECT = frozenset({COORD, DPO})
# may_read_idva_record: the IDVA service's users, the owning agency and the area's
# coordinators (each while they see the case). Only the service's IDVAs change it, but an
# empty form from any reader just shows the page again.
READS_IDVA = frozenset({OWNER, IDVA, COORD})


@dataclass(frozen=True)
class Rule:
    get: frozenset[str] | None = None  # None: the route takes no GET
    post: frozenset[str] | None = None  # None: the route takes no POST


EXPECTED: dict[str, Rule] = {
    # --- public and any signed-in user
    "main.healthz": Rule(get=PUBLIC),
    "main.privacy": Rule(get=PUBLIC),
    "main.home": Rule(get=ANY_SIGNED_IN),
    "notifications.index": Rule(get=ANY_SIGNED_IN),
    "notifications.mark_read": Rule(post=ANY_SIGNED_IN),
    "auth.login": Rule(get=PUBLIC, post=PUBLIC),
    "auth.second_factor": Rule(get=PUBLIC, post=PUBLIC),
    "auth.enrol": Rule(get=PUBLIC, post=PUBLIC),
    "auth.reauthenticate": Rule(get=ANY_SIGNED_IN, post=ANY_SIGNED_IN),
    "auth.logout": Rule(post=ANY_SIGNED_IN),
    "auth.session_status": Rule(get=PUBLIC),  # says only whether this session is alive
    "auth.renew_session": Rule(post=ANY_SIGNED_IN),
    # Public, but the token here ("x") is unknown: a 404 for everyone, like an unknown id.
    "auth.set_password": Rule(get=NOBODY, post=NOBODY),
    "meetings.index": Rule(get=ANY_SIGNED_IN),  # lists only what meeting_filter allows
    "meetings.my_minutes": Rule(get=ANY_SIGNED_IN),  # lists only what minutes_filter allows
    # --- cases
    "cases.index": Rule(get=WORKS_CASES),
    "cases.new": Rule(get=CREATES_CASES, post=CREATES_CASES),
    "cases.show": Rule(get=VIEW_CASE),
    "cases.timeline": Rule(get=VIEW_CASE),
    # may_view_incident: whoever sees a case of the victim; may_correct_incident: the
    # recording agency's case workers with a standing part (never break-glass).
    "incidents.show": Rule(get=VIEW_CASE),
    "incidents.correct": Rule(get={OWNER}, post={OWNER}),
    # a completed checklist and the score over time: whoever sees the case.
    "risk.index": Rule(get=VIEW_CASE),
    "risk.show": Rule(get=VIEW_CASE),
    "cases.add_perpetrator": Rule(get=EDIT_CASE, post=EDIT_CASE),
    "cases.add_child": Rule(get=EDIT_CASE, post=EDIT_CASE),
    "risk.assess": Rule(get=EDIT_CASE, post=EDIT_CASE),
    "cases.add_incident": Rule(get=RECORD_INCIDENT, post=RECORD_INCIDENT),
    "cases.transfer": Rule(get={COORD}, post={COORD}),  # may_transfer_case
    "cases.exclusions": Rule(get=KEEPS_EXCLUSIONS, post=KEEPS_EXCLUSIONS),
    "cases.remove_exclusion": Rule(post=KEEPS_EXCLUSIONS),
    # may_close_case; the case is not ready to close, so the coordinator is told why.
    "cases.close": Rule(post={COORD}),
    # may_refer_case: a standing part in the case; break-glass is read only.
    "referrals.refer": Rule(get=VIEW_CASE - {GLASS}, post=VIEW_CASE - {GLASS}),
    # --- break-glass
    # may_request_emergency_access: only the practitioner who got a hint, without standing.
    "emergency.request_access": Rule(get={GLASS}, post={GLASS}),
    "emergency.end": Rule(post={GLASS}),  # may_end_emergency_access: the holder
    "emergency.queue": Rule(get=COORDINATORS),  # may_review_any_emergency_access
    "emergency.review": Rule(get={COORD}, post={COORD}),  # may_review_emergency_access
    # --- retention review
    "retention.queue": Rule(get=COORDINATORS),  # may_review_retention
    # may_decide_retention: the area's coordinators, for a closed case; the world's is open.
    "retention.review": Rule(get=NOBODY, post=NOBODY),
    "retention.erase": Rule(get=NOBODY, post=NOBODY),
    # --- people
    "people.search": Rule(get=WORKS_CASES, post=WORKS_CASES),
    "people.show": Rule(get=VIEW_CASE),  # visible_person_ids, break-glass included
    # may_correct_person: case workers with standing (not the chair, not break-glass).
    "people.correct": Rule(get=VIEW_CASE - {CHAIR, GLASS}, post=VIEW_CASE - {CHAIR, GLASS}),
    # may_merge_people, both records visible (here both are on one case, so the
    # coordinator is told why they cannot be merged).
    "people.merge": Rule(post={COORD}),
    "people.undo": Rule(post=NOBODY),  # the merge id is unknown
    # --- referrals
    # may_view_referral: the referrer, the area's coordinators, whoever sees the case.
    "referrals.show": Rule(get=VIEW_CASE, post=VIEW_CASE),
    "referrals.triage": Rule(get=COORDINATORS),  # may_triage
    # may_triage + coordinates_area: the triage page, then one endpoint per decision.
    "referrals.decide": Rule(get={COORD}),
    "referrals.accept": Rule(post={COORD}),
    "referrals.return_to_referrer": Rule(post={COORD}),
    "referrals.mark_duplicate": Rule(post={COORD}),
    # may_decide_repeat: a repeat to confirm is the case's area coordinators' alone
    # (an empty form re-shows the page with its errors; nothing is decided).
    "referrals.repeat": Rule(get={COORD}),
    "referrals.confirm_repeat": Rule(post={COORD}),
    "referrals.dismiss_repeat": Rule(post={COORD}),
    # may_report_from_hint: searchers just shown a hint of the case (break-glass's hint
    # here), never the excluded; the report form shows only the case reference.
    "reported.report": Rule(get={GLASS}, post={GLASS}),
    # may_review_reported: the case's area coordinators (no item here: 404 for all).
    "reported.mark_seen": Rule(post=NOBODY),
    # --- meetings (the meeting is minuted: the conference is over)
    "meetings.new": Rule(get=COORDINATORS, post=COORDINATORS),  # may_create_meeting
    "meetings.show": Rule(get=SEES_MEETING),
    "meetings.agenda_print": Rule(get=SEES_MEETING),
    "meetings.attend": Rule(get=SEES_MEETING, post=SEES_MEETING),
    "meetings.register": Rule(get={COORD, CHAIR}),  # may_see_register: the area's, by name
    "meetings.record_apology": Rule(post=NOBODY),  # may_keep_register: not once minuted
    "meetings.remove_apology": Rule(post=NOBODY),  # and the apology id is unknown
    # The excluded see the page with the case withheld (not a 404).
    "meetings.conference_case": Rule(get=SEES_MEETING),
    "meetings.research": Rule(get=RESEARCHES, post=RESEARCHES),
    "meetings.research_due": Rule(get=WORKS_CASES),  # does_research: lists only its agency's
    "meetings.chase": Rule(post=NOBODY),  # may_chase_research: not once minuted
    "meetings.release": Rule(post=NOBODY),  # already released
    "meetings.edit": Rule(get=NOBODY, post=NOBODY),  # may_edit_meeting: not once minuted
    "meetings.build_agenda": Rule(post=NOBODY),  # only while planned: already released
    "meetings.move": Rule(post=NOBODY),  # no reordering once in session
    "meetings.record": Rule(post=NOBODY),  # may_run_conference: not once minuted
    "meetings.add_action": Rule(post=NOBODY),  # may_run_conference: not once minuted
    "meetings.save_draft": Rule(post=NOBODY),  # may_run_conference: not once minuted
    "meetings.draft_minutes": Rule(post=NOBODY),  # may_draft_minutes: only in session
    "meetings.edit_draft": Rule(get=NOBODY, post=NOBODY),  # may_edit_draft_minutes: sent
    "meetings.approve_minutes": Rule(post=NOBODY),  # may_approve_minutes: only a draft
    "meetings.return_minutes": Rule(get=NOBODY, post=NOBODY),  # likewise
    "meetings.send_minutes": Rule(get=NOBODY, post=NOBODY),  # may_send_minutes: already sent
    # may_correct_minutes: the area's coordinator (an empty form re-shows it with errors).
    "meetings.correct_minutes": Rule(get={COORD}, post={COORD}),
    "meetings.minutes_version": Rule(get=READS_MINUTES),
    "meetings.close": Rule(post={COORD}),  # the area's coordinator closes a minuted meeting
    "meetings.minutes": Rule(get=READS_MINUTES),
    "meetings.minutes_print": Rule(get=READS_MINUTES),
    # --- actions
    "actions.tracker": Rule(get=WORKS_CASES),
    "actions.update": Rule(get={OWNER, COORD}, post={OWNER, COORD}),  # may_view_action
    "actions.chase": Rule(post={COORD}),  # may_chase_action
    # may_export_agency_actions: case workers, each their own agency's open actions only.
    "actions.export": Rule(get=WORKS_CASES),
    # --- administration
    "agencies.index": Rule(get={SYSADMIN, OWNER_ADMIN, HEALTH_ADMIN}),
    "agencies.list_agencies": Rule(get={SYSADMIN}, post={SYSADMIN}),
    "agencies.agency": Rule(get={SYSADMIN}, post={SYSADMIN}),
    "agencies.area": Rule(get={SYSADMIN}, post={SYSADMIN}),
    "agencies.areas": Rule(get={SYSADMIN}, post={SYSADMIN}),
    # may_set_area_rules: the system administrator or the area's own coordinator.
    "area_settings.edit": Rule(get={SYSADMIN, COORD}, post={SYSADMIN, COORD}),
    "area_settings.edit_sources": Rule(post={SYSADMIN, COORD}),
    "agencies.users": Rule(get=MANAGES_OWNER_USERS),
    "agencies.invite": Rule(get=MANAGES_OWNER_USERS, post=MANAGES_OWNER_USERS),
    "agencies.user": Rule(get=MANAGES_OWNER_USERS, post=MANAGES_OWNER_USERS),
    "agencies.suspend": Rule(post=MANAGES_OWNER_USERS),
    "agencies.reset": Rule(post=MANAGES_OWNER_USERS),
    # may_replace_authenticator: system administrators only, never on their own account.
    "agencies.replace_authenticator": Rule(post={SYSADMIN}),
    "auditlog.index": Rule(get=READS_AUDIT),
    "auditlog.export": Rule(get=READS_AUDIT),
    "indicators.dashboard": Rule(get=SEES_INDICATORS),
    "indicators.export": Rule(get=SEES_INDICATORS),
    "indicators.return_print": Rule(get=SEES_INDICATORS),
    # --- disclosures and subject access
    "disclosures.index": Rule(get=READS_DISCLOSURES),
    "disclosures.export": Rule(get=READS_DISCLOSURES),
    "subjectaccess.start": Rule(get=READS_DISCLOSURES),
    "subjectaccess.explain": Rule(get=EXPORTS_SUBJECT),
    "subjectaccess.download": Rule(get=EXPORTS_SUBJECT),
    # --- the IDVA workspace
    "idva.queue": Rule(get=frozenset({IDVA, COORD, COORD_OTHER})),  # may_use_idva_queue
    "idva.caseload": Rule(get={IDVA}),  # has_idva_caseload
    "idva.case": Rule(get=READS_IDVA),
    "idva.allocate": Rule(post=READS_IDVA),
    "idva.status": Rule(get=READS_IDVA, post=READS_IDVA),
    "idva.voice": Rule(get=READS_IDVA, post=READS_IDVA),
    "idva.voice_versions": Rule(get=READS_IDVA),
    "idva.plan": Rule(get=READS_IDVA, post=READS_IDVA),
    "idva.plan_versions": Rule(get=READS_IDVA),
    "idva.contacts": Rule(get=READS_IDVA, post=READS_IDVA),
}

# --- the world -----------------------------------------------------------------


@dataclass
class World:
    actors: dict[str, Any]
    params: dict[str, Any]
    restore: dict[str, Callable[[], None]] = field(default_factory=dict)


def build_world(db: Any, make: Any) -> World:
    area, elsewhere = "Matrix MARAC", "Other MARAC"
    police = make.agency(name="Matrix Police (test)", area=area)
    health = make.agency(name="Matrix Health (test)", kind="health", area=area)
    housing = make.agency(name="Matrix Housing (test)", kind="housing", area=area)
    csp = make.agency(name="Matrix CSP (test)", kind="other", area=area)
    idva_service = make.agency(name="Matrix IDVA (test)", kind="idva_service", area=area)
    far = make.agency(name="Other Health (test)", kind="health", area=elsewhere)

    actors = {
        OWNER: make.user(agency=police),
        HEALTH: make.user(agency=health),
        OUTSIDER: make.user(agency=far),
        IDVA: make.user(agency=idva_service, roles=("idva",)),
        COORD: make.user(agency=csp, roles=("coordinator",)),
        COORD_OTHER: make.user(agency=far, roles=("coordinator",)),
        CHAIR: make.user(agency=csp, roles=("chair",)),
        MANAGER: make.user(agency=csp, roles=("manager",)),
        OWNER_ADMIN: make.user(agency=police, roles=("agency_admin",)),
        HEALTH_ADMIN: make.user(agency=health, roles=("agency_admin",)),
        SYSADMIN: make.user(agency=csp, roles=("system_admin",)),
        GLASS: make.user(agency=far),
        EXCLUDED: make.user(agency=housing),
        DPO: make.user(agency=csp, roles=("dpo",)),
    }
    owner, coordinator = actors[OWNER], actors[COORD]
    target = make.user(agency=police)  # the account the admin pages manage

    cases = Cases(db, make)
    case = cases.open(by=owner)
    perpetrator = cases.perpetrator(case, by=owner).person
    duplicate = cases.perpetrator(case, by=owner, family_name="Grimshaw-Duplicate").person
    incident = cases.incident(case, by=owner)
    assessment = risk.record_assessment(
        case,
        by=owner,
        version=risk.current_checklist(),
        data=risk.AssessmentInput(
            completed_on=date(2026, 11, 1),
            victim_present=True,
            answers={
                q.id: Answer.NO for q in risk.current_checklist().questions if q.section == "core"
            },
        ),
    )
    referral = referrals.refer_case(
        case,
        by=owner,
        data=referrals.ReferralInput(
            criteria={Criterion.PROFESSIONAL_JUDGEMENT},
            consent=Consent.GIVEN,
            risks="Synthetic",
            safety_measures="",
            judgement_reason="Synthetic judgement",
            refer_to_idva=True,
        ),
    )
    assert case.idva_agency_id == idva_service.id

    meeting = meetings.create_meeting(by=coordinator, held_on=date(2026, 11, 2))
    referrals.accept(referral, by=coordinator, meeting=meeting)
    meetings.release_agenda(meeting, by=coordinator)
    for user in (owner, actors[HEALTH], actors[IDVA], coordinator):
        meetings.accept_confidentiality(meeting, by=user)
    exclusion = closure.add_exclusion(
        case, by=coordinator, choice=f"user:{actors[EXCLUDED].id}", reason="Synthetic: related"
    )
    decoy_exclusion = closure.add_exclusion(
        case, by=coordinator, choice=f"user:{target.id}", reason="Synthetic: for removal"
    )
    conference.record_discussion(
        meeting, meeting.items[0], by=coordinator, discussion="Synthetic", agreed_risk="high"
    )
    action = actions.add_action(
        case,
        by=coordinator,
        meeting=meeting,
        owner_agency_id=police.id,
        description="Synthetic lock change",
        due_on=date(2026, 11, 20),
    )
    (minutes,) = send_minutes(meeting, coordinator=coordinator, chair=actors[CHAIR])
    assert meeting.status == MeetingStatus.MINUTED
    cases.incident(case, by=owner, days_ago=-2)  # the day after the referral: a repeat
    (review,) = repeats.repeats_to_confirm(coordinator)

    glass = actors[GLASS]
    record_event(
        "person.known_hint",
        object_type="marac_case",
        object_id=case.id,
        fields=("name",),
        user_id=glass.id,
        agency_id=glass.agency_id,
    )
    db.session.commit()
    access = emergency.request_access(
        case, by=glass, reason="Seen in the emergency department tonight", hours=24
    )

    ids = {
        "case_id": case.id,
        "meeting_id": meeting.id,
        "person_id": perpetrator.id,
        "other_id": duplicate.id,
        "agency_id": police.id,
        "user_id": target.id,
        "area_id": police.area_id,
        "referral_id": referral.id,
        "incident_id": incident.id,
        "assessment_id": assessment.id,
        "review_id": review.id,
        "action_id": action.id,
        "minutes_id": minutes.id,
        "number": 1,
        "access_id": access.id,
        "exclusion_id": decoy_exclusion.id,
        "item_id": uuid.uuid4(),  # no reported incident: a 404 for everyone
        "merge_id": uuid.uuid4(),  # no merge: must be a 404 for everyone
        "apology_id": uuid.uuid4(),  # no apology: a 404 for everyone
        "table": "return",
        "token": "x",
    }
    assert exclusion.id != decoy_exclusion.id

    def reopen_access() -> None:
        db.session.get(EmergencyAccess, access.id).ended_at = None
        db.session.commit()

    def reopen_meeting() -> None:
        db.session.get(Meeting, meeting.id).status = MeetingStatus.MINUTED
        db.session.commit()

    decoy_id, decoy_added_at = decoy_exclusion.id, decoy_exclusion.added_at

    def put_back_exclusion() -> None:
        if db.session.get(CaseExclusion, decoy_id) is None:
            db.session.add(
                CaseExclusion(
                    id=decoy_id,
                    case_id=case.id,
                    user_id=target.id,
                    added_by_id=coordinator.id,
                    added_at=decoy_added_at,
                )
            )
            db.session.commit()

    def unmerge() -> None:
        for record in db.session.query(PersonMerge).filter_by(undone_at=None):
            people.undo_merge(record, by=coordinator)

    signed_on, suspended_at = police.isp_signed_on, police.suspended_at

    def reinstate_agency() -> None:
        found = db.session.get(type(police), police.id)
        found.isp_signed_on, found.suspended_at = signed_on, suspended_at
        db.session.commit()

    def reactivate_target() -> None:
        db.session.get(type(target), target.id).suspended_at = None
        db.session.commit()

    restore = {
        "emergency.end": reopen_access,
        "meetings.close": reopen_meeting,
        "cases.remove_exclusion": put_back_exclusion,
        "people.merge": unmerge,
        "agencies.agency": reinstate_agency,
        "agencies.suspend": reactivate_target,
    }
    return World(actors=actors, params=ids, restore=restore)


# --- the URL map -----------------------------------------------------------------


def app_routes(app: Any) -> dict[str, Any]:
    return {r.endpoint: r for r in app.url_map.iter_rules() if r.endpoint != "static"}


def url_for_rule(app: Any, rule: Any, params: dict[str, Any]) -> str:
    unknown = sorted(set(rule.arguments) - set(params))
    assert not unknown, (
        f"{rule.endpoint} ({rule.rule}) takes {', '.join(unknown)}: "
        "add a value for it to the world in tests/protocol/test_route_matrix.py"
    )
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **{name: params[name] for name in rule.arguments})


def test_every_route_has_a_policy_decision(app):
    routes = app_routes(app)
    missing = sorted(set(routes) - set(EXPECTED))
    stale = sorted(set(EXPECTED) - set(routes))
    assert not missing, (
        f"routes without a policy decision in EXPECTED (tests/protocol/test_route_matrix.py): "
        f"{missing}; say who may GET and POST each one"
    )
    assert not stale, f"EXPECTED names endpoints the app no longer has: {stale}"
    wrong_methods = [
        endpoint
        for endpoint, rule in routes.items()
        if ("GET" in rule.methods) != (EXPECTED[endpoint].get is not None)
        or ("POST" in rule.methods) != (EXPECTED[endpoint].post is not None)
    ]
    assert not wrong_methods, f"EXPECTED has GET/POST not matching the routes: {wrong_methods}"


# What a GET may write: the ledger and the disclosure register record what it did
# (the register, like the ledger, gains a row when a GET export or print discloses
# something, and that is all it may gain); the indicators bring the hearing facts,
# worked out from the records, up to date before counting them (the records stay
# as they were; ``facts_as_the_records_decide`` checks the facts).
WRITTEN_BY_GETS = ("audit_event", "disclosure", "hearing_fact", "indicator_stale_victim")


def stored_rows(db: Any) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table but those a GET may write (``WRITTEN_BY_GETS``)."""
    rows = {}
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            if table.name not in WRITTEN_BY_GETS:
                found = conn.execute(table.select()).all()
                rows[table.name] = sorted((tuple(r) for r in found), key=repr)
    return rows


def facts_as_the_records_decide(db: Any) -> None:
    """The hearing facts a GET left equal those worked out from scratch."""
    assert kept(db) == from_scratch(db)


@pytest.mark.slow
@pytest.mark.usefixtures("clock")
def test_route_matrix(app, db, make):
    world = build_world(db, make)
    clients = {}
    for name, user in world.actors.items():
        clients[name] = app.test_client()
        assert sign_in(clients[name], user).status_code == 302, name

    routes = app_routes(app)
    urls = {endpoint: url_for_rule(app, rule, world.params) for endpoint, rule in routes.items()}
    problems: list[str] = []

    def check(endpoint: str, method: str, allowed: frozenset[str]) -> None:
        for name in sorted(EVERYONE):
            client = clients[name]
            if method == "GET":
                status = client.get(urls[endpoint]).status_code
            else:
                status = client.post(urls[endpoint], data={}).status_code
                if endpoint in world.restore:
                    world.restore[endpoint]()
            expected = name in allowed
            if status >= 500 or (status == 404) == expected:
                problems.append(
                    f"{endpoint} {method} {name}: expected "
                    f"{'allow' if expected else 'deny'}, got {status}"
                )

    before = stored_rows(db)
    for endpoint in sorted(routes):
        if EXPECTED[endpoint].get is not None:
            check(endpoint, "GET", frozenset(EXPECTED[endpoint].get))
    changed = stored_rows(db) != before
    assert not changed, "GETs changed: " + ", ".join(
        t for t in before if stored_rows(db)[t] != before[t]
    )
    facts_as_the_records_decide(db)
    # Signing out goes last: it ends the session every other POST needs.
    posts = sorted(e for e in routes if EXPECTED[e].post is not None)
    posts.sort(key=lambda e: e == "auth.logout")
    for endpoint in posts:
        check(endpoint, "POST", frozenset(EXPECTED[endpoint].post))

    assert not problems, f"{len(problems)} answers differ from the policy:\n" + "\n".join(problems)
