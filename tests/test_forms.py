"""The base form (emarac/forms.py) and the bounds it applies to every form."""

from __future__ import annotations

import importlib
import pkgutil
from datetime import date

import pytest
from wtforms import Form

import emarac
from emarac import bounds
from emarac.forms import BaseForm
from emarac.query_args import last_page, page_number


def _all_form_classes() -> list[type[Form]]:
    for info in pkgutil.walk_packages(emarac.__path__, "emarac."):
        if info.name.rsplit(".", 1)[-1] in {"forms", "views"} or info.name.endswith("_views"):
            importlib.import_module(info.name)
    found, todo = [], list(Form.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.startswith("emarac."):
            found.append(cls)
    return found


def test_every_form_of_the_app_derives_from_the_base_form():
    forms = _all_form_classes()
    assert len(forms) > 20
    strays = [f"{f.__module__}.{f.__qualname__}" for f in forms if not issubclass(f, BaseForm)]
    assert not strays, f"forms that skip the input bounds of emarac.forms.BaseForm: {strays}"


@pytest.mark.parametrize(
    ("text", "multiline", "hidden"),
    [
        ("Smith", False, False),
        ("Smith\x00", False, True),
        ("Smith\u202e", False, True),
        ("Smith\u2069", False, True),
        ("Smith\x85", False, True),
        ("Smith\tJones", False, True),
        ("Smith\tJones\r\nLine", True, False),
        ("Smith\x07", True, True),
        ("Zoë Ní Bhriain \u0627\u0644\u0639\u0644\u064a", False, False),
    ],
)
def test_hidden_characters(text, multiline, hidden):
    assert bounds.hidden_characters(text, multiline=multiline) is hidden


def test_date_problem_names_the_date_and_the_bound():
    kwargs = {"earliest": date(1900, 1, 1), "latest": date(2026, 11, 2), "what": "Date of birth"}
    assert bounds.date_problem(date(1900, 1, 1), **kwargs) is None
    assert bounds.date_problem(date(1899, 12, 31), **kwargs) == (
        "Date of birth must be the same as or after 1 January 1900"
    )
    assert bounds.date_problem(date(2026, 11, 3), **kwargs, today=date(2026, 11, 2)) == (
        "Date of birth must be today or in the past"
    )
    assert bounds.date_problem(date(2026, 11, 3), **kwargs) == (
        "Date of birth must be the same as or before 2 November 2026"
    )


@pytest.mark.parametrize(
    ("raw", "last", "page"),
    [
        (None, 10_000, 1),
        ("", 10_000, 1),
        ("7", 10_000, 7),
        (" 7 ", 10_000, 7),
        ("0", 10_000, 1),
        ("-2", 10_000, 1),
        ("abc", 10_000, 1),
        ("\u0661", 10_000, 1),  # an Arabic-Indic one: a digit to Python, not to us
        ("99999999999999999999", 10_000, 10_000),
        ("10001", 10_000, 10_000),
        ("12", 5, 5),
        ("12", 0, 1),
    ],
)
def test_page_number(raw, last, page):
    args = {} if raw is None else {"page": raw}
    assert page_number(args, last=last) == page


def test_last_page():
    assert [last_page(n, 25) for n in (0, 1, 25, 26)] == [1, 1, 1, 2]
