"""Every data table in the templates has a caption and sits in a scroll region.

A check of the template source, so that a new table cannot slip past the
browser crawl just because no test data reaches its page.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
TABLE = re.compile(r"<table\b.*?</table>", re.DOTALL)
COMMENT = re.compile(r"\{#.*?#\}", re.DOTALL)


def _tables() -> list[tuple[str, str, str]]:
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = COMMENT.sub("", path.read_text(encoding="utf-8"))
        for match in TABLE.finditer(text):
            before = text[: match.start()]
            found.append((str(path.relative_to(TEMPLATES)), before, match.group(0)))
    return found


TABLES = _tables()


def test_the_templates_have_tables():
    assert len(TABLES) >= 15


@pytest.mark.parametrize(
    ("name", "before", "table"),
    TABLES,
    ids=[f"{name}-{n}" for n, (name, _, _) in enumerate(TABLES)],
)
def test_the_table_has_a_caption_and_a_scroll_region(name, before, table):
    assert "<caption" in table, f"{name}: a table without a caption"
    opened = before.count("{% call scroll_region(") - before.count("{% endcall %}")
    assert opened == 1, f"{name}: a table outside {{% call scroll_region(...) %}}"
