"""The indicator oracle on hand-built rows, with every answer worked out here in the test."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from itertools import count

import pytest

from emarac.indicators import definitions
from emarac.indicators.definitions import ReferralSources
from emarac.indicators.periods import Filters, parse_period
from tests.indicators import oracle
from tests.indicators.oracle import (
    ActionRow,
    AttendanceRow,
    ChildRow,
    Dataset,
    FactorAnswerRow,
    HearingRow,
    IncidentRow,
    InviteRow,
    MeetingRow,
    PerpetratorRow,
    PersonFacts,
    ReferralRow,
    ResearchRow,
)

_ids = count(1)


def new_id() -> uuid.UUID:
    return uuid.UUID(int=next(_ids))


AREA = new_id()
OTHER_AREA = new_id()
POLICE = new_id()
HEALTH = new_id()
KINDS = {POLICE: "police", HEALTH: "health"}
Q1 = Filters.for_period(parse_period("2026-Q1"))
UNKNOWN = PersonFacts()


def hearing(
    held_on: date,
    *,
    victim: uuid.UUID | None = None,
    days_waited: int | None = 14,
    meeting: uuid.UUID | None = None,
    status: str = "minuted",
    area: uuid.UUID = AREA,
    referrer: uuid.UUID = POLICE,
    kind: str | None = None,
    facts: PersonFacts = UNKNOWN,
    case: uuid.UUID | None = None,
) -> HearingRow:
    return HearingRow(
        item_id=new_id(),
        meeting_id=meeting or new_id(),
        case_id=case or new_id(),
        victim_id=victim or new_id(),
        area_id=area,
        held_on=held_on,
        meeting_status=status,
        referral_id=None if days_waited is None else new_id(),
        referred_on=None if days_waited is None else held_on - timedelta(days=days_waited),
        referring_agency_id=referrer,
        referrer_kind=kind or KINDS.get(referrer, "other"),
        victim=facts,
    )


def referral(
    victim: uuid.UUID,
    submitted_on: date,
    *,
    status: str = "accepted",
    meeting: uuid.UUID | None = None,
    area: uuid.UUID = AREA,
    agency: uuid.UUID = POLICE,
) -> ReferralRow:
    return ReferralRow(new_id(), victim, area, agency, submitted_on, status, meeting)


def own_referral(h: HearingRow) -> ReferralRow:
    """The referral a hearing came from, as the history holds it."""
    assert h.referral_id is not None
    assert h.referred_on is not None
    return ReferralRow(
        h.referral_id,
        h.victim_id,
        h.area_id,
        h.referring_agency_id or POLICE,
        h.referred_on,
        "accepted",
        h.meeting_id,
    )


# --- repeats ---------------------------------------------------------------------


def abuse(victim: uuid.UUID, on: date, perpetrator: uuid.UUID | None = None) -> IncidentRow:
    return IncidentRow(victim, on, False, perpetrator)


def test_ten_cases_heard_with_three_repeats_is_thirty_percent():
    hearings = [hearing(date(2026, 2, 16)) for _ in range(10)]
    earlier = [referral(h.victim_id, date(2025, 11, 1)) for h in hearings[:3]]
    further = [abuse(h.victim_id, date(2025, 12, 24)) for h in hearings[:4]]
    # The fourth victim's abuse has no earlier referral: a first referral, not a repeat.
    data = Dataset(
        hearings=tuple(hearings),
        referrals=(*earlier, *map(own_referral, hearings)),
        incidents=tuple(further),
    )
    rate = oracle.repeat_rate(data, Q1)
    assert (rate.heard, rate.repeats, rate.percent) == (10, 3, 30.0)
    assert [(q.quarter, q.heard, q.repeats) for q in rate.by_quarter] == [("2026-Q1", 10, 3)]


def test_an_earlier_referral_alone_is_not_a_repeat():
    h = hearing(date(2026, 2, 16))
    data = Dataset(hearings=(h,), referrals=(referral(h.victim_id, date(2025, 11, 1)),))
    assert oracle.repeat_items(data.hearings, data.referrals, data.incidents) == set()


def test_abuse_twelve_calendar_months_after_the_last_referral_makes_a_repeat():
    # The hearing's referral was submitted on 1 March 2026 (14 days before the hearing).
    inside = hearing(date(2026, 3, 15))
    outside = hearing(date(2026, 3, 15))
    leap = hearing(date(2024, 3, 15))
    history = (
        referral(inside.victim_id, date(2025, 2, 28)),
        referral(outside.victim_id, date(2025, 2, 27)),
        referral(leap.victim_id, date(2023, 3, 1)),  # 366 days to 1 March 2024
    )
    incidents = (
        abuse(inside.victim_id, date(2026, 2, 28)),  # the window's last day
        abuse(outside.victim_id, date(2026, 2, 28)),  # a day after it closed
        abuse(leap.victim_id, date(2024, 3, 1)),
    )
    hearings = (inside, outside, leap)
    assert oracle.repeat_items(hearings, history, incidents) == {inside.item_id, leap.item_id}


def test_what_is_not_an_earlier_marac_referral():
    held = date(2026, 3, 15)
    same_day = hearing(held)
    returned = hearing(held)
    duplicate = hearing(held)
    waiting = hearing(held)
    after = hearing(held)
    same_meeting = hearing(held, days_waited=None)
    no_referral = hearing(held, days_waited=None)
    history = (
        referral(same_day.victim_id, held - timedelta(days=14)),  # same day as its own referral
        referral(returned.victim_id, date(2025, 12, 1), status="returned"),
        referral(duplicate.victim_id, date(2025, 12, 1), status="duplicate"),
        referral(waiting.victim_id, date(2025, 12, 1), status="submitted"),
        referral(after.victim_id, held),  # after the hearing's referral
        # No link from the item, but this referral was taken to the same meeting.
        referral(same_meeting.victim_id, date(2026, 3, 1), meeting=same_meeting.meeting_id),
        # No link from the item: the hearing date is the reference date.
        referral(no_referral.victim_id, date(2026, 3, 1), meeting=new_id()),
    )
    hearings = (same_day, returned, duplicate, waiting, after, same_meeting, no_referral)
    # Abuse on 5 March 2026 for everyone: after each earlier referral, before each reference.
    incidents = tuple(abuse(h.victim_id, date(2026, 3, 5)) for h in hearings)
    assert oracle.repeat_items(hearings, history, incidents) == {no_referral.item_id}


def test_abuse_by_a_new_perpetrator_is_not_a_repeat():
    abuser, newcomer = new_id(), new_id()
    same, new, unknown, unnamed = (hearing(date(2026, 3, 15)) for _ in range(4))
    history = tuple(
        ReferralRow(new_id(), h.victim_id, AREA, POLICE, date(2025, 9, 1), "accepted", None, case)
        for h, case in zip(
            (same, new, unknown, unnamed), (new_id(), new_id(), new_id(), None), strict=True
        )
    )
    perpetrators = tuple(
        PerpetratorRow(r.case_id, person_id=abuser) for r in history if r.case_id is not None
    )
    incidents = (
        abuse(same.victim_id, date(2026, 1, 2), abuser),
        abuse(new.victim_id, date(2026, 1, 2), newcomer),
        abuse(unknown.victim_id, date(2026, 1, 2)),  # nobody named: cannot rule it out
        abuse(unnamed.victim_id, date(2026, 1, 2), newcomer),  # the case named nobody
    )
    hearings = (same, new, unknown, unnamed)
    assert oracle.repeat_items(hearings, history, incidents, perpetrators) == {
        same.item_id,
        unknown.item_id,
        unnamed.item_id,
    }


def test_only_heard_meetings_in_the_period_area_and_referrer_count():
    counted = hearing(date(2026, 1, 5))
    for status in ("in_session", "closed"):
        assert oracle.heard(Dataset(hearings=(hearing(date(2026, 1, 5), status=status),)), Q1)
    data = Dataset(
        hearings=(
            counted,
            hearing(date(2026, 1, 5), status="agenda_released"),
            hearing(date(2026, 1, 5), status="planned"),
            hearing(date(2025, 12, 31)),
            hearing(date(2026, 4, 1)),
            hearing(date(2026, 1, 5), area=OTHER_AREA),
            hearing(date(2026, 1, 5), referrer=HEALTH),
        )
    )
    by_area = Filters(Q1.start, Q1.end, area_id=AREA, referring_agency_id=POLICE)
    assert [h.item_id for h in oracle.heard(data, by_area)] == [counted.item_id]
    assert len(oracle.heard(data, Q1)) == 3


# --- volume and suppression ------------------------------------------------------


def test_volume_is_annualised_per_10000_women():
    data = Dataset(hearings=tuple(hearing(date(2026, 2, 2)) for _ in range(30)))
    volume = oracle.cases_heard(data, Q1, population=100_000)
    # 30 cases in 90 days among 100,000 women: 30 / 100,000 x 10,000 x 365 / 90.
    assert (volume.heard, volume.days) == (30, 90)
    assert volume.per_10000_women == pytest.approx(12.1667, abs=1e-4)
    assert oracle.cases_heard(data, Q1).per_10000_women is None


def test_counts_under_five_are_suppressed_and_five_is_shown():
    assert [definitions.suppress(n) for n in (0, 1, 4, 5, 120)] == ["<5", "<5", "<5", 5, 120]
    with pytest.raises(ValueError, match="negative"):
        definitions.suppress(-1)


def test_a_rate_is_suppressed_when_its_numerator_or_complement_is_under_five():
    assert definitions.suppress_rate(4, 10) == "<5"
    assert definitions.suppress_rate(5, 4) == "<5"
    assert definitions.suppress_rate(0, 0) == "<5"
    assert definitions.suppress_rate(5, 20) == 25.0
    # The complement counts too: 16 of 20 tells that 4 were not.
    assert definitions.suppress_rate(16, 20) == "<5"
    assert definitions.suppress_rate(15, 20) == 75.0
    assert definitions.suppress_rate(20, 20) == "<5"


def test_percent_of_nothing_is_none():
    assert definitions.percent(0, 0) is None
    assert definitions.percent(1, 3) == pytest.approx(33.333, abs=1e-3)


# --- percentiles and the referral-to-hearing wait ----------------------------------


def test_nearest_rank_percentiles():
    ten = list(range(1, 11))
    assert (oracle.nearest_rank(ten, 50), oracle.nearest_rank(ten, 90)) == (5, 9)
    # n = 8: the median is at rank ceil(4) = 4, the 90th at rank ceil(7.2) = 8.
    days = [7, 14, 14, 21, 28, 35, 42, 90]
    assert (oracle.nearest_rank(days, 50), oracle.nearest_rank(days, 90)) == (21, 90)
    assert oracle.nearest_rank([3], 90) == 3
    assert oracle.nearest_rank([], 50) is None
    with pytest.raises(ValueError, match="percentile"):
        oracle.nearest_rank(ten, 0)


def test_days_from_referral_to_hearing():
    waits = [7, 14, 14, 21, 28, 35, 42, 90]
    hearings = [hearing(date(2026, 3, 2), days_waited=w) for w in waits]
    hearings.append(hearing(date(2026, 3, 2), days_waited=None))  # no referral: not counted
    result = oracle.days_to_hearing(Dataset(hearings=tuple(hearings)), Q1)
    assert result == oracle.DaysToHearing(hearings=8, median=21, p90=90)
    assert oracle.days_to_hearing(Dataset(), Q1) == oracle.DaysToHearing(0, None, None)


# --- the quarterly return ------------------------------------------------------------


def test_quarterly_return_counts_each_field_per_quarter():
    meeting_jan, meeting_feb, meeting_apr = new_id(), new_id(), new_id()
    older = PersonFacts(birth_year=1980, gender="female", ethnic_group="white")
    young_male = PersonFacts(
        birth_year=2009, gender="male", ethnic_group="asian", disability="yes", lgbt="yes"
    )
    guessed_17 = PersonFacts(estimated_age=17, ethnic_group="black", lgbt="no")
    unknown = PersonFacts(ethnic_group="not_known", disability="not_known")
    h1 = hearing(date(2026, 1, 12), meeting=meeting_jan, facts=older, referrer=POLICE)
    h2 = hearing(date(2026, 1, 12), meeting=meeting_jan, facts=young_male, referrer=HEALTH)
    h3 = hearing(
        date(2026, 2, 9), meeting=meeting_feb, facts=guessed_17, referrer=new_id(), kind="housing"
    )
    h4 = hearing(
        date(2026, 2, 9), meeting=meeting_feb, facts=unknown, referrer=new_id(), kind="idva_service"
    )
    h5 = hearing(
        date(2026, 4, 20),
        meeting=meeting_apr,
        facts=older,
        referrer=new_id(),
        kind="childrens_social_care",
    )
    h6 = hearing(date(2026, 4, 20), meeting=meeting_apr, facts=older)
    data = Dataset(
        hearings=(h1, h2, h3, h4, h5, h6),
        referrals=(
            referral(h1.victim_id, date(2025, 6, 1)),
            referral(h5.victim_id, date(2026, 1, 1)),
        ),
        incidents=(
            abuse(h1.victim_id, date(2025, 7, 1)),
            abuse(h5.victim_id, date(2026, 2, 1)),
        ),
        children=(
            ChildRow(h1.case_id),
            ChildRow(h1.case_id),
            ChildRow(h1.case_id, lives_in_household=False),
            ChildRow(h3.case_id),
            ChildRow(h5.case_id),
        ),
        perpetrators=(
            PerpetratorRow(h1.case_id, birth_year=1978),
            PerpetratorRow(h2.case_id, birth_year=2009),  # 17 in 2026
            PerpetratorRow(h2.case_id, birth_year=2008),  # 18 in 2026
            PerpetratorRow(h3.case_id, estimated_age=16),
            PerpetratorRow(h4.case_id),  # age not known: not counted
        ),
    )
    half_year = Filters(date(2026, 1, 1), date(2026, 6, 30))
    q1, q2 = oracle.quarterly_return(data, half_year)
    assert q1 == oracle.QuarterlyReturn(
        quarter="2026-Q1",
        meetings=2,
        cases_discussed=4,
        repeat_cases=1,
        children=3,
        referrals=ReferralSources(police=1, health=1, housing=1, idva=1),
        victims_bame=2,
        victims_lgbt=1,
        victims_disabled=1,
        victims_male=1,
        victims_aged_16_17=2,
        perpetrators_17_or_under=2,
    )
    assert q1.referrals.not_police_percent == 75.0
    assert q2 == oracle.QuarterlyReturn(
        quarter="2026-Q2",
        meetings=1,
        cases_discussed=2,
        repeat_cases=1,
        children=1,
        referrals=ReferralSources(childrens_services=1, police=1),
        victims_bame=0,
        victims_lgbt=0,
        victims_disabled=0,
        victims_male=0,
        victims_aged_16_17=0,
        perpetrators_17_or_under=0,
    )
    assert oracle.bucket_of("probation") == oracle.bucket_of(None) == "others"


def test_a_quarter_with_no_meetings_is_all_zeros():
    (only,) = oracle.quarterly_return(Dataset(), Q1)
    assert (only.quarter, only.cases_discussed, only.referrals.total) == ("2026-Q1", 0, 0)
    assert only.referrals.not_police_percent is None


# --- factors -----------------------------------------------------------------------


def test_factors_come_from_yes_answers_before_the_hearing_and_recent_incidents():
    held = date(2026, 3, 16)
    a, b, c = (hearing(held) for _ in range(3))
    d = hearing(held, facts=PersonFacts(alcohol="yes", mental_health="no"))
    data = Dataset(
        hearings=(a, b, c, d),
        perpetrators=(
            PerpetratorRow(c.case_id, drugs="yes"),
            PerpetratorRow(c.case_id, mental_health="yes", alcohol="not_known"),
            PerpetratorRow(d.case_id, alcohol="no"),
        ),
        factor_answers=(
            FactorAnswerRow(a.case_id, date(2026, 3, 1), "alcohol_drugs_mental_health"),
            FactorAnswerRow(a.case_id, date(2026, 3, 1), "pregnancy"),
            FactorAnswerRow(b.case_id, held, "separation"),  # on the hearing day: counts
            FactorAnswerRow(b.case_id, held + timedelta(days=1), "child_contact"),  # after
            FactorAnswerRow(c.case_id, date(2025, 1, 1), "financial_dependence"),
        ),
        incidents=(
            IncidentRow(b.victim_id, held - timedelta(days=365), alcohol_or_drugs=True),
            IncidentRow(c.victim_id, held - timedelta(days=366), alcohol_or_drugs=True),
            IncidentRow(d.victim_id, held, alcohol_or_drugs=False),
        ),
    )
    (counts,) = oracle.factors(data, Q1)
    assert counts.heard == 4
    assert counts.as_dict() == {
        # The checklist's one question about all three counts once, on its own.
        "perpetrator_alcohol": 0,
        "perpetrator_drugs": 1,  # c, from a perpetrator's record
        "perpetrator_mental_health": 1,  # c, from the other
        "abuser_problems_checklist": 1,  # a
        "incident_alcohol_or_drugs": 1,  # b, by an incident on day 365
        "victim_alcohol": 1,  # d's own record
        "victim_drugs": 0,
        "victim_mental_health": 0,
        "pregnancy": 1,
        "separation": 1,
        "child_contact": 0,
        "financial_dependence": 1,
    }


# --- process measures -------------------------------------------------------------


def test_actions_done_by_their_due_date_are_on_time():
    due = date(2026, 2, 10)

    def action(status: str, completed: date | None, *, on: date = due) -> ActionRow:
        return ActionRow(new_id(), AREA, POLICE, on, status, completed)

    data = Dataset(
        actions=(
            action("done", due),
            action("done", due - timedelta(days=3)),
            action("done", due + timedelta(days=1)),
            action("cannot", due),
            action("open", None),
            action("done", due, on=date(2026, 4, 1)),  # due after the period
        )
    )
    result = oracle.actions_on_time(data, Q1)
    assert result == oracle.ActionsOnTime(due=5, on_time=2, late=1, cannot=1, still_open=1)
    assert result.percent == 40.0


def test_attendance_counts_invited_agencies_that_came():
    held, planned = new_id(), new_id()
    a, b, c, d = (new_id() for _ in range(4))
    data = Dataset(
        meetings=(
            MeetingRow(held, AREA, date(2026, 2, 2), "minuted"),
            MeetingRow(planned, AREA, date(2026, 3, 30), "planned"),
        ),
        invites=(*(InviteRow(held, x) for x in (a, b, c, d)), InviteRow(planned, a)),
        # Two people from a, one from b, and one from an agency that was not invited.
        attendance=(
            AttendanceRow(held, a),
            AttendanceRow(held, a),
            AttendanceRow(held, b),
            AttendanceRow(held, new_id()),
        ),
    )
    result = oracle.attendance(data, Q1)
    assert result == oracle.AttendanceRate(meetings=1, invited=4, attended=2)
    assert result.percent == 50.0


def test_research_response_is_sections_over_invited_agencies_times_cases():
    meeting = new_id()
    a, b, c = new_id(), new_id(), new_id()
    h1 = hearing(date(2026, 2, 2), meeting=meeting)
    h2 = hearing(date(2026, 2, 2), meeting=meeting)
    data = Dataset(
        hearings=(h1, h2),
        invites=(InviteRow(meeting, a), InviteRow(meeting, b), InviteRow(meeting, c)),
        research=(
            ResearchRow(meeting, h1.case_id, a),
            ResearchRow(meeting, h1.case_id, b),
            ResearchRow(meeting, h2.case_id, c),
            ResearchRow(meeting, h2.case_id, new_id()),  # not invited: not counted
        ),
    )
    result = oracle.research_response(data, Q1)
    assert result == oracle.ResearchResponse(expected=6, received=3)
    assert result.percent == 50.0


def test_referrals_by_agency_counts_marac_referrals_submitted_in_the_period():
    victim = new_id()
    data = Dataset(
        referrals=(
            referral(victim, date(2026, 1, 5), agency=HEALTH),
            referral(victim, date(2026, 1, 6), agency=POLICE),
            referral(victim, date(2026, 1, 7), agency=POLICE),
            referral(victim, date(2026, 1, 8), agency=POLICE, status="returned"),
            referral(victim, date(2026, 1, 9), agency=POLICE, status="duplicate"),
            referral(victim, date(2026, 1, 10), agency=HEALTH, area=OTHER_AREA),
            referral(victim, date(2025, 12, 31), agency=HEALTH),
        )
    )
    result = oracle.referrals_by_agency(data, Filters(Q1.start, Q1.end, area_id=AREA))
    assert result.counts == ((POLICE, 2), (HEALTH, 1))
    assert result.total == 3


# --- the constants match the models --------------------------------------------------


def test_the_plain_constants_match_the_enums_and_the_checklist():
    from emarac.agencies.models import AgencyKind
    from emarac.meetings.models import MeetingStatus
    from emarac.people.models import EthnicGroup, Gender, YesNoUnknown
    from emarac.referrals.models import ReferralStatus
    from emarac.risk.checklist_seed import SECTIONS

    assert set(oracle.HEARD_STATUSES) < {s.value for s in MeetingStatus}
    assert set(oracle.UNCOUNTED_REFERRALS) < {s.value for s in ReferralStatus}
    assert set(oracle.MINORITY_ETHNIC_GROUPS) == {g.value for g in EthnicGroup if g.is_minority}
    assert set(oracle.AGENCY_BUCKETS) < {k.value for k in AgencyKind}
    assert oracle.MALE == Gender.MALE
    assert oracle.YES == YesNoUnknown.YES
    seeded = {q.factor for _, questions in SECTIONS.values() for q in questions if q.factor}
    fed = {code for codes in oracle.FACTOR_CODES.values() for code in codes}
    assert seeded <= fed


def test_an_estimated_age_counts_whole_years_from_the_day_it_was_estimated():
    estimated_on = date(2025, 6, 1)
    assert oracle.age_at(date(2026, 5, 31), None, 15, estimated_on) == 15
    assert oracle.age_at(date(2026, 6, 1), None, 15, estimated_on) == 16
    assert oracle.age_at(date(2024, 5, 31), None, 15, estimated_on) == 13
    assert oracle.age_at(date(2030, 1, 1), None, 15) == 15  # an undated estimate stands
    assert oracle.age_at(date(2026, 3, 11), 2010, 40, estimated_on) == 16  # the year wins
