"""The referral rules at their boundaries; no database needed."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from emarac.risk.rules import (
    Criterion,
    JudgementError,
    RiskLevel,
    RiskSettings,
    criteria_met,
    final_level,
    is_repeat,
    potential_escalation,
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


def test_day_365_after_referral_is_a_repeat_day_366_is_not():
    assert is_repeat(DAY0 + timedelta(days=365), DAY0)
    assert not is_repeat(DAY0 + timedelta(days=366), DAY0)
    assert not is_repeat(DAY0 + timedelta(days=30), None)
    assert not is_repeat(DAY0 - timedelta(days=1), DAY0)  # before the referral


def test_criteria_met_combines_the_rules():
    incidents = [DAY0 + timedelta(days=d) for d in (10, 20, 30)]
    met = criteria_met(
        on=DAY0 + timedelta(days=31), yes_count=14, incident_dates=incidents, last_referral=DAY0
    )
    assert met == {Criterion.VISIBLE_HIGH_RISK, Criterion.POTENTIAL_ESCALATION, Criterion.REPEAT}
    judged = criteria_met(on=DAY0, yes_count=9, judged=RiskLevel.HIGH)
    assert judged == {Criterion.PROFESSIONAL_JUDGEMENT}
    assert criteria_met(on=DAY0, yes_count=13) == set()


def test_a_repeat_needs_an_incident_after_the_referral_up_to_the_date_asked():
    referral = DAY0
    later = DAY0 + timedelta(days=200)
    assert Criterion.REPEAT not in criteria_met(
        on=DAY0 + timedelta(days=100),
        yes_count=None,
        incident_dates=[later],
        last_referral=referral,
    )
    assert Criterion.REPEAT in criteria_met(
        on=later, yes_count=None, incident_dates=[later], last_referral=referral
    )


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
