"""Normalising for blind indexes: equal things must index equally."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from emarac.crypto import normalise


@pytest.mark.parametrize("spelling", ["O'Brien", "obrien", "O Brien", "O’BRIEN", " o-brien "])
def test_names_fold_to_one_value(spelling):
    assert normalise.name(spelling) == "obrien"


def test_accents_are_stripped():
    assert normalise.name("Zoë Müller") == "zoemuller"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Smith", "Smyth"),
        ("Johnson", "Jonson"),
        ("Catherine", "Kathryn"),
        ("Stephens", "Stevens"),
        ("Macdonald", "McDonald"),
    ],
)
def test_sound_alike_names_share_a_phonetic_code(a, b):
    assert normalise.phonetic(a) == normalise.phonetic(b)


def test_different_names_do_not_share_a_phonetic_code():
    assert normalise.phonetic("Smith") != normalise.phonetic("Jones")


@pytest.mark.parametrize(
    "number",
    ["+44 7700 900123", "07700 900123", "0044 7700-900-123", "(07700) 900 123", "447700900123"],
)
def test_uk_phone_forms_are_equal(number):
    assert normalise.phone(number) == "07700900123"


def test_postcodes_and_dates():
    assert normalise.postcode("zz99 1aa") == normalise.postcode("ZZ991AA") == "ZZ991AA"
    assert normalise.iso_date(date(1990, 2, 3)) == "1990-02-03"
    assert normalise.surname_and_year("O'Brien", date(1990, 2, 3)) == "obrien|1990"
    assert normalise.surname_and_year("O'Brien", None) is None
    assert normalise.name("  ") is None


def _general_name(value: str) -> str | None:
    """The Unicode path of normalise.name, applied to every input."""
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", value.casefold())
    kept = "".join(ch for ch in decomposed if ch.isalnum() and not unicodedata.combining(ch))
    return kept or None


@given(st.text(alphabet=st.characters(max_codepoint=127)))
def test_ascii_fast_path_agrees_with_the_unicode_path(value):
    # Index values already stored were made by the general path: the fast one
    # must give the same answer for every ASCII input.
    if value:
        assert normalise.name(value) == _general_name(value)


@given(st.text(alphabet=st.characters(max_codepoint=127)))
def test_ascii_phonetic_drops_digits_like_the_unicode_path(value):
    import jellyfish

    folded = _general_name(value) if value else None
    letters = "".join(ch for ch in folded or "" if ch.isalpha())
    expected = (jellyfish.metaphone(letters) or None) if letters else None
    assert normalise.phonetic(value) == expected
