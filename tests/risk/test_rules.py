"""The referral rules at their boundaries; no database needed."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from emarac.risk import rules
from emarac.risk.rules import (
    Abuse,
    Criterion,
    JudgementError,
    PastReferral,
    RiskLevel,
    RiskSettings,
    add_months,
    criteria_met,
    final_level,
    is_repeat,
    last_accepted,
    potential_escalation,
    referral_is_repeat,
    repeat_window,
    risk_band,
    unanswered,
    visible_high_risk,
)

DAY0 = date(2026, 3, 1)


@pytest.mark.parametrize(
    ("yes", "level"),
    [
        (0, RiskLevel.STANDARD),
        (9, RiskLevel.STANDARD),
        (10, RiskLevel.MEDIUM),
        (13, RiskLevel.MEDIUM),
        (14, RiskLevel.HIGH),
        (27, RiskLevel.HIGH),
    ],
)
def test_bands(yes, level):
    assert risk_band(yes) is level


def test_13_is_not_visible_high_risk_and_14_is():
    assert not visible_high_risk(13)
    assert visible_high_risk(14)


def test_judgement_raises_nine_to_high():
    assert final_level(9, RiskLevel.HIGH) is RiskLevel.HIGH


def test_judgement_cannot_lower_sixteen():
    with pytest.raises(JudgementError):
        final_level(16, RiskLevel.MEDIUM)
    with pytest.raises(JudgementError):
        final_level(16, RiskLevel.STANDARD)
    assert final_level(16, RiskLevel.HIGH) is RiskLevel.HIGH


def test_bands_are_settings():
    area = RiskSettings(medium_from=8, high_from=12)
    assert risk_band(11, area) is RiskLevel.MEDIUM
    assert risk_band(12, area) is RiskLevel.HIGH
    with pytest.raises(ValueError, match="rise"):
        RiskSettings(medium_from=14, high_from=10)


def test_two_incidents_in_twelve_months_are_not_escalation_three_are():
    on = DAY0
    two = [on - timedelta(days=10), on - timedelta(days=100)]
    assert not potential_escalation(two, on)
    assert potential_escalation([*two, on - timedelta(days=365)], on)


def test_an_incident_on_day_366_does_not_count_towards_escalation():
    on = DAY0
    dates = [on - timedelta(days=10), on - timedelta(days=100), on - timedelta(days=366)]
    assert not potential_escalation(dates, on)


def test_escalation_threshold_is_a_setting():
    five_callouts = RiskSettings(escalation_incidents=5)
    dates = [DAY0 - timedelta(days=d) for d in (1, 2, 3, 4)]
    assert potential_escalation(dates, DAY0)
    assert not potential_escalation(dates, DAY0, five_callouts)


# --- the repeat rule at its edges --------------------------------------------------

ABUSER = uuid.UUID(int=1)
NEW_PARTNER = uuid.UUID(int=2)


def accepted(on: date, *perpetrators: uuid.UUID) -> PastReferral:
    return PastReferral(on, accepted=True, perpetrators=frozenset(perpetrators))


def incident_on(day: date, perpetrator: uuid.UUID | None = None) -> Abuse:
    return Abuse(day, perpetrator)


def test_day_0_is_the_referrals_trigger_not_its_repeat():
    assert not is_repeat(incident_on(DAY0), [accepted(DAY0)])


def test_the_day_after_the_referral_is_a_repeat():
    assert is_repeat(incident_on(DAY0 + timedelta(days=1)), [accepted(DAY0)])


def test_twelve_calendar_months_exactly_is_a_repeat_and_a_day_later_is_not():
    history = [accepted(date(2025, 3, 10))]
    assert is_repeat(incident_on(date(2026, 3, 10)), history)
    assert not is_repeat(incident_on(date(2026, 3, 11)), history)


def test_twelve_months_across_29_february_is_a_repeat():
    # 1 March 2023 to 1 March 2024 is 366 days: a 365-day window would miss it.
    history = [accepted(date(2023, 3, 1))]
    assert is_repeat(incident_on(date(2024, 3, 1)), history)
    assert not is_repeat(incident_on(date(2024, 3, 2)), history)


def test_a_window_opened_on_29_february_closes_on_28_february():
    history = [accepted(date(2024, 2, 29))]
    assert repeat_window(date(2024, 2, 29)) == (date(2024, 3, 1), date(2025, 2, 28))
    assert is_repeat(incident_on(date(2025, 2, 28)), history)
    assert not is_repeat(incident_on(date(2025, 3, 1)), history)


def test_a_window_reaching_a_29_february_keeps_it():
    assert add_months(date(2023, 2, 28), 12) == date(2024, 2, 28)
    assert add_months(date(2024, 2, 29), 48) == date(2028, 2, 29)
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months(date(2025, 11, 30), 3) == date(2026, 2, 28)


def test_the_window_length_is_a_setting():
    six_months = RiskSettings(repeat_months=6)
    history = [accepted(date(2026, 1, 15))]
    assert is_repeat(incident_on(date(2026, 7, 15)), history, six_months)
    assert not is_repeat(incident_on(date(2026, 7, 16)), history, six_months)
    assert is_repeat(incident_on(date(2026, 7, 16)), history)
    with pytest.raises(ValueError, match="positive"):
        RiskSettings(repeat_months=0)


def test_no_referral_no_repeat_and_abuse_before_the_referral_is_not_one():
    assert not is_repeat(incident_on(DAY0), [])
    assert not is_repeat(incident_on(DAY0 - timedelta(days=1)), [accepted(DAY0)])


def test_a_closed_case_still_has_repeats():
    # The rule reads dates only: whether the case closed after its hearing cannot matter.
    referred = date(2025, 6, 2)
    closed_on = date(2025, 9, 1)
    assert is_repeat(incident_on(closed_on + timedelta(days=82)), [accepted(referred)])


def test_a_returned_or_merged_referral_is_not_the_last_referral():
    first = accepted(date(2025, 1, 10))
    returned = PastReferral(date(2025, 6, 1), accepted=False)
    history = [first, returned]
    # Inside the returned referral's would-be window, outside the accepted one's.
    later = incident_on(date(2026, 3, 1))
    assert not is_repeat(later, history)
    assert not is_repeat(later, [returned])
    assert last_accepted(history, on_or_before=later.on) == last_accepted(
        [first], on_or_before=later.on
    )
    # And inside the accepted one's window it is a repeat of that one.
    assert is_repeat(incident_on(date(2025, 7, 1)), history)


def test_the_window_runs_from_the_last_accepted_referral_not_the_first():
    history = [accepted(date(2024, 1, 5)), accepted(date(2025, 6, 1))]
    assert is_repeat(incident_on(date(2026, 5, 30)), history)


def test_a_new_perpetrator_is_a_new_story_not_a_repeat():
    history = [accepted(DAY0, ABUSER)]
    later = DAY0 + timedelta(days=40)
    assert is_repeat(incident_on(later, ABUSER), history)
    assert not is_repeat(incident_on(later, NEW_PARTNER), history)
    # Not knowing who did it, or a case naming nobody, cannot rule the link out.
    assert is_repeat(incident_on(later), history)
    assert is_repeat(incident_on(later, NEW_PARTNER), [accepted(DAY0)])
    # Two cases referred on one day are both the last referral.
    pooled = [accepted(DAY0, ABUSER), accepted(DAY0, NEW_PARTNER)]
    assert is_repeat(incident_on(later, NEW_PARTNER), pooled)


def test_a_referral_is_a_repeat_when_a_repeat_incident_came_before_it():
    history = [accepted(DAY0, ABUSER)]
    abuse = [incident_on(DAY0 + timedelta(days=200), ABUSER)]
    assert not referral_is_repeat(DAY0 + timedelta(days=100), history, abuse)
    assert referral_is_repeat(DAY0 + timedelta(days=200), history, abuse)
    # A coordinator may confirm it after the window closed: still a repeat referral.
    assert referral_is_repeat(DAY0 + timedelta(days=400), history, abuse)
    # Incidents before the last accepted referral belong to an earlier story.
    rereferred = [*history, accepted(DAY0 + timedelta(days=250), ABUSER)]
    assert not referral_is_repeat(DAY0 + timedelta(days=300), rereferred, abuse)
    # A new perpetrator's incident does not make the referral a repeat.
    assert not referral_is_repeat(
        DAY0 + timedelta(days=200), history, [incident_on(DAY0 + timedelta(days=200), NEW_PARTNER)]
    )


def test_criteria_met_combines_the_rules():
    incidents = [incident_on(DAY0 + timedelta(days=d)) for d in (10, 20, 30)]
    met = criteria_met(
        on=DAY0 + timedelta(days=31),
        yes_count=14,
        incidents=incidents,
        referrals=[accepted(DAY0)],
    )
    assert met == {Criterion.VISIBLE_HIGH_RISK, Criterion.POTENTIAL_ESCALATION, Criterion.REPEAT}
    judged = criteria_met(on=DAY0, yes_count=9, judged=RiskLevel.HIGH)
    assert judged == {Criterion.PROFESSIONAL_JUDGEMENT}
    assert criteria_met(on=DAY0, yes_count=13) == set()


def test_a_repeat_needs_an_incident_after_the_referral_up_to_the_date_asked():
    history = [accepted(DAY0)]
    later = DAY0 + timedelta(days=200)
    assert Criterion.REPEAT not in criteria_met(
        on=DAY0 + timedelta(days=100),
        yes_count=None,
        incidents=[incident_on(later)],
        referrals=history,
    )
    assert Criterion.REPEAT in criteria_met(
        on=later, yes_count=None, incidents=[incident_on(later)], referrals=history
    )
    returned = [PastReferral(DAY0, accepted=False)]
    assert Criterion.REPEAT not in criteria_met(
        on=later, yes_count=None, incidents=[incident_on(later)], referrals=returned
    )


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)))
def test_the_window_always_ends_on_or_just_before_the_same_date_a_year_on(referred):
    first, final = repeat_window(referred)
    assert first == referred + timedelta(days=1)
    assert (final.year, final.month) == (referred.year + 1, referred.month)
    assert final.day == referred.day or (referred.month, referred.day, final.day) == (2, 29, 28)


@given(st.integers(min_value=0, max_value=40), st.sampled_from(list(RiskLevel)))
def test_judgement_never_lowers_any_score(yes, judged):
    scored = risk_band(yes)
    try:
        level = final_level(yes, judged)
    except JudgementError:
        assert judged.rank < scored.rank
    else:
        assert level.rank >= scored.rank


def test_unanswered_needs_every_core_question_and_whole_optional_sections():
    given = [
        ("core", True),
        ("core", False),
        ("stalking", False),
        ("stalking", False),
        ("honour", True),
        ("honour", False),
    ]
    assert unanswered(given) == [1, 5]
    assert unanswered([("core", True), ("stalking", False)]) == []
    assert unanswered([]) == []


def test_an_area_counting_police_call_outs_leaves_other_incidents_out_of_escalation():
    on = date(2026, 6, 30)
    incidents = [
        rules.Abuse(date(2026, 6, 1), police_attended=True),
        rules.Abuse(date(2026, 6, 2), police_attended=False),
        rules.Abuse(date(2026, 6, 3), police_attended=True),
    ]
    everyone = rules.RiskSettings(escalation_incidents=3)
    police = rules.RiskSettings(escalation_incidents=3, escalation_police_only=True)
    met = rules.criteria_met(on=on, yes_count=0, incidents=incidents, settings=everyone)
    assert rules.Criterion.POTENTIAL_ESCALATION in met
    met = rules.criteria_met(on=on, yes_count=0, incidents=incidents, settings=police)
    assert rules.Criterion.POTENTIAL_ESCALATION not in met
