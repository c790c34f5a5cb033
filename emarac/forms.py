"""The base form: every field of every form gets the app's outer bounds here.

- Text (but passwords) loses surrounding whitespace and zero-width characters,
  and is refused, with a message next to the field, if it holds control
  characters or characters that reorder how it reads (bidi overrides and
  isolates). A text area may hold tabs and line breaks; a one-line field not.
- A date outside a field's own ``DateWithin`` bounds, or, for a date field
  without any, outside ``bounds.EARLIEST_ANY``..``LATEST_ANY``, is refused.

Refused input is kept in the field, so the user sees what to correct.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, time
from typing import Any

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovTextInput
from wtforms import DateField, PasswordField, StringField, TextAreaField
from wtforms.validators import StopValidation

from emarac import bounds
from emarac.clock import today
from emarac.widgets import DateInput

DateBound = date | Callable[[], date]


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _label(field: Any) -> str:
    return str(field.label.text) if field.label and field.label.text else "This field"


class NoHiddenCharacters:
    """Refuse control and direction-changing characters, naming the field."""

    def __init__(self, *, multiline: bool) -> None:
        self.multiline = multiline

    def __call__(self, form: Any, field: Any) -> None:
        if isinstance(field.data, str) and bounds.hidden_characters(
            field.data, multiline=self.multiline
        ):
            raise StopValidation(f"{_label(field)} must not contain hidden control characters")


class DateWithin:
    """A date between two days (either may be ``today`` or another callable, read when checked).

    ``what`` names the date in the message; the field's label by default.
    """

    def __init__(self, earliest: DateBound, latest: DateBound, *, what: str | None = None) -> None:
        self.earliest, self.latest, self.what = earliest, latest, what

    def __call__(self, form: Any, field: Any) -> None:
        if not isinstance(field.data, date):
            return
        earliest = self.earliest() if callable(self.earliest) else self.earliest
        latest = self.latest() if callable(self.latest) else self.latest
        problem = bounds.date_problem(
            field.data,
            earliest=earliest,
            latest=latest,
            what=self.what or _label(field),
            today=today(),
        )
        if problem:
            raise StopValidation(problem)


class GovDateField(DateField):
    """A GOV.UK date: day, month and year boxes, read as ``%d %m %Y``."""

    def __init__(self, label: str | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("widget", DateInput())
        super().__init__(label, format="%d %m %Y", **kwargs)


TIME_OF_DAY = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")


class TimeOfDayField(StringField):
    """A time on the 24-hour clock typed as ``21:30``; ``data`` is a ``datetime.time``.

    What was typed is kept (and shown back) when it is not a time.
    """

    widget = GovTextInput()

    def __init__(
        self, label: str | None = None, *, message: str = "Enter a time like 21:30", **kwargs: Any
    ) -> None:
        super().__init__(label, **kwargs)
        self.message = message

    def process_formdata(self, valuelist: list[Any]) -> None:
        typed = str(valuelist[0]).strip() if valuelist else ""
        self.data = None
        if not typed:
            return
        match = TIME_OF_DAY.fullmatch(typed)
        if match is None:
            raise ValueError(self.message)
        self.data = time(int(match[1]), int(match[2]))

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        return f"{self.data:%H:%M}" if isinstance(self.data, time) else ""


def _validators(unbound_field: Any) -> list[Any]:
    if len(unbound_field.args) > 1:  # so that the bounds below are never silently left out
        raise TypeError(f"give {unbound_field!r} its validators by keyword")
    return list(unbound_field.kwargs.get("validators") or ())


class BaseForm(FlaskForm):
    class Meta:
        def bind_field(self, form: Any, unbound_field: Any, options: dict[str, Any]) -> Any:
            field_class = unbound_field.field_class
            filters = tuple(unbound_field.kwargs.get("filters", ()))
            validators = _validators(unbound_field)
            if issubclass(field_class, StringField) and not issubclass(field_class, PasswordField):
                filters = (bounds.without_zero_width, _strip, *filters)
                check = NoHiddenCharacters(multiline=issubclass(field_class, TextAreaField))
                validators = [check, *validators]
            elif issubclass(field_class, DateField):
                if not any(isinstance(v, DateWithin) for v in validators):
                    validators.append(DateWithin(bounds.EARLIEST_ANY, bounds.LATEST_ANY))
            elif not issubclass(field_class, PasswordField):
                filters = (_strip, *filters)
            return unbound_field.bind(
                form=form, filters=filters, **{**options, "validators": validators}
            )
