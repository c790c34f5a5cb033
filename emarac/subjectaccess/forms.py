"""Finding whose subject access request it is, by case reference."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import StringField, SubmitField
from wtforms.validators import InputRequired, Length, Regexp

from emarac.forms import BaseForm


class CaseLookupForm(BaseForm):
    class Meta:
        csrf = False  # a read-only look-up sent with GET

    reference = StringField(
        "Case reference",
        widget=GovTextInput(),
        description="The reference of a case the person is part of, like MARAC-2026-000123",
        validators=[
            InputRequired(message="Enter the case reference"),
            Length(max=32, message="Enter a case reference like MARAC-2026-000123"),
            Regexp(
                r"^\s*[A-Za-z]+-\d{4}-\d+\s*$",
                message="Enter a case reference like MARAC-2026-000123",
            ),
        ],
    )
    submit = SubmitField("Find the people on the case", widget=GovSubmitInput())
