"""The form that records apologies sent for an agency invited to a meeting."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from emarac.forms import BaseForm


class ApologyForm(BaseForm):
    agency_id = SelectField(
        "Agency",
        widget=GovSelect(),
        choices=[],
        validators=[DataRequired("Choose the agency that sent apologies")],
    )
    name = StringField(
        "Name of the person sending apologies",
        widget=GovTextInput(),
        validators=[
            DataRequired("Enter the name of the person sending apologies"),
            Length(max=160, message="Name must be 160 characters or fewer"),
        ],
    )
    note = TextAreaField(
        "Note (optional)",
        widget=GovTextArea(),
        description="For example, who will send their agency's update instead.",
        validators=[Length(max=500, message="Note must be 500 characters or fewer")],
    )
    submit = SubmitField("Record apologies", widget=GovSubmitInput())
