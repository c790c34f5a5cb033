"""Normalising values before blind indexing, so equal things index equally.

Each function returns None for a value that should not be indexed (empty).
"""

from __future__ import annotations

import unicodedata
from datetime import date

import jellyfish

_ASCII_NOT_ALNUM = bytes(c for c in range(128) if not chr(c).isalnum())
_ASCII_NOT_ALPHA = bytes(c for c in range(128) if not chr(c).isalpha())


def name(value: str | None) -> str | None:
    """Case-folded letters and digits only: "O'Brien", "O Brien", "O’BRIEN" -> "obrien"."""
    if not value:
        return None
    if value.isascii():
        # The same result, faster: on ASCII, NFKD changes nothing, no character
        # is a combining mark and casefold is lower-casing.
        kept = value.encode("ascii").lower().translate(None, _ASCII_NOT_ALNUM).decode("ascii")
    else:
        decomposed = unicodedata.normalize("NFKD", value.casefold())
        kept = "".join(ch for ch in decomposed if ch.isalnum() and not unicodedata.combining(ch))
    return kept or None


def phonetic(value: str | None) -> str | None:
    """A sound-alike code for a name, so "Smyth" finds "Smith" and "Tomson" "Thompson".

    Metaphone rather than Soundex: Soundex keeps the first letter, so it misses
    common first-letter spellings ("Kath"/"Cath"), and NYSIIS over-splits short
    names. Double Metaphone is not in jellyfish; Metaphone covers the cases a
    practitioner's misspelling usually makes.
    """
    if not value:
        return None
    if value.isascii():
        # What name() keeps, less the digits, in one pass: lower-case letters.
        letters = value.encode("ascii").lower().translate(None, _ASCII_NOT_ALPHA).decode("ascii")
    else:
        letters = "".join(ch for ch in name(value) or "" if ch.isalpha())
    return (jellyfish.metaphone(letters) or None) if letters else None


# Hyphens and dashes join the parts of a double-barrelled name; apostrophes do not
# split a part ("O'Brien" is one part).
_PART_SEPARATORS = str.maketrans({c: " " for c in "-\u2010\u2011\u2012\u2013\u2014/"})


def name_parts(value: str | None) -> list[str]:
    """Each part of a name, normalised: "Pebbleton-Demo" -> ["pebbleton", "demo"]."""
    if not value:
        return []
    parts = (name(word) for word in value.translate(_PART_SEPARATORS).split())
    return [p for p in parts if p]


def name_tokens(value: str | None) -> set[str]:
    """What a name is indexed under, part by part: every part of two letters or
    more, and the whole name joined ("Pebbleton-Demo" -> pebbleton, demo,
    pebbletondemo). A single letter is not indexed alone: an index of initials
    would have a few dozen values and say too much; initials are checked on the
    decrypted candidates instead."""
    parts = name_parts(value)
    tokens = {p for p in parts if len(p) > 1}
    if parts:
        tokens.add("".join(parts))
    return tokens


def sound_tokens(value: str | None) -> set[str]:
    """The sound-alike code of each indexed token of a name."""
    return {code for code in (phonetic(t) for t in name_tokens(value)) if code}


def phone(value: str | None) -> str | None:
    """Digits only, UK numbers in national form: +44 7700 900123 = 07700 900123."""
    if not value:
        return None
    digits = "".join(ch for ch in value if ch.isdigit())
    if value.strip().startswith("+44") or digits.startswith("0044"):
        digits = "0" + digits[4:] if digits.startswith("0044") else "0" + digits[2:]
    elif digits.startswith("44") and len(digits) == 12:
        digits = "0" + digits[2:]
    return digits or None


def postcode(value: str | None) -> str | None:
    if not value:
        return None
    kept = "".join(ch for ch in value.upper() if ch.isalnum())
    return kept or None


def iso_date(value: date | None) -> str | None:
    return value.isoformat() if value else None


def reference(value: str | None) -> str | None:
    """Agency references (crime numbers): upper case, letters and digits only."""
    if not value:
        return None
    kept = "".join(ch for ch in value.upper() if ch.isalnum())
    return kept or None


def surname_and_year(surname: str | None, born: date | None) -> str | None:
    folded = name(surname)
    if not folded or born is None:
        return None
    return f"{folded}|{born.year}"
