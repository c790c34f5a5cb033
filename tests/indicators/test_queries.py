"""The SQL indicators on a small area built through the real services, with known answers.

Runs on every backend the ``db`` fixture offers. The story, in Testshire:

- A: referred on 6 Oct 2025; further abuse on 6 Oct 2026 (12 calendar months on, the
  window's last day) and referred again that day: a repeat.
- B: referred on 5 Oct 2025, perpetrator P. An alcohol incident 14 days later by a new
  partner (365 days before the hearing: counts under alcohol), and P again on 6 Oct
  2026, a day after the window closed; referred again that day: not a repeat.
- C: a first referral; male, Asian, disabled, LGBT+, 16; a perpetrator of 17.
- D: an earlier referral was returned, then an incident: not a repeat. E: referred in
  March 2026, an incident in May, referred again in November: a repeat. G: earlier
  referrals returned or merged: not a repeat.
- F: on the agenda of a meeting not yet held: not counted.
- X: a case heard in another area.

A, B and C are heard on 19 Oct 2026 (meeting 1), D, E and G on 16 Nov (meeting 2).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

import pytest
from sqlalchemy import func, select, text

from benchmarks.hand_written_sql import hand_written_params, hand_written_sql
from emarac.actions import services as actions
from emarac.actions.models import ActionStatus
from emarac.cases import services as case_services
from emarac.cases.models import Relationship
from emarac.incidents.models import IncidentType
from emarac.incidents.services import IncidentDetails, record_incident
from emarac.indicators import queries, report
from emarac.indicators.definitions import (
    CRITERIA,
    FACTORS,
    ActionsOnTime,
    AgendaOutcomes,
    AttendanceRate,
    DaysToHearing,
    FactorCounts,
    QuarterlyReturn,
    ReferralsByAgency,
    ReferralSources,
    RepeatQuarter,
    RepeatRate,
    ResearchResponse,
    ReturnDetails,
    Volume,
)
from emarac.indicators.periods import Filters, parse_period, quarter_containing, quarters_between
from emarac.meetings import services as meetings
from emarac.meetings.models import AgendaItem, MeetingStatus
from emarac.people.models import EthnicGroup, Gender, YesNoUnknown
from emarac.people.services import PersonDetails, create_person
from emarac.referrals import services as referrals
from emarac.referrals.models import Consent, Referral
from emarac.risk import area_settings
from emarac.risk import services as risk
from emarac.risk.models import Answer
from emarac.risk.return_sources import SOURCE_CODES
from emarac.risk.rules import Criterion
from tests.indicators import oracle, rows

Q4 = parse_period("2026-Q4")
# Every referral of the story is made on professional judgement; two are repeats.
EXPECTED_CRITERIA = {
    "visible_high_risk": 0,
    "professional_judgement": 6,
    "potential_escalation": 0,
    "repeat": 2,
}


@dataclass
class World:
    testshire: Any
    police: Any
    elsewhere_police: Any
    meeting_1: Any
    meeting_2: Any


class Builder:
    """Moves the clock and calls the services the way the pages would."""

    def __init__(self, db: Any, make: Any, clock: Any) -> None:
        self.db, self.make, self.clock = db, make, clock

    def on(self, day: date) -> None:
        self.clock.now = datetime.combine(day, time(9), UTC)

    def case(self, by: Any, day: date, **details: Any) -> Any:
        self.on(day)
        details.setdefault("gender", Gender.FEMALE)
        victim = create_person(
            PersonDetails(given_name="Synthetic", family_name="Victim", **details),
            by=by,
            role="victim",
        )
        return case_services.open_case(by=by, victim=victim)

    def refer(self, case: Any, by: Any, day: date) -> Any:
        self.on(day)
        criteria = referrals.criteria_for(case) | {Criterion.PROFESSIONAL_JUDGEMENT}
        return referrals.refer_case(
            case,
            by=by,
            data=referrals.ReferralInput(
                criteria=criteria,
                consent=Consent.GIVEN,
                risks="Synthetic",
                safety_measures="",
                judgement_reason="Synthetic",
            ),
        )

    def meeting(self, coordinator: Any, held_on: date, *accepted: Any) -> Any:
        meeting = meetings.create_meeting(by=coordinator, held_on=held_on)
        for referral in accepted:
            referrals.accept(referral, by=coordinator, meeting=meeting)
        meetings.release_agenda(meeting, by=coordinator)
        return meeting

    def held(self, meeting: Any, status: MeetingStatus) -> None:
        # The conference service is being written elsewhere; the status is all we need.
        meeting.status = status
        self.db.session.commit()

    def person(
        self, case: Any, by: Any, *, child: bool = False, at_home: bool = True, **details: Any
    ) -> Any:
        person = create_person(
            PersonDetails(given_name="Synthetic", family_name="Person", **details),
            by=by,
            role="child" if child else "perpetrator",
        )
        if child:
            case_services.add_child(
                case, by=by, person=person, school=None, lives_in_household=at_home
            )
        else:
            case_services.add_perpetrator(
                case, by=by, person=person, relationship=Relationship.EX_PARTNER
            )
        return person

    def incident(
        self, case: Any, by: Any, at: datetime, *, alcohol: bool = True, perpetrator: Any = None
    ) -> None:
        record_incident(
            by=by,
            victim=case.victim,
            details=IncidentDetails(
                occurred_at=at,
                types={IncidentType.PHYSICAL},
                alcohol_or_drugs=alcohol,
                perpetrator=perpetrator,
            ),
        )

    def assessment(self, case: Any, by: Any, completed_on: date, *yes: str) -> None:
        version = risk.current_checklist()
        answers = {q.id: Answer.YES if q.code in yes else Answer.NO for q in version.questions}
        risk.record_assessment(
            case,
            by=by,
            version=version,
            data=risk.AssessmentInput(
                completed_on=completed_on, victim_present=True, answers=answers
            ),
        )

    def action(self, coordinator: Any, case: Any, meeting: Any, owner: Any, due: date) -> Any:
        return actions.add_action(
            case,
            by=coordinator,
            meeting=meeting,
            owner_agency_id=owner.agency_id,
            description="Synthetic",
            due_on=due,
        )

    def finish(self, action: Any, by: Any, day: date, status: ActionStatus) -> None:
        self.on(day)
        actions.update_action(action, by=by, status=status, note="Synthetic")


@pytest.fixture
def world(db, make, clock) -> World:
    """The Testshire story above, plus one case heard in another area."""
    build = Builder(db, make, clock)
    area = "Testshire MARAC"
    police = make.user(agency=make.agency(kind="police", area=area))
    health = make.user(agency=make.agency(kind="health", area=area))
    idva = make.user(agency=make.agency(kind="idva_service", area=area))
    housing = make.user(agency=make.agency(kind="housing", area=area))
    coordinator = make.user(
        agency=make.agency(kind="other", area=area), roles=("coordinator", "practitioner")
    )

    b = build.case(police, date(2025, 10, 5))
    b_perpetrator = build.person(b, police)
    b1 = build.refer(b, police, date(2025, 10, 5))
    a = build.case(health, date(2025, 10, 6))
    a1 = build.refer(a, health, date(2025, 10, 6))
    meeting_0 = build.meeting(coordinator, date(2025, 10, 20), a1, b1)
    build.held(meeting_0, MeetingStatus.CLOSED)
    new_partner = create_person(
        PersonDetails(given_name="Synthetic", family_name="Partner"), by=police, role="perpetrator"
    )
    # 365 days before the hearing; inside B's window, but by someone new.
    build.incident(b, police, datetime(2025, 10, 19, 21, 0, tzinfo=UTC), perpetrator=new_partner)

    e = build.case(police, date(2026, 3, 1))
    e1 = build.refer(e, police, date(2026, 3, 1))
    build.held(build.meeting(coordinator, date(2026, 3, 16), e1), MeetingStatus.MINUTED)
    build.incident(e, police, datetime(2026, 5, 1, 12, 0, tzinfo=UTC))

    d = build.case(housing, date(2026, 1, 10), estimated_age=17, ethnic_group=EthnicGroup.BLACK)
    referrals.return_to_referrer(
        build.refer(d, housing, date(2026, 1, 10)), by=coordinator, reason="More detail"
    )
    build.incident(d, housing, datetime(2026, 2, 1, 12, 0, tzinfo=UTC), alcohol=False)
    g = build.case(coordinator, date(2026, 6, 1))
    g0 = build.refer(g, coordinator, date(2026, 6, 1))
    referrals.return_to_referrer(g0, by=coordinator, reason="More detail")
    referrals.mark_duplicate(build.refer(g, coordinator, date(2026, 6, 1)), of=g0, by=coordinator)

    c = build.case(
        idva,
        date(2026, 9, 28),
        date_of_birth=date(2010, 1, 15),
        gender=Gender.MALE,
        ethnic_group=EthnicGroup.ASIAN,
        disability=YesNoUnknown.YES,
        lgbt=YesNoUnknown.YES,
    )
    build.person(c, idva, date_of_birth=date(2009, 6, 1))  # 17 at a 2026 hearing
    build.person(c, idva, child=True, date_of_birth=date(2020, 2, 2))
    build.person(c, idva, child=True, at_home=False)
    # An alcohol incident at 23:30 UTC, 366 days before the hearing by its UTC date.
    build.incident(c, idva, datetime(2025, 10, 18, 23, 30, tzinfo=UTC))
    c1 = build.refer(c, idva, date(2026, 9, 28))
    build.person(a, health, date_of_birth=date(1985, 1, 1))
    build.person(a, health, child=True, date_of_birth=date(2018, 1, 1))
    build.person(a, health, child=True, date_of_birth=date(2021, 1, 1))
    build.assessment(a, health, date(2026, 10, 1), "pregnancy", "perpetrator_problems")
    build.assessment(c, idva, date(2026, 10, 25), "separation")  # after the hearing

    build.on(date(2026, 10, 6))
    build.incident(a, health, datetime(2026, 10, 6, 7, 0, tzinfo=UTC), alcohol=False)
    build.incident(
        b,
        police,
        datetime(2026, 10, 6, 7, 0, tzinfo=UTC),
        alcohol=False,
        perpetrator=b_perpetrator,
    )
    a2 = build.refer(a, health, date(2026, 10, 6))
    b2 = build.refer(b, police, date(2026, 10, 6))
    meeting_1 = build.meeting(coordinator, date(2026, 10, 19), a2, b2, c1)
    for by, case in ((health, a), (police, b), (idva, c), (police, a)):
        meetings.save_research(
            meeting_1,
            case.id,
            by=by,
            no_information=True,
            about_victim=None,
            about_perpetrator=None,
            about_children=None,
        )
    build.on(meeting_1.held_on)  # people join a meeting on its day
    for by in (police, health, coordinator):
        meetings.accept_confidentiality(meeting_1, by=by)
    build.held(meeting_1, MeetingStatus.MINUTED)

    d1 = build.refer(d, housing, date(2026, 11, 2))
    e2 = build.refer(e, police, date(2026, 11, 2))
    g2 = build.refer(g, coordinator, date(2026, 11, 2))
    meeting_2 = build.meeting(coordinator, date(2026, 11, 16), d1, e2, g2)
    meetings.save_research(
        meeting_2,
        d.id,
        by=housing,
        no_information=True,
        about_victim=None,
        about_perpetrator=None,
        about_children=None,
    )
    build.on(meeting_2.held_on)
    meetings.accept_confidentiality(meeting_2, by=housing)
    build.held(meeting_2, MeetingStatus.CLOSED)

    f = build.case(police, date(2026, 11, 2))
    build.meeting(coordinator, date(2026, 12, 14), build.refer(f, police, date(2026, 11, 2)))

    build.on(date(2026, 10, 19))
    on_time = build.action(coordinator, a, meeting_1, health, date(2026, 10, 30))
    late = build.action(coordinator, b, meeting_1, police, date(2026, 11, 5))
    build.action(coordinator, c, meeting_1, idva, date(2026, 12, 1))
    cannot = build.action(coordinator, d, meeting_2, housing, date(2026, 12, 10))
    build.action(coordinator, e, meeting_2, police, date(2027, 1, 10))
    build.finish(on_time, health, date(2026, 10, 29), ActionStatus.DONE)
    build.finish(late, police, date(2026, 11, 10), ActionStatus.DONE)
    build.finish(cannot, housing, date(2026, 12, 1), ActionStatus.CANNOT)

    elsewhere_police = make.user(agency=make.agency(kind="police", area="Elsewhere MARAC"))
    elsewhere_coordinator = make.user(
        agency=make.agency(kind="other", area="Elsewhere MARAC"), roles=("coordinator",)
    )
    x = build.case(elsewhere_police, date(2026, 10, 1))
    x1 = build.refer(x, elsewhere_police, date(2026, 10, 1))
    build.held(
        build.meeting(elsewhere_coordinator, date(2026, 10, 12), x1), MeetingStatus.IN_SESSION
    )
    return World(police.agency.area, police.agency, elsewhere_police.agency, meeting_1, meeting_2)


@pytest.fixture
def conn(db, world):
    """A Core connection, as the dashboard and the benchmark use.

    Each statement commits, as the dashboard's request does at its end: an
    indicator brings the kept facts up to date first (``facts.refresh``), and a
    connection left holding that write would stop the services writing more.
    """
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        yield connection


def in_testshire(world: World, period: Any = Q4, **more: Any) -> Filters:
    return Filters.for_period(period, area_id=world.testshire.id, **more)


def test_cases_heard_and_repeats(world, conn):
    filters = in_testshire(world)
    volume = queries.cases_heard(conn, filters, population=20_000)
    assert (volume.heard, volume.days) == (6, 92)
    assert volume.per_10000_women == pytest.approx(6 / 20_000 * 10_000 * 365 / 92)

    rate = queries.repeat_rate(conn, filters)
    assert (rate.heard, rate.repeats) == (6, 2)  # A (the window's last day) and E
    assert [(q.quarter, q.heard, q.repeats) for q in rate.by_quarter] == [("2026-Q4", 6, 2)]

    year = queries.repeat_rate(conn, Filters(date(2026, 1, 1), date(2026, 12, 31)))
    assert [(q.quarter, q.heard, q.repeats) for q in year.by_quarter] == [
        ("2026-Q1", 1, 0),
        ("2026-Q2", 0, 0),
        ("2026-Q3", 0, 0),
        ("2026-Q4", 7, 2),
    ]
    police = queries.repeat_rate(conn, in_testshire(world, referring_agency_id=world.police.id))
    assert (police.heard, police.repeats) == (2, 1)  # B and E


def test_the_stored_flags_agree_with_the_dashboard(world, conn):
    # The flags were set by the services as the story happened; the dashboard works
    # the repeats out from history afterwards. One rule, so one answer.
    flagged = conn.scalar(
        select(func.count())
        .select_from(AgendaItem)
        .join(Referral, Referral.id == AgendaItem.referral_id)
        .where(
            AgendaItem.meeting_id.in_([world.meeting_1.id, world.meeting_2.id]),
            Referral.is_repeat.is_(True),
        )
    )
    assert flagged == queries.repeat_rate(conn, in_testshire(world)).repeats == 2


def test_quarterly_return_and_factors(world, conn):
    (q4,) = queries.quarterly_return(conn, in_testshire(world))
    assert q4 == oracle.QuarterlyReturn(
        quarter="2026-Q4",
        meetings=2,
        cases_discussed=6,
        repeat_cases=2,
        children=3,
        referrals=ReferralSources(police=2, idva=1, health=1, housing=1, others=1),
        victims_bame=2,
        victims_lgbt=1,
        victims_disabled=1,
        victims_male=1,
        victims_aged_16_17=2,
        perpetrators_17_or_under=1,
    )
    assert q4.referrals.not_police_percent == pytest.approx(400 / 6)

    (factors,) = queries.factors(conn, in_testshire(world))
    assert factors.heard == 6
    assert factors.as_dict() == {
        "perpetrator_alcohol": 0,
        "perpetrator_drugs": 0,
        "perpetrator_mental_health": 0,
        "abuser_problems_checklist": 1,  # A's one answer about all three
        "incident_alcohol_or_drugs": 2,  # B and E by incidents
        "victim_alcohol": 0,
        "victim_drugs": 0,
        "victim_mental_health": 0,
        "pregnancy": 1,
        "separation": 0,  # C's answer came after the hearing
        "child_contact": 0,
        "financial_dependence": 0,
    }


def test_process_measures_and_referrals_by_agency(world, conn):
    filters = in_testshire(world)
    # Waits of 13, 13, 21 (meeting 1) and 14, 14, 14 (meeting 2) days.
    assert queries.days_to_hearing(conn, filters) == DaysToHearing(6, median=14, p90=21)
    # With the other area's 11 days: n = 7, ranks 4 and 7.
    everywhere = Filters.for_period(Q4)
    assert queries.days_to_hearing(conn, everywhere) == DaysToHearing(7, median=14, p90=21)

    assert queries.actions_on_time(conn, filters) == oracle.ActionsOnTime(
        due=4, on_time=1, late=1, cannot=1, still_open=1
    )
    police = in_testshire(world, referring_agency_id=world.police.id)
    assert queries.actions_on_time(conn, police) == oracle.ActionsOnTime(1, 0, 1, 0, 0)

    # Five agencies are invited to each Testshire meeting; three came to the first, one
    # to the second. The other area's meeting invited its two agencies; nobody signed in.
    assert queries.attendance(conn, filters) == oracle.AttendanceRate(2, 10, 4)
    assert queries.attendance(conn, everywhere) == oracle.AttendanceRate(3, 12, 4)
    # Three cases x five agencies at each meeting; four sections, then one.
    assert queries.research_response(conn, filters) == oracle.ResearchResponse(30, 5)
    assert queries.research_response(conn, everywhere) == oracle.ResearchResponse(32, 5)

    result = queries.referrals_by_agency(conn, filters)
    # Police: B, E, F; then health (A), IDVA (C is 28 September, outside), housing (D),
    # and the coordinator's agency (G; its returned and merged referrals are not counted).
    counts = sorted(n for _, n in result.counts)
    assert counts == [1, 1, 1, 3]
    assert result.counts[0] == (world.police.id, 3)


def test_the_python_rules_and_the_hand_written_sql_agree(world, conn):
    _all_agree(world, conn)


def test_deferred_and_withdrawn_cases_are_not_heard_anywhere(world, conn, db):
    """Two of meeting 1's cases set aside: every count of hearings leaves them out."""
    filters = in_testshire(world)
    before = queries.INDICATORS["quarterly_return"](conn, filters)
    assert queries.agenda_outcomes(conn, filters) == AgendaOutcomes(deferred=0, withdrawn=0)
    items = sorted(world.meeting_1.items, key=lambda i: str(i.id))[:2]
    for item, outcome in zip(items, ("deferred", "withdrawn"), strict=True):
        item.outcome, item.heard_at = outcome, None
    db.session.commit()

    assert queries.cases_heard(conn, filters).heard == 6 - 2
    assert queries.repeat_rate(conn, filters).heard == 6 - 2
    assert queries.agenda_outcomes(conn, filters) == AgendaOutcomes(deferred=1, withdrawn=1)
    (after,) = queries.quarterly_return(conn, filters)
    assert after.cases_discussed == before[0].cases_discussed - 2
    research = queries.research_response(conn, filters)
    assert research.expected == 30 - 2 * 5  # five agencies invited per case heard
    # Another area's figures are its own.
    elsewhere = Filters.for_period(Q4, area_id=world.elsewhere_police.area_id)
    assert queries.agenda_outcomes(conn, elsewhere) == AgendaOutcomes(0, 0)
    _all_agree(world, conn)

    # The dashboard counts them, suppressed as every other small number is.
    board = report.build(
        conn, Q4, area_id=world.testshire.id, referring_agency_id=None, population=None
    )
    process = {row[0]: row[1:] for row in board.process.rows}
    assert process["Cases deferred to the next meeting"] == ("<5", "Not counted as heard")
    assert process["Cases withdrawn"] == ("<5", "Not counted as heard")


def _all_agree(world: World, conn: Any) -> None:
    for filters in (
        in_testshire(world),
        Filters.for_period(Q4),
        Filters(date(2025, 1, 1), date(2026, 12, 31)),
        in_testshire(world, referring_agency_id=world.police.id),
    ):
        data = rows.load(conn, filters)
        for name, indicator in queries.INDICATORS.items():
            assert indicator(conn, filters) == oracle.INDICATORS[name](data, filters), name

    if conn.dialect.name != "postgresql":
        return  # the hand-written statements are PostgreSQL's
    for filters in (
        Filters.for_period(Q4),
        in_testshire(world),
        Filters(date(2025, 1, 1), date(2026, 12, 31)),
        in_testshire(world, referring_agency_id=world.police.id),
    ):
        for name in queries.INDICATORS:
            assert hand_written_sql(name) is not None, name
            assert _by_hand(conn, name, filters) == queries.INDICATORS[name](conn, filters), (
                name,
                filters,
            )


def _by_hand(conn, name: str, filters: Filters) -> object:
    """The indicator's hand-written statement, its rows put into the app's result class."""
    result = conn.execute(text(hand_written_sql(name)), hand_written_params(filters))
    if name == "cases_heard":
        return Volume(heard=result.scalar_one(), days=filters.days)
    if name == "repeat_rate":
        by_code = {quarter_containing(row.quarter_start).code: row for row in result}
        quarters = tuple(
            RepeatQuarter(
                q.code,
                by_code[q.code].heard if q.code in by_code else 0,
                by_code[q.code].repeats if q.code in by_code else 0,
            )
            for q in quarters_between(filters.start, filters.end)
        )
        return RepeatRate(
            sum(q.heard for q in quarters), sum(q.repeats for q in quarters), quarters
        )
    if name == "quarterly_return":
        by_code = {quarter_containing(row[0]).code: [int(v) for v in row[1:]] for row in result}
        returns = []
        for q in quarters_between(filters.start, filters.end):
            n = by_code.get(q.code, [0] * 16)
            returns.append(
                QuarterlyReturn(q.code, *n[:4], ReferralSources(*n[4:10]), *n[10:])  # type: ignore[arg-type]
            )
        return tuple(returns)
    if name == "factors":
        by_code = {quarter_containing(row[0]).code: [int(v) for v in row[1:]] for row in result}
        return tuple(
            FactorCounts(q.code, *by_code.get(q.code, [0] * (1 + len(FACTORS))))
            for q in quarters_between(filters.start, filters.end)
        )
    if name == "days_to_hearing":
        return DaysToHearing(*result.one())
    if name == "actions_on_time":
        return ActionsOnTime(*result.one())
    if name == "attendance":
        return AttendanceRate(*result.one())
    if name == "research_response":
        return ResearchResponse(*result.one())
    if name == "referrals_by_agency":
        return ReferralsByAgency(tuple((agency_id, n) for agency_id, n in result))
    if name == "agenda_outcomes":
        return AgendaOutcomes(*result.one())
    if name == "return_details":
        by_code = {quarter_containing(row[0]).code: [int(v) for v in row[1:]] for row in result}
        sources, criteria = len(SOURCE_CODES), len(CRITERIA)
        details = []
        for q in quarters_between(filters.start, filters.end):
            n = by_code.get(q.code)
            if n is None:
                details.append(ReturnDetails.empty(q.code))
                continue
            details.append(
                ReturnDetails(
                    q.code,
                    tuple(n[:sources]),
                    n[sources],
                    tuple(n[sources + 1 : sources + 1 + criteria]),
                    *n[sources + 1 + criteria :],
                )
            )
        return tuple(details)
    raise AssertionError(f"no reading for {name}")


def test_assessments_keep_the_factor_codes_answered_yes(world, db):
    from sqlalchemy import select

    from emarac.risk.models import ChecklistQuestion, RiskAnswer, RiskAssessment

    for assessment in db.session.scalars(select(RiskAssessment)):
        yes_codes = db.session.scalars(
            select(ChecklistQuestion.factor)
            .join(RiskAnswer, RiskAnswer.question_id == ChecklistQuestion.id)
            .where(
                RiskAnswer.assessment_id == assessment.id,
                RiskAnswer.answer == Answer.YES,
                ChecklistQuestion.factor.is_not(None),
            )
        ).all()
        expected = "," + ",".join(sorted(set(yes_codes))) + "," if yes_codes else ""
        assert assessment.yes_factors == expected


def test_the_return_details_follow_the_areas_own_sources(world, conn, make):
    admin = make.user(roles=("system_admin",))
    area_settings.change_sources(admin, world.testshire.id, {"housing": "substance_misuse"})
    (q4,) = queries.return_details(conn, in_testshire(world))
    sources = {code: n for code, n in zip(SOURCE_CODES, q4.sources, strict=True) if n}
    assert sources == {"police": 2, "idva": 1, "health": 1, "substance_misuse": 1, "other": 1}
    assert q4.cases_with_children == 2  # A's two children and C's one at home
    assert dict(zip(CRITERIA, q4.criteria, strict=True)) == EXPECTED_CRITERIA
    # Elsewhere keeps the default mapping.
    (elsewhere,) = queries.return_details(
        conn, Filters.for_period(Q4, area_id=world.elsewhere_police.area_id)
    )
    assert elsewhere.sources[SOURCE_CODES.index("police")] == 1

    year = queries.return_details(
        conn, Filters(date(2026, 1, 1), date(2026, 12, 31), area_id=world.testshire.id)
    )
    # D's referral returned in January; G's returned, and its second merged, in June.
    assert [(d.returned, d.duplicates) for d in year] == [(1, 0), (1, 1), (0, 0), (0, 0)]
    data = rows.load(conn, in_testshire(world))
    assert oracle.return_details(data, in_testshire(world)) == (q4,)
    if conn.dialect.name == "postgresql":
        assert _by_hand(conn, "return_details", in_testshire(world)) == (q4,)


def test_factors_from_the_person_records_agree_three_ways(world, conn, db):
    from sqlalchemy import update

    from emarac.cases.models import Case, CasePerpetrator
    from emarac.people.models import Person

    perpetrators = select(CasePerpetrator.person_id)
    db.session.execute(update(Person).where(Person.id.in_(perpetrators)).values(drugs="yes"))
    first_victim = db.session.scalar(select(Case.victim_id).order_by(Case.reference).limit(1))
    db.session.execute(update(Person).where(Person.id == first_victim).values(mental_health="yes"))
    db.session.commit()
    filters = Filters(date(2025, 1, 1), date(2026, 12, 31), area_id=world.testshire.id)
    counts = queries.factors(conn, filters)
    assert sum(f.perpetrator_drugs for f in counts) > 0
    assert sum(f.victim_mental_health for f in counts) > 0
    assert sum(f.perpetrator_alcohol + f.victim_drugs for f in counts) == 0
    assert counts == oracle.factors(rows.load(conn, filters), filters)
    if conn.dialect.name == "postgresql":
        assert _by_hand(conn, "factors", filters) == counts


def test_each_statement_is_built_once_for_the_same_filters_and_again_for_others(world, conn):
    """A dashboard request reuses the statements of the last one with the same filters
    (``queries._kept``); other filters, and the other database's spelling, get their own."""
    queries._repeat_rate.cache_clear()
    filters = in_testshire(world)
    first = queries.repeat_rate(conn, filters)
    assert queries.repeat_rate(conn, filters) == first
    info = queries._repeat_rate.cache_info()
    assert (info.misses, info.hits) == (1, 1)

    police = queries.repeat_rate(conn, in_testshire(world, referring_agency_id=world.police.id))
    assert (police.heard, police.repeats) == (2, 1)  # not the whole area's (6, 2)
    assert queries._repeat_rate.cache_info().misses == 2
    sqlite = conn.dialect.name == "sqlite"
    days = queries._days_to_hearing
    assert days(filters, sqlite) is days(filters, sqlite)
    assert days(filters, not sqlite) is not days(filters, sqlite)
