"""Templates keep to the shared helpers: one date format, one CSRF field, one error summary."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

from emarac.templating import date_time, long_date, time_of_day

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


def test_the_date_filters():
    moment = datetime(2026, 12, 1, 9, 5, 7)
    assert long_date(date(2026, 12, 1)) == "1 December 2026"
    assert long_date(moment) == "1 December 2026"
    assert long_date("2027-02-28") == "28 February 2027"
    assert long_date(None) == ""
    assert date_time(moment) == "1 December 2026, 09:05"
    assert date_time(moment, seconds=True) == "1 December 2026, 09:05:07"
    assert time_of_day(moment) == "09:05"


def test_no_template_formats_a_date_itself():
    formatting = re.compile(r"strftime|isoformat\(")
    offenders = [
        str(path.relative_to(TEMPLATES))
        for path in TEMPLATES.rglob("*.html")
        if formatting.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_forms_use_the_shared_csrf_field_and_error_summary():
    """``macros/forms.html`` holds the CSRF input and the error summary (whose
    links go to a date's day input); no page writes its own."""
    own_csrf = re.compile(r'name="csrf_token"')
    own_summary = re.compile(r"govukErrorSummary")
    offenders = [
        str(path.relative_to(TEMPLATES))
        for path in TEMPLATES.rglob("*.html")
        if path.parent.name != "macros"
        and (
            own_csrf.search(path.read_text(encoding="utf-8"))
            or own_summary.search(path.read_text(encoding="utf-8"))
        )
    ]
    assert offenders == []
