"""What a correction changed, paragraph by paragraph (a pure rule: no database)."""

from __future__ import annotations

from emarac.meetings.minutes_changes import compare


def test_a_changed_paragraph_shows_as_removed_then_added_in_its_place():
    found = compare("One\nTwo\nThree", "One\nTwo, corrected\nThree")
    assert [(p.kind, p.text) for p in found.paragraphs] == [
        ("same", "One"),
        ("removed", "Two"),
        ("added", "Two, corrected"),
        ("same", "Three"),
    ]
    assert found.summary == "1 paragraph removed and 1 added"


def test_added_and_removed_alone_and_no_change():
    assert compare("One", "One\nTwo\nThree").summary == "2 paragraphs added"
    assert compare("One\nTwo", "Two").summary == "1 paragraph removed"
    same = compare("One\n\n  Two  ", "One\nTwo")
    assert not same.changed
    assert same.summary == "No change to the discussion"
    assert compare(None, "One").added == 1
