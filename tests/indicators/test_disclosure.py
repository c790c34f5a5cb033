"""Secondary suppression on small hand-made tables: no hidden figure left alone in a line."""

from __future__ import annotations

import random

from emarac.indicators.disclosure import WIDEN_PART, WIDEN_TOTAL, WITHHELD, Line, protect


def quarters_and_total(values: list[int]) -> tuple[dict[str, int], Line[str]]:
    counts = {f"Q{n}": v for n, v in enumerate(values, start=1)}
    counts["total"] = sum(values)
    return counts, Line(tuple(f"Q{n}" for n in range(1, len(values) + 1)), "total", WIDEN_TOTAL)


def test_nothing_small_hides_nothing():
    counts, line = quarters_and_total([12, 9, 30, 5])
    shield = protect(counts, [line])
    assert not shield.primary
    assert not shield.secondary


def test_one_small_quarter_withholds_the_total():
    counts, line = quarters_and_total([12, 3, 30, 8])
    shield = protect(counts, [line])
    assert shield.primary == {"Q2"}
    assert shield.secondary == {"total"}
    assert shield.text("Q2", 3) == "<5"
    assert shield.text("total", 53) == WITHHELD
    assert shield.text("Q1", 12) == "12"


def test_two_small_quarters_leave_the_total_shown():
    # The total minus the quarters shown is 3 + 1: neither quarter on its own.
    counts, line = quarters_and_total([12, 3, 30, 1])
    shield = protect(counts, [line])
    assert shield.primary == {"Q2", "Q4"}
    assert not shield.secondary


def test_a_line_of_parts_hides_the_next_smallest():
    counts = {"police": 20, "idva": 2, "health": 7, "housing": 9, "all": 38}
    line = Line(("police", "idva", "health", "housing"), "all", WIDEN_PART)
    shield = protect(counts, [line])
    assert shield.primary == {"idva"}
    assert shield.secondary == {"health"}


def test_a_withheld_total_hides_a_part_too_when_the_parts_would_add_up_to_it():
    counts = {"a": 10, "b": 6, "all": 16}
    line = Line(("a", "b"), "all", WIDEN_PART)
    # Hidden by another line: the parts here would give it back.
    other = Line(("x",), "all", WIDEN_TOTAL)
    shield = protect({**counts, "x": 2}, [line, other])
    assert "all" in shield.secondary
    assert "b" in shield.secondary


def test_widening_one_line_can_widen_another():
    # A two-way table: quarters across, sources down, totals both ways.
    cells = {("police", "Q1"): 20, ("police", "Q2"): 9, ("idva", "Q1"): 3, ("idva", "Q2"): 11}
    counts: dict[tuple[str, str], int] = dict(cells)
    for source in ("police", "idva"):
        counts[(source, "total")] = counts[(source, "Q1")] + counts[(source, "Q2")]
    for column in ("Q1", "Q2", "total"):
        counts[("all", column)] = counts[("police", column)] + counts[("idva", column)]
    lines = [
        *(
            Line(((s, "Q1"), (s, "Q2")), (s, "total"), WIDEN_TOTAL)
            for s in ("police", "idva", "all")
        ),
        *(
            Line(((("police", c)), ("idva", c)), ("all", c), WIDEN_PART)
            for c in ("Q1", "Q2", "total")
        ),
    ]
    shield = protect(counts, lines)
    for line in lines:
        hidden = [key for key in (*line.parts, line.total) if shield.hidden(key)]
        assert len(hidden) != 1, line


def test_every_line_ends_with_none_or_two_hidden_on_random_tables():
    rng = random.Random(5)
    for _ in range(300):
        grid = {
            (r, c): rng.choice([0, 1, 2, 3, 4, 5, 6, 9, 14, 30]) for r in range(4) for c in range(3)
        }
        counts = dict(grid)
        for r in range(4):
            counts[(r, "t")] = sum(grid[(r, c)] for c in range(3))
        for c in (*range(3), "t"):
            counts[("t", c)] = sum(counts[(r, c)] for r in range(4))
        lines = [Line(tuple((r, c) for c in range(3)), (r, "t"), WIDEN_TOTAL) for r in range(4)]
        lines += [
            Line(tuple((r, c) for r in range(4)), ("t", c), WIDEN_PART) for c in (*range(3), "t")
        ]
        shield = protect(counts, lines)
        for line in lines:
            members = (*line.parts, line.total)
            hidden = sum(1 for key in members if shield.hidden(key))
            total_alone = hidden == 1 and shield.hidden(line.total)
            assert hidden != 1 or (line.widen == WIDEN_TOTAL and total_alone)
