"""Action forms."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import BooleanField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp

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


class TrackerFilterForm(BaseForm):
    """The tracker's filters: a GET form, so a filtered list can be bookmarked.

    Agencies and meetings are chosen by id from lists the service builds for the
    reader; a case reference is the only thing typed, and it is no one's name.
    """

    class Meta:
        csrf = False  # a GET form that only reads

    status = SelectField(
        "Status",
        widget=GovSelect(),
        choices=[("", "Any status"), *((s.value, s.label) for s in ActionStatus)],
        validators=[Optional()],
    )
    agency = SelectField("Owning agency", widget=GovSelect(), choices=[], validate_choice=False)
    reference = StringField(
        "Case reference",
        widget=GovTextInput(),
        description="All or part, like 000123",
        validators=[
            Optional(),
            Length(max=32, message="Case references are 32 characters or fewer"),
            Regexp(
                r"^[A-Za-z0-9-]*$",
                message="Enter a case reference with letters, numbers and hyphens only",
            ),
        ],
    )
    meeting = SelectField("Meeting", widget=GovSelect(), choices=[], validate_choice=False)
    overdue = BooleanField("Overdue only", widget=GovCheckboxInput())
    submit = SubmitField("Show actions", widget=GovSubmitInput())
