"""The outer bounds of what the app accepts: dates, pages, hidden characters.

Plain values and pure functions, shared by the base form (every text and date
field), the query-string parser (``query_args``) and the reporting periods, so
each bound is written once. No Flask and no database here.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

# Dates. A date outside these is a typing slip (or a probe), never a record.
EARLIEST_BIRTH = date(1900, 1, 1)
EARLIEST_INCIDENT = date(1950, 1, 1)
EARLIEST_REPORTING = date(2000, 1, 1)  # no MARAC figures before the model existed
# Any other date field (meetings, actions, signed protocols, filters): a sane
# range that keeps date arithmetic (a day before, a year after) from overflowing.
EARLIEST_ANY = date(1900, 1, 1)
LATEST_ANY = date(2100, 12, 31)

MAX_PAGE = 10_000

# Characters that render as nothing or reorder what is shown: refused, because
# a name that reads one way and is stored another misleads a conference.
_CONTROL = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"  # C0 but tab/LF/CR, DEL, C1
_BIDI = "\u202a-\u202e\u2066-\u2069"  # embeddings, overrides, isolates
HIDDEN_IN_LINE = re.compile(f"[\t\n\r{_CONTROL}{_BIDI}]")
HIDDEN_IN_TEXT = re.compile(f"[{_CONTROL}{_BIDI}]")  # a text area may hold tabs and lines
# Zero-width characters: removed silently (they come with pasted text). The
# joiners (U+200C, U+200D) are kept between two letters or marks, where Persian
# and several Indic scripts need them to spell a name; elsewhere they go too.
ZERO_WIDTH = re.compile("[\u200b\u2060\ufeff]")
JOINERS = "\u200c\u200d"


def long_date(day: date) -> str:
    """1 January 1900, as GOV.UK writes dates."""
    return f"{day.day} {day:%B} {day.year}"


def date_problem(
    value: date | None, *, earliest: date, latest: date, what: str, today: date | None = None
) -> str | None:
    """Whether ``value`` lies in ``earliest``..``latest``, in words naming the thing.

    Give ``today`` to say "today or in the past" when the latest day is today.
    """
    if value is None:
        return None
    if value < earliest:
        return f"{what} must be the same as or after {long_date(earliest)}"
    if value > latest:
        if latest == today:
            return f"{what} must be today or in the past"
        return f"{what} must be the same as or before {long_date(latest)}"
    return None


def hidden_characters(text: str, *, multiline: bool = False) -> bool:
    """Whether ``text`` holds control or direction-changing characters."""
    pattern = HIDDEN_IN_TEXT if multiline else HIDDEN_IN_LINE
    return pattern.search(text) is not None


def without_zero_width(value: object) -> object:
    if not isinstance(value, str):
        return value
    text = ZERO_WIDTH.sub("", value)
    if not any(joiner in text for joiner in JOINERS):
        return text
    kept = []
    for index, char in enumerate(text):
        if char in JOINERS and not (
            _spells(text[index - 1] if index else "")
            and _spells(text[index + 1] if index + 1 < len(text) else "")
        ):
            continue
        kept.append(char)
    return "".join(kept)


def _spells(char: str) -> bool:
    """A letter or a combining mark (a joiner between two of them is part of the spelling)."""
    return bool(char) and unicodedata.category(char)[0] in "LM"
