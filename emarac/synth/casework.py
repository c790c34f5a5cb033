"""One victim's case from first incident to last hearing, as rows.

The history is built so that every rule in DOMAIN.md holds in the data: a
case is referred, heard at its area's next meeting, and any later abuse
within 365 days of that referral brings it back as a repeat, with its own
assessment, referral and hearing. Most cases are heard once; about three in
ten hearings are repeats, the national figure. Incidents that led to the
first referral sit before it, mostly in the months just before, so
"potential escalation" (3 or more in 12 months) is met where the dates say so.

An assessment stores an answer to every core question, and to the optional
stalking or honour-based sections only when the case's incidents call for
them. (The risk service stores a "not known" row for every question of an
unused section; leaving those rows out keeps a million-incident run a fifth
smaller and changes no count of "yes" answers.)
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, cast

from emarac.actions.models import ActionStatus
from emarac.agencies.models import AgencyKind
from emarac.cases.models import CaseChild, CaseStatus, Relationship
from emarac.incidents.models import Incident, IncidentType
from emarac.meetings.models import AgendaItem
from emarac.referrals.models import Consent, Referral, ReferralStatus
from emarac.risk import rules
from emarac.risk.models import Answer, RiskAnswer, RiskAssessment, yes_factors_text
from emarac.synth import meetings, people
from emarac.synth import vocabulary as words
from emarac.synth.context import Context
from emarac.synth.meetings import Calendar, MeetingInfo
from emarac.synth.partnership import AgencyInfo, AreaInfo, Checklist

# Hearings per case: 3% never referred. Some repeats fall outside the three years or are
# still waiting, so this asks for a little more than the 31% of hearings that result.
HEARINGS = ((0, 3), (1, 60), (2, 24), (3, 9), (4, 4))
CHILDREN = ((0, 40), (1, 22), (2, 21), (3, 11), (4, 5), (5, 1))  # about 1.2 a case
# About 36% of referrals come from partners other than the police (DOMAIN.md).
REFERRERS = (
    (AgencyKind.POLICE, 6400),
    (AgencyKind.IDVA_SERVICE, 1200),
    (AgencyKind.HEALTH, 600),
    (AgencyKind.CHILDRENS_SOCIAL_CARE, 500),
    (AgencyKind.HOUSING, 300),
    (AgencyKind.SPECIALIST_CHARITY, 300),
    (AgencyKind.PROBATION, 200),
    (AgencyKind.ADULT_SOCIAL_CARE, 150),
    (AgencyKind.EDUCATION, 100),
    (AgencyKind.REFUGE, 100),
    (AgencyKind.VICTIM_SUPPORT, 100),
    (AgencyKind.YOUTH_OFFENDING, 25),
    (AgencyKind.FIRE_AND_RESCUE, 25),
)
REPORTERS = (
    (AgencyKind.POLICE, 72),
    (AgencyKind.IDVA_SERVICE, 8),
    (AgencyKind.HEALTH, 6),
    (AgencyKind.HOUSING, 4),
    (AgencyKind.CHILDRENS_SOCIAL_CARE, 4),
    (AgencyKind.SPECIALIST_CHARITY, 3),
    (AgencyKind.PROBATION, 2),
    (AgencyKind.VICTIM_SUPPORT, 1),
)
INCIDENT_TYPES = (
    (IncidentType.PHYSICAL, 45),
    (IncidentType.COERCIVE_CONTROL, 35),
    (IncidentType.THREATS, 30),
    (IncidentType.STALKING_HARASSMENT, 20),
    (IncidentType.DAMAGE, 12),
    (IncidentType.BREACH_OF_ORDER, 10),
    (IncidentType.ECONOMIC, 8),
    (IncidentType.SEXUAL, 7),
    (IncidentType.OTHER, 5),
    (IncidentType.HONOUR_BASED, 2),
)
TYPES_PER_INCIDENT = ((1, 55), (2, 33), (3, 12))
CONSENT = (
    (Consent.GIVEN, 55),
    (Consent.NOT_REQUIRED, 20),
    (Consent.OVERRIDDEN, 15),
    (Consent.NOT_SOUGHT, 10),
)
RELATIONSHIPS = (
    (Relationship.PARTNER, 45),
    (Relationship.EX_PARTNER, 40),
    (Relationship.FAMILY_MEMBER, 12),
    (Relationship.OTHER, 3),
)
# How often each core checklist question is answered "yes" relative to the others.
YES_WEIGHTS = {
    "injury": 0.45,
    "frightened": 0.9,
    "fears": 0.85,
    "isolated": 0.6,
    "depressed": 0.55,
    "separation": 0.6,
    "child_contact": 0.35,
    "stalking": 0.55,
    "pregnancy": 0.15,
    "more_often": 0.7,
    "getting_worse": 0.7,
    "controlling": 0.8,
    "weapons": 0.35,
    "threats_to_kill": 0.5,
    "strangulation": 0.45,
    "sexual_abuse": 0.3,
    "others_threat": 0.15,
    "harmed_others": 0.3,
    "harmed_animals": 0.1,
    "financial": 0.45,
    "perpetrator_problems": 0.6,
    "perpetrator_suicide": 0.25,
    "breach": 0.3,
    "criminal_history": 0.55,
    "children_household": 0.9,
    "children_harmed": 0.2,
    "other_dependants": 0.1,
}
CHILD_CODES = {"children_household", "children_harmed", "child_contact"}
TRIAGE_BACKLOG_DAYS = 3  # referrals this recent still wait for the coordinator
_ANSWER_VALUES = {answer: answer.value for answer in Answer}  # an enum's .value is a call


@dataclass
class CaseFacts:
    """What later steps need to know about the case being written."""

    id: uuid.UUID
    area: AreaInfo
    victim: uuid.UUID
    perpetrators: list[uuid.UUID]
    children: int
    idva: AgencyInfo | None
    incident_days: list[date] = field(default_factory=list)
    types: set[IncidentType] = field(default_factory=set)
    abuse: list[rules.Abuse] = field(default_factory=list)
    referrals: list[rules.PastReferral] = field(default_factory=list)


def agency_of(
    ctx: Context, area: AreaInfo, table: tuple[tuple[AgencyKind, int], ...]
) -> AgencyInfo:
    return ctx.rng.choice(area.of_kind(people.pick(ctx, table)))


def hearing_count(ctx: Context, incidents: int) -> int:
    wanted: int = people.pick(ctx, HEARINGS)
    return min(wanted, max(1, incidents)) if incidents else min(wanted, 1)


def incident(ctx: Context, facts: CaseFacts, day: date) -> None:
    reporter = agency_of(ctx, facts.area, REPORTERS)
    police = reporter.kind is AgencyKind.POLICE
    row_id = ctx.new_id()
    occurred = ctx.at(day, earliest_hour=0, latest_hour=23)
    injured = ctx.chance(0.35)
    perpetrator = facts.perpetrators[-1 if ctx.chance(0.1) else 0]
    row: dict[str, Any] = {
        "id": row_id,
        "victim_id": facts.victim,
        "perpetrator_id": perpetrator,
        "occurred_at": occurred,
        "reporting_agency_id": reporter.id,
        "recorded_by_id": ctx.rng.choice(reporter.users),
        "injured": injured,
        "weapon_used": ctx.chance(0.12),
        "children_present": facts.children > 0 and ctx.chance(0.4),
        "alcohol_or_drugs": ctx.chance(0.35),
        "police_attended": police or ctx.chance(0.2),
        "is_demo": True,
        "created_at": min(ctx.now, occurred + timedelta(hours=ctx.rng.randint(1, 48))),
    }
    ctx.sealer.seal_into(
        row,
        Incident,
        row_id,
        {
            "agency_reference": f"SYN/{day.year}/{ctx.rng.getrandbits(40):012d}"
            if police
            else None,
            "location": ctx.rng.choice(words.LOCATIONS) if ctx.chance(0.8) else None,
            "injuries": ctx.rng.choice(words.INJURIES) if injured else None,
            "narrative": words.NARRATIVE,
        },
        recurring=False,
    )
    ctx.batch.add("incident", row)
    chosen = {people.pick(ctx, INCIDENT_TYPES) for _ in range(people.pick(ctx, TYPES_PER_INCIDENT))}
    for kind in sorted(chosen):
        ctx.batch.add(
            "incident_type", {"id": ctx.new_id(), "incident_id": row_id, "type": kind.value}
        )
    facts.types |= chosen
    facts.incident_days.append(day)
    facts.abuse.append(rules.Abuse(occurred.date(), perpetrator))


def _answers(
    ctx: Context, facts: CaseFacts, checklist: Checklist, yes: int
) -> tuple[dict[uuid.UUID, Answer], int]:
    """Every question answered, ``yes`` core ones "yes" by how common each concern is."""
    core = [q for q in checklist.questions if q.section == "core"]
    weighted = []
    for question in core:
        weight = YES_WEIGHTS.get(question.code, 0.3)
        if question.code in CHILD_CODES and not facts.children:
            weight = 0.0
        if weight > 0:
            weighted.append((ctx.rng.random() ** (1.0 / weight), question.id))
    chosen = {qid for _, qid in sorted(weighted, reverse=True)[:yes]}
    answers = {}
    screened = {
        "core",
        *(["stalking"] if IncidentType.STALKING_HARASSMENT in facts.types else []),
        *(["honour"] if IncidentType.HONOUR_BASED in facts.types else []),
    }
    for question in checklist.questions:
        if question.section not in screened:
            continue  # an optional section not used: see the module's notes
        if question.id in chosen:
            answers[question.id] = Answer.YES
        elif question.section == "core":
            answers[question.id] = Answer.NOT_KNOWN if ctx.chance(0.1) else Answer.NO
        else:
            answers[question.id] = Answer.YES if ctx.chance(0.5) else Answer.NO
    return answers, len(chosen)


def assessment(
    ctx: Context,
    facts: CaseFacts,
    checklist: Checklist,
    *,
    day: date,
    agency: AgencyInfo,
    yes: int,
    judged: bool,
) -> tuple[int, rules.RiskLevel]:
    """A completed checklist; returns its core "yes" count and final level."""
    row_id = ctx.new_id()
    answers, core_yes = _answers(ctx, facts, checklist, yes)
    judged_level = rules.RiskLevel.HIGH if judged else None
    final = rules.final_level(core_yes, judged_level)
    ctx.batch.add(
        "risk_assessment",
        {
            "id": row_id,
            "case_id": facts.id,
            "version_id": checklist.version_id,
            "completed_by_id": ctx.rng.choice(agency.users),
            "agency_id": agency.id,
            "completed_on": day,
            "victim_present": ctx.chance(0.85),
            "yes_count": core_yes,
            "scored_level": rules.risk_band(core_yes).value,
            "judged_level": judged_level.value if judged_level else None,
            "final_level": final.value,
            "yes_factors": yes_factors_text(
                q.factor for q in checklist.questions if answers.get(q.id) is Answer.YES
            ),
            "judgement_reason_ct": ctx.sealer.seal(
                RiskAssessment, "judgement_reason", row_id, words.JUDGEMENT if judged else None
            ),
            "is_demo": True,
            "created_at": ctx.at(day, earliest_hour=9, latest_hour=17),
        },
    )
    # About 35 answers an assessment: the most rows of any table, so the loop is kept lean.
    rows = ctx.batch.table("risk_answer")
    new_id, chance, seal = ctx.new_id, ctx.chance, ctx.sealer.seal
    for question_id, answer in answers.items():
        answer_id = new_id()
        noted = answer is Answer.YES and chance(0.03)
        rows.append(
            {
                "id": answer_id,
                "assessment_id": row_id,
                "question_id": question_id,
                "answer": _ANSWER_VALUES[answer],
                "note_ct": seal(RiskAnswer, "note", answer_id, words.JUDGEMENT) if noted else None,
            },
        )
    return core_yes, final


@dataclass
class Written:
    """What one case added that the summary reports."""

    hearings: int = 0
    repeats: int = 0


def write_case(
    ctx: Context,
    calendar: Calendar,
    area: AreaInfo,
    checklist: Checklist,
    *,
    incidents: int,
    reference: Callable[[int], str],
) -> Written:
    """All the rows of one case with exactly ``incidents`` incidents."""
    rng = ctx.rng
    hearings = hearing_count(ctx, incidents)
    gaps = [int(rng.triangular(7, 300, 30)) for _ in range(max(0, hearings - 1))]
    delays = [rng.randint(0, 6) for _ in gaps]
    earliest = ctx.start + timedelta(days=14)
    # A repeat follows the previous hearing, which is at most 18 days after its referral.
    while gaps and (ctx.today - earliest).days - 1 < sum(gaps) + sum(delays) + 18 * len(gaps):
        gaps.pop()
        delays.pop()
        hearings -= 1
    span = sum(gaps) + sum(delays) + 18 * len(gaps)
    first_referral = ctx.day_between(earliest, ctx.today - timedelta(days=1 + span))

    # One incident triggers each repeat; a fifth of the others join a repeat, the rest come first.
    extra_for_repeat = [0] * len(gaps)
    prior_count = incidents - len(gaps)
    for _ in range(max(0, prior_count - 1)):
        if gaps and ctx.chance(0.2):
            extra_for_repeat[rng.randrange(len(gaps))] += 1
            prior_count -= 1
    if hearings:
        history = max(1, min(540, (first_referral - ctx.start).days))
        prior = sorted(
            first_referral - timedelta(days=int(rng.triangular(1, history, 1)))
            for _ in range(prior_count)
        )
    else:
        prior = sorted(ctx.day_between(ctx.start, ctx.today) for _ in range(prior_count))

    first_referrer = agency_of(ctx, area, REFERRERS)
    # The agency that opened the case usually refers it; sometimes the police open it first.
    owner = first_referrer if ctx.chance(0.7) else agency_of(ctx, area, REPORTERS)
    opened = max(ctx.start, min([*prior[:1], first_referral - timedelta(days=3)]))
    facts = _people(ctx, area, owner, ctx.at(opened, earliest_hour=8, latest_hour=18))
    for day in prior:
        incident(ctx, facts, max(day, ctx.start))

    written = Written()
    statuses: list[ActionStatus] = []
    level: rules.RiskLevel | None = None
    last_meeting: MeetingInfo | None = None
    submitted, referrer = first_referral, first_referrer
    for number in range(hearings):
        if number and last_meeting is not None:  # every earlier referral was heard
            trigger = last_meeting.held_on + timedelta(days=gaps[number - 1])
            submitted = trigger + timedelta(days=delays[number - 1])
            incident(ctx, facts, trigger)
            for _ in range(extra_for_repeat[number - 1]):
                incident(ctx, facts, ctx.day_between(trigger, submitted))
            referrer = agency_of(ctx, area, REFERRERS)
        referral_id, level, meeting, is_repeat = _referral(
            ctx, calendar, facts, checklist, day=submitted, agency=referrer, repeat=number > 0
        )
        if meeting is None:  # still waiting for triage
            last_meeting = None
            break
        written.hearings += 1
        written.repeats += is_repeat
        children = facts.children > 0
        meetings.research(ctx, area, meeting, facts.id, children=children)
        statuses += meetings.actions(ctx, area, meeting, facts.id, children=children)
        last_meeting = meeting
        if number == 0 and ctx.chance(0.02):
            # A second agency referred the same victim; triage merged it into the first.
            _referral_row(
                ctx,
                facts,
                ctx.new_id(),
                day=submitted,
                agency=agency_of(ctx, area, REFERRERS),
                criteria=set(),
                yes=None,
                status=ReferralStatus.DUPLICATE,
                duplicate_of=referral_id,
            )
    if not hearings:
        # Assessed below the threshold; now and then referred anyway and returned at triage.
        assessed = ctx.day_between(prior[-1] if prior else opened, ctx.today)
        yes, level = assessment(
            ctx,
            facts,
            checklist,
            day=assessed,
            agency=first_referrer,
            yes=rng.randint(3, 13),
            judged=False,
        )
        if assessed < ctx.today - timedelta(days=TRIAGE_BACKLOG_DAYS) and ctx.chance(0.5):
            _referral_row(
                ctx,
                facts,
                ctx.new_id(),
                day=assessed,
                agency=first_referrer,
                criteria={rules.Criterion.PROFESSIONAL_JUDGEMENT},
                yes=yes,
                status=ReferralStatus.RETURNED,
            )
    status, closed = _status(ctx, hearings, last_meeting, statuses)
    row: dict[str, Any] = {
        "id": facts.id,
        "reference": reference(opened.year),
        "area_id": area.id,
        "owning_agency_id": owner.id,
        "referring_agency_id": first_referrer.id
        if hearings and first_referrer is not owner
        else None,
        "idva_agency_id": facts.idva.id if facts.idva else None,
        "lead_practitioner_id": rng.choice(owner.users),
        "victim_id": facts.victim,
        "status": status.value,
        "risk_level": level.value if level else None,
        "is_repeat": any(rules.is_repeat(a, facts.referrals) for a in facts.abuse),
        "opened_on": opened,
        "closed_on": closed,
        "review_on": closed + timedelta(days=6 * 365) if closed else None,
        "is_demo": True,
        # Drawn here, after the lead practitioner, as before: a seed keeps its data.
        "created_at": ctx.at(opened, earliest_hour=8, latest_hour=18),
    }
    row["last_activity_at"] = _last_activity(
        cast(datetime, row["created_at"]), last_meeting, closed
    )
    ctx.batch.add("marac_case", row)
    return written


def _last_activity(
    created: datetime, last_meeting: MeetingInfo | None, closed: date | None
) -> datetime:
    """The case's last activity: its closure, else its last meeting, else its opening."""
    latest = closed or (last_meeting.held_on if last_meeting is not None else None)
    if latest is None or latest <= created.date():
        return created
    return datetime.combine(latest, time(17, 0), tzinfo=UTC)


def _status(
    ctx: Context,
    hearings: int,
    last_meeting: MeetingInfo | None,
    actions: list[ActionStatus],
) -> tuple[CaseStatus, date | None]:
    if not hearings:
        return CaseStatus.OPEN, None
    if last_meeting is None or not last_meeting.held:
        return CaseStatus.REFERRED, None
    if ActionStatus.OPEN in actions:
        return CaseStatus.ACTIONS_OPEN, None
    if last_meeting.held_on < ctx.today - timedelta(days=90):
        return CaseStatus.CLOSED, ctx.day_between(
            last_meeting.held_on + timedelta(days=45), last_meeting.held_on + timedelta(days=90)
        )
    return CaseStatus.HEARD, None


def _people(ctx: Context, area: AreaInfo, agency: AgencyInfo, created: datetime) -> CaseFacts:
    """The victim, one perpetrator (sometimes two, sometimes known from another case), children."""
    rng = ctx.rng
    case_id = ctx.new_id()
    victim, family, ethnic = people.victim(ctx, agency=agency.id, created=created)
    perpetrators = []
    for _ in range(2 if ctx.chance(0.07) else 1):
        if area.perpetrators and ctx.chance(0.04):
            person = rng.choice(area.perpetrators)
        else:
            person = people.perpetrator(ctx, agency=agency.id, created=created)
            area.perpetrators.append(person)
            if len(area.perpetrators) > 500:
                del area.perpetrators[0]
        if person in perpetrators:
            continue
        perpetrators.append(person)
        ctx.batch.add(
            "case_perpetrator",
            {
                "id": ctx.new_id(),
                "case_id": case_id,
                "person_id": person,
                "relationship_to_victim": people.pick(ctx, RELATIONSHIPS).value,
                "created_at": created,
            },
        )
    children = people.pick(ctx, CHILDREN)
    for _ in range(children):
        child, born = people.child(
            ctx, family=family, ethnic=ethnic, agency=agency.id, created=created
        )
        row_id = ctx.new_id()
        at_school = 4 <= (ctx.today - born).days // 365 <= 16
        ctx.batch.add(
            "case_child",
            {
                "id": row_id,
                "case_id": case_id,
                "person_id": child,
                "school_ct": ctx.sealer.seal(CaseChild, "school", row_id, words.SCHOOL)
                if at_school
                else None,
                "lives_in_household": ctx.chance(0.9),
                "created_at": created,
            },
        )
    idva = area.first(AgencyKind.IDVA_SERVICE) if ctx.chance(0.9) else None
    return CaseFacts(case_id, area, victim, perpetrators, children, idva)


def _referral(
    ctx: Context,
    calendar: Calendar,
    facts: CaseFacts,
    checklist: Checklist,
    *,
    day: date,
    agency: AgencyInfo,
    repeat: bool,
) -> tuple[uuid.UUID, rules.RiskLevel, MeetingInfo | None, bool]:
    """Assessment, referral and (once triaged) the hearing.

    Returns the referral's id, the level, the meeting and whether the repeat rule
    made it a repeat referral (``repeat`` only says the story meant it as one).
    """
    rng = ctx.rng
    high = ctx.chance(0.45 if repeat else 0.62)
    wanted = rng.randint(14, 22) if high else rng.randint(4 if repeat else 5, 13)
    escalating = rules.potential_escalation(facts.incident_days, day)
    # Below the threshold a first referral needs escalation or a practitioner's judgement.
    judged = not repeat and wanted < rules.DEFAULTS.high_from and not escalating
    assessed = max(ctx.start, day - timedelta(days=rng.randint(0, 3)))
    yes, level = assessment(
        ctx, facts, checklist, day=assessed, agency=agency, yes=wanted, judged=judged
    )
    criteria = rules.criteria_met(
        on=day,
        yes_count=yes,
        judged=rules.RiskLevel.HIGH if judged else None,
        incidents=facts.abuse,
        referrals=facts.referrals,
    )
    is_repeat = rules.Criterion.REPEAT in criteria
    row_id = ctx.new_id()
    waiting = day >= ctx.today - timedelta(days=TRIAGE_BACKLOG_DAYS)
    facts.referrals.append(
        rules.PastReferral(day, accepted=not waiting, perpetrators=frozenset(facts.perpetrators))
    )
    meeting = None if waiting else calendar.hearing_for(facts.area, day)
    _referral_row(
        ctx,
        facts,
        row_id,
        day=day,
        agency=agency,
        criteria=criteria,
        yes=yes,
        repeat=is_repeat,
        status=ReferralStatus.SUBMITTED if waiting else ReferralStatus.ACCEPTED,
        meeting=meeting,
    )
    if meeting is not None:
        meeting.items += 1
        item_id = ctx.new_id()
        held = meeting.held
        ctx.batch.add(
            "agenda_item",
            {
                "id": item_id,
                "meeting_id": meeting.id,
                "case_id": facts.id,
                "referral_id": row_id,
                "position": meeting.items,
                "is_repeat": is_repeat,
                "from_area": None,
                "discussion_ct": ctx.sealer.seal(
                    AgendaItem, "discussion", item_id, words.DISCUSSION if held else None
                ),
                "agreed_risk": level.value if held else None,
                "heard_at": ctx.at(meeting.held_on, earliest_hour=10, latest_hour=13)
                if held
                else None,
                "heard_by_id": facts.area.chair if held else None,
                "outcome": "heard" if held else None,
            },
        )
    return row_id, level, meeting, is_repeat


def _referral_row(
    ctx: Context,
    facts: CaseFacts,
    row_id: uuid.UUID,
    *,
    day: date,
    agency: AgencyInfo,
    criteria: set[rules.Criterion],
    yes: int | None,
    status: ReferralStatus,
    repeat: bool = False,
    meeting: MeetingInfo | None = None,
    duplicate_of: uuid.UUID | None = None,
) -> None:
    consent: Consent = people.pick(ctx, CONSENT)
    overridden = consent is Consent.OVERRIDDEN
    triaged = status is not ReferralStatus.SUBMITTED
    seal = ctx.sealer.seal
    ctx.batch.add(
        "referral_duplicate" if duplicate_of else "referral",
        {
            "id": row_id,
            "case_id": facts.id,
            "area_id": facts.area.id,
            "referring_agency_id": agency.id,
            "referred_by_id": ctx.rng.choice(agency.users),
            "status": status.value,
            "submitted_on": day,
            "criteria": sorted(c.value for c in criteria),
            "yes_count": yes,
            "is_repeat": repeat,
            "consent": consent.value,
            "consent_reason_ct": seal(
                Referral, "consent_reason", row_id, words.CONSENT_REASON if overridden else None
            ),
            "consent_decided_by_ct": seal(
                Referral,
                "consent_decided_by",
                row_id,
                "Synthetic IDVA service manager" if overridden else None,
            ),
            "risks_ct": seal(Referral, "risks", row_id, words.RISKS),
            "safety_measures_ct": seal(Referral, "safety_measures", row_id, words.SAFETY),
            "judgement_reason_ct": seal(
                Referral,
                "judgement_reason",
                row_id,
                words.JUDGEMENT if rules.Criterion.PROFESSIONAL_JUDGEMENT in criteria else None,
            ),
            "has_idva": facts.idva is not None,
            "refer_to_idva": facts.idva is None and ctx.chance(0.5),
            "returned_reason_ct": seal(
                Referral,
                "returned_reason",
                row_id,
                words.RETURNED if status is ReferralStatus.RETURNED else None,
            ),
            "meeting_id": meeting.id if meeting else None,
            "duplicate_of_id": duplicate_of,
            "triaged_by_id": facts.area.coordinator if triaged else None,
            "triaged_at": ctx.at(day + timedelta(days=ctx.rng.randint(0, 3)), earliest_hour=9)
            if triaged
            else None,
            "is_demo": True,
            "created_at": ctx.at(day, earliest_hour=8, latest_hour=18),
        },
    )
