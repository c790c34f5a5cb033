"""The disclosure register's filter (a GET form: a case reference and a recipient's name)."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import StringField, SubmitField
from wtforms.validators import Length, Optional, Regexp

from emarac.forms import BaseForm


class RegisterFilterForm(BaseForm):
    class Meta:
        csrf = False  # a read-only search sent with GET

    case_reference = StringField(
        "Case reference",
        widget=GovTextInput(),
        description="For example MARAC-2026-000123",
        validators=[
            Optional(),
            Length(max=32),
            Regexp(
                r"^[A-Za-z]+-\d{4}-\d+$",
                message="Enter a case reference like MARAC-2026-000123",
            ),
        ],
    )
    recipient = StringField(
        "Recipient",
        widget=GovTextInput(),
        description="Part of the name of the person, agency or body it went to",
        validators=[
            Optional(),
            Length(max=100, message="Recipient must be 100 characters or fewer"),
        ],
    )
    submit = SubmitField("Filter", widget=GovSubmitInput())
