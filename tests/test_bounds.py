"""The outer bounds as pure functions: no app, no database."""

from __future__ import annotations

from emarac.bounds import without_zero_width


def test_zero_width_space_word_joiner_and_bom_always_go():
    assert without_zero_width("\ufeffAsh\u200bcombe\u2060") == "Ashcombe"


def test_joiners_stay_inside_a_spelling_and_go_elsewhere():
    persian = "\u0646\u06cc\u0645\u200c\u0631\u062e"  # a ZWNJ between two letters
    devanagari = "\u0915\u094d\u200d\u0937"  # a ZWJ after a virama (a mark), before a letter
    assert without_zero_width(persian) == persian
    assert without_zero_width(devanagari) == devanagari
    assert without_zero_width("\u200dVane\u200c") == "Vane"
    assert without_zero_width("Ash\u200c-Vane") == "Ash-Vane"
    assert without_zero_width(None) is None
