"""Secondary suppression: which figures to withhold so a hidden one cannot be worked out.

Primary suppression hides every count under 5. That is not enough on its own
where figures add up: a row of quarters with its total, or the referral
sources that add up to the cases discussed. If exactly one figure of such a
line is hidden, the total minus the figures shown gives it back. So every
line must have none or at least two of its figures hidden.

``protect`` takes the counts of one published table (any hashable keys) and
the lines that add up in it, and returns which figures are hidden: the
primary ones (under 5) and the secondary ones withheld to protect them. It
is a plain function so the rule can be tested on small hand-made tables.

A line says how it is widened when it has exactly one hidden figure:

``WIDEN_TOTAL``
    Withhold the total. For lines whose parts are published on their own
    elsewhere (each quarter of a year has its own page, with the same
    figures), hiding a second part here would be undone there; only the total
    belongs to this table alone.
``WIDEN_PART``
    Withhold the smallest part still shown (the least information lost), or
    the total when no part is left. For lines whose parts appear only here
    and are worked out the same way on every page that shows them.

Hiding a figure can leave another line with one hidden figure, so the rule
runs until nothing changes. It does not solve every chain of equations a
determined reader could write; the test in ``tests/indicators/
test_disclosure_control.py`` checks that no hidden figure is the sum or
difference of at most two published ones, over every period a manager is
offered.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Generic, Literal, TypeVar

from emarac.indicators import definitions

K = TypeVar("K", bound=Hashable)

WIDEN_TOTAL: Literal["total"] = "total"
WIDEN_PART: Literal["part"] = "part"
WITHHELD = "Withheld"


@dataclass(frozen=True)
class Line(Generic[K]):
    """Figures that add up: the parts and their total, keys into the table's counts."""

    parts: tuple[K, ...]
    total: K
    widen: Literal["total", "part"] = WIDEN_PART


@dataclass(frozen=True)
class Protection(Generic[K]):
    """Which figures of a table are hidden: under 5 (primary), or withheld to protect them."""

    primary: frozenset[K]
    secondary: frozenset[K]

    def hidden(self, key: K) -> bool:
        return key in self.primary or key in self.secondary

    def text(self, key: K, value: int) -> str:
        """The figure as published: the number, "<5", or "Withheld"."""
        if key in self.primary:
            return definitions.SUPPRESSED
        if key in self.secondary:
            return WITHHELD
        return str(value)


def is_small(value: int) -> bool:
    # Read the threshold at call time (not at import) so it has one home.
    return value < definitions.SUPPRESS_BELOW


def protect(values: Mapping[K, int], lines: Iterable[Line[K]]) -> Protection[K]:
    """Hide every count under 5, then widen each line left with exactly one hidden figure."""
    lines = tuple(lines)
    primary = frozenset(key for key, value in values.items() if is_small(value))
    hidden = set(primary)
    changed = True
    while changed:
        changed = False
        for line in lines:
            members = (*line.parts, line.total)
            if sum(1 for key in members if key in hidden) != 1:
                continue
            extra = _widening(values, line, hidden)
            if extra is not None:
                hidden.add(extra)
                changed = True
    return Protection(primary=primary, secondary=frozenset(hidden - primary))


def _widening(values: Mapping[K, int], line: Line[K], hidden: set[K]) -> K | None:
    if line.widen == WIDEN_TOTAL:
        # Only the total hidden: the parts shown add up to it, which gives away
        # nothing smaller than the total itself.
        return None if line.total in hidden else line.total
    shown = [key for key in line.parts if key not in hidden]
    if shown:
        # The smallest first; ties by position, so every page decides alike.
        return min(shown, key=lambda key: (values[key], line.parts.index(key)))
    return line.total
