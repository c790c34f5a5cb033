"""The base form: strips surrounding whitespace from every text field but passwords."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import PasswordField


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class BaseForm(FlaskForm):
    class Meta:
        def bind_field(self, form: Any, unbound_field: Any, options: dict[str, Any]) -> Any:
            filters = tuple(unbound_field.kwargs.get("filters", ()))
            if not issubclass(unbound_field.field_class, PasswordField):
                filters = (_strip, *filters)
            return unbound_field.bind(form=form, filters=filters, **options)
