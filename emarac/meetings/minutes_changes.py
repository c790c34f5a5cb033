"""What a correction changed in a case's minutes: paragraphs kept, removed and added.

A pure rule (no database, no Flask): the reader of a corrected version sees
the discussion with the removed paragraphs struck through and the added ones
marked, and a one-line summary of how many of each.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Literal

Kind = Literal["same", "removed", "added"]


@dataclass(frozen=True)
class Paragraph:
    kind: Kind
    text: str


@dataclass(frozen=True)
class Changes:
    paragraphs: tuple[Paragraph, ...]

    @property
    def added(self) -> int:
        return sum(1 for p in self.paragraphs if p.kind == "added")

    @property
    def removed(self) -> int:
        return sum(1 for p in self.paragraphs if p.kind == "removed")

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed)

    @property
    def summary(self) -> str:
        """E.g. "1 paragraph removed and 2 added"."""
        parts = []
        if self.removed:
            parts.append(f"{self.removed} paragraph{'s' if self.removed != 1 else ''} removed")
        if self.added:
            noun = "" if parts else f" paragraph{'s' if self.added != 1 else ''}"
            parts.append(f"{self.added}{noun} added")
        return " and ".join(parts) if parts else "No change to the discussion"


def paragraphs(text: str | None) -> list[str]:
    """The paragraphs of a text: its non-empty lines, stripped."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def compare(old: str | None, new: str | None) -> Changes:
    """The paragraphs of ``new`` in order, with those of ``old`` it dropped in their place."""
    before, after = paragraphs(old), paragraphs(new)
    found: list[Paragraph] = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            found.extend(Paragraph("same", p) for p in after[j1:j2])
            continue
        found.extend(Paragraph("removed", p) for p in before[i1:i2])
        found.extend(Paragraph("added", p) for p in after[j1:j2])
    return Changes(tuple(found))
