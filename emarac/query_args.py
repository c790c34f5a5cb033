"""Reading query-string arguments that are not a form: bounded, never an exception.

Filters with a message next to them are GET forms (``BaseForm`` with CSRF off);
what is left, such as the page of a list, is read here, so a hand-edited URL
gives a sane page instead of a database error.
"""

from __future__ import annotations

from collections.abc import Mapping

from emarac.bounds import MAX_PAGE


def page_number(args: Mapping[str, str], *, name: str = "page", last: int = MAX_PAGE) -> int:
    """The page asked for, within 1..``last`` (and never past ``MAX_PAGE``).

    Garbage or nothing gives the first page; a number past the end, the last.
    """
    last = max(1, min(last, MAX_PAGE))
    raw = (args.get(name) or "").strip()
    if not (raw.isascii() and raw.isdigit()):
        return 1
    if len(raw) > len(str(MAX_PAGE)):  # int() of a long digit string costs, and overflows later
        return last
    return max(1, min(int(raw), last))


def last_page(total: int, per_page: int) -> int:
    """The number of the last page of ``total`` rows (1 when there are none)."""
    return max(1, -(-total // per_page))
