"""Action forms."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSelect, GovSubmitInput, GovTextArea
from wtforms import RadioField, SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from emarac.actions.models import ActionStatus
from emarac.forms import BaseForm, GovDateField


class ActionForm(BaseForm):
    description = TextAreaField(
        "Action",
        widget=GovTextArea(),
        validators=[DataRequired("Describe the action"), Length(max=2000)],
    )
    owner_agency_id = SelectField(
        "Owning agency",
        widget=GovSelect(),
        choices=[],
        validators=[DataRequired("Choose the agency that owns it")],
    )
    due_on = GovDateField(
        "Due by",
        description="For example, 31 12 2026",
        validators=[DataRequired("Enter the due date")],
    )
    submit = SubmitField("Add action", widget=GovSubmitInput())


class ActionUpdateForm(BaseForm):
    status = RadioField(
        "Status",
        widget=GovRadioInput(),
        choices=[(s.value, s.label) for s in ActionStatus],
        validators=[DataRequired("Choose the status")],
    )
    note = TextAreaField(
        "Completion note, or why it cannot be done",
        widget=GovTextArea(),
        validators=[Length(max=2000)],
    )
    submit = SubmitField("Save", widget=GovSubmitInput())
