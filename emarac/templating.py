"""Jinja: our templates first, then the GOV.UK Frontend macros from their packages.

Templates import the macros by package prefix::

    {% from "govuk_frontend_jinja/components/button/macro.html" import govukButton %}

Built front-end files (``scripts/build_assets.py``) live under ``static/dist``;
templates link them with ``asset_url("govuk/govuk-frontend.min.css")``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import Any

from flask import Flask, url_for
from govuk_frontend_wtf.main import WTFormsHelpers
from govuk_frontend_wtf.wtforms_widgets import GovDateInput, GovIterableBase
from jinja2 import BytecodeCache, ChoiceLoader, Environment, PackageLoader, PrefixLoader
from jinja2.bccache import Bucket
from wtforms import Form
from wtforms.fields import Field, FieldList, FormField

from emarac import bounds
from emarac.config import current_settings

# The built copies of the npm packages and of static/src, under the static folder.
DIST = "dist"

# govuk_frontend_jinja's page template writes this one inline script outside
# any block, so base.html cannot override it, and our CSP allows no inline
# script. static/src/app.mjs adds the same body classes from a file instead.
_BODY_CLASS_SCRIPT = re.compile(r"<script\b[^>]*>\s*document\.body\.className[^<]*</script>")
_PAGE_TEMPLATE = "template.html"


class GovukTemplatesWithoutInlineScript(PackageLoader):
    """govuk_frontend_jinja's templates, with the page template's inline script taken out."""

    def __init__(self) -> None:
        super().__init__("govuk_frontend_jinja")

    def get_source(
        self, environment: Environment, template: str
    ) -> tuple[str, str, Callable[[], bool] | None]:
        source, filename, uptodate = super().get_source(environment, template)
        if template == _PAGE_TEMPLATE:
            source, found = _BODY_CLASS_SCRIPT.subn("", source)
            if found != 1:
                # Fail loudly on an upgrade rather than ship a page the CSP breaks.
                raise RuntimeError(
                    f"govuk_frontend_jinja's {_PAGE_TEMPLATE} no longer has the one inline "
                    "body-class script emarac.templating removes: check the new template"
                )
        return source, filename, uptodate


def register_templating(app: Flask) -> None:
    own = app.jinja_loader
    if own is None:
        raise RuntimeError("the app needs a template folder")
    app.jinja_loader = ChoiceLoader(
        [
            own,
            PrefixLoader(
                {
                    "govuk_frontend_jinja": GovukTemplatesWithoutInlineScript(),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    WTFormsHelpers(app)
    app.jinja_env.globals.update(
        govukRebrand=True,
        asset_url=asset_url,
        error_summary_items=error_summary_items,
        page_title=page_title,
        idle_timeout_seconds=idle_timeout_seconds,
    )
    app.jinja_env.filters.update(long_date=long_date, date_time=date_time, time_of_day=time_of_day)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    if app.extensions["emarac.settings"].is_testing:
        app.jinja_env.bytecode_cache = _shared_bytecode


def long_date(value: date | str | None) -> str:
    """``1 December 2026``: the one way pages write a date.

    A datetime gives its day; an ISO date string (as minutes keep their
    actions' due dates) is read first."""
    if value is None or value == "":
        return ""
    return bounds.long_date(date.fromisoformat(value) if isinstance(value, str) else value)


def date_time(value: datetime | None, *, seconds: bool = False) -> str:
    """``1 December 2026, 14:05`` (with ``:09`` when ``seconds``, as the audit trail wants)."""
    if value is None:
        return ""
    return (
        f"{bounds.long_date(value)}, {value:%H:%M:%S}"
        if seconds
        else (f"{bounds.long_date(value)}, {value:%H:%M}")
    )


def time_of_day(value: datetime | None) -> str:
    """``14:05``."""
    return "" if value is None else f"{value:%H:%M}"


class SharedBytecodeCache(BytecodeCache):
    """Compiled templates kept for the life of the process, shared by every app in it.

    A test suite creates an app per test, and compiling the same templates
    again for each one was a large share of its time. Every app configures
    Jinja identically and a bucket is checked against the template's source,
    so a shared entry is never stale. Only testing apps use it.
    """

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


_shared_bytecode = SharedBytecodeCache()


def asset_url(path: str) -> str:
    """The URL of a built front-end file, e.g. ``asset_url("app/app.css")``."""
    return url_for("static", filename=f"{DIST}/{path.lstrip('/')}")


SERVICE_NAME = "eMARAC"


def idle_timeout_seconds() -> int:
    """How long a session may sit idle, for the page's timeout warning."""
    return current_settings().idle_timeout_seconds


def page_title(
    *parts: str | None, error: Any = False, page: int | None = None, pages: int | None = None
) -> str:
    """A page's <title>: what the page is, then where it is, then the service.

    ``page_title("Record an incident", case.reference, error=form.errors)`` gives
    "Error: Record an incident – MARAC-2026-000123 – eMARAC", so that someone
    with several tabs, or a screen reader, knows which case a form is about.
    A list in pages adds "(page 2 of 14)" to its first part, when there is more
    than one page. Empty parts are left out.
    """
    named = [str(part) for part in parts if part]
    if named and page and pages and pages > 1:
        named[0] = f"{named[0]} (page {page} of {pages})"
    title = " – ".join([*named, SERVICE_NAME])
    return f"Error: {title}" if error else title


def error_summary_items(form: Form) -> list[dict[str, str]]:
    """The GOV.UK error summary's list: the first error of each field, linked to its input.

    Unlike govuk_frontend_wtf's ``wtforms_errors``, a date links to its day
    input and radios and checkboxes to their first option (the elements GOV.UK
    Frontend gives those ids); errors of the form itself or of a hidden field
    (such as an expired CSRF token) link to the first field the user can see.
    """
    first = next((_anchor(field) for field in form if _is_visible(field)), None)
    items: list[dict[str, str]] = []
    unplaced = [str(message) for message in getattr(form, "form_errors", [])]
    for field in form:
        for subfield, message in _field_errors(field):
            if _is_visible(subfield):
                items.append({"text": message, "href": f"#{_anchor(subfield)}"})
            else:
                unplaced.append(message)
    items += [{"text": m, "href": f"#{first}"} if first else {"text": m} for m in unplaced]
    return items


def _field_errors(field: Field) -> Iterator[tuple[Field, str]]:
    if isinstance(field, FormField | FieldList):
        for subfield in field:
            yield from _field_errors(subfield)
        return
    if field.errors:
        yield field, str(field.errors[0])


def _anchor(field: Field) -> str:
    widget: Any = field.widget
    if isinstance(widget, GovDateInput):
        return f"{field.name}-day"
    if isinstance(widget, GovIterableBase):
        return field.name
    return field.id


def _is_visible(field: Field) -> bool:
    return field.type not in {"CSRFTokenField", "HiddenField", "SubmitField"}
