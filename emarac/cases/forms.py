"""Case forms that are not about people."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
)
from wtforms import BooleanField, RadioField, SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from emarac.cases.models import CaseStatus
from emarac.forms import BaseForm

ACTIVE = "active"


class CaseFilterForm(BaseForm):
    """The case list's filters: a GET form, so a filtered list can be bookmarked."""

    class Meta:
        csrf = False  # a GET form that only reads

    status = SelectField(
        "Status",
        widget=GovSelect(),
        choices=[
            ("", "Any status"),
            (ACTIVE, "Not closed"),
            *((s.value, s.label) for s in CaseStatus),
        ],
        validators=[Optional()],
    )
    mine = BooleanField("Cases you lead", widget=GovCheckboxInput())
    repeat = BooleanField("Repeats only", widget=GovCheckboxInput())
    next_meeting = BooleanField("On the next meeting's agenda", widget=GovCheckboxInput())
    submit = SubmitField("Show cases", widget=GovSubmitInput())


class TransferForm(BaseForm):
    to_area = SelectField(
        "Transfer to the MARAC of",
        widget=GovSelect(),
        choices=[],
        validators=[DataRequired("Choose the area to transfer the case to")],
    )
    reason = TextAreaField(
        "Why is the case moving?",
        widget=GovTextArea(),
        validators=[DataRequired("Enter why the case is moving"), Length(max=2000)],
    )
    submit = SubmitField("Transfer the case", widget=GovSubmitInput())


class ExclusionForm(BaseForm):
    target = SelectField(
        "Person or agency",
        widget=GovSelect(),
        choices=[],
        validators=[DataRequired("Choose a person or an agency")],
    )
    reason = TextAreaField(
        "Why they must not receive it",
        widget=GovTextArea(),
        description="For example, related to the perpetrator",
        validators=[DataRequired("Enter why they must not receive it"), Length(max=2000)],
    )
    submit = SubmitField("Add to the list", widget=GovSubmitInput())


class EmergencyAccessForm(BaseForm):
    reason = TextAreaField(
        "Why do you need to see this case now?",
        widget=GovTextArea(),
        description="For example, the person is in the emergency department and you need "
        "the safety plan. The owning agency and the coordinators will read this.",
        validators=[DataRequired("Enter why you need emergency access"), Length(max=2000)],
    )
    hours = RadioField(
        "How long do you need access for?",
        widget=GovRadioInput(),
        choices=[("1", "1 hour"), ("4", "4 hours"), ("8", "8 hours"), ("24", "24 hours")],
        default="4",
        validators=[DataRequired("Choose how long you need access for")],
    )
    submit = SubmitField("Open the case read only", widget=GovSubmitInput())


class EmergencyReviewForm(BaseForm):
    outcome = RadioField(
        "Was this use justified?",
        widget=GovRadioInput(),
        choices=[("justified", "Justified"), ("not_justified", "Not justified")],
        validators=[DataRequired("Choose whether the use was justified")],
    )
    note = TextAreaField(
        "Note",
        widget=GovTextArea(),
        description="Needed when the use was not justified.",
        validators=[Length(max=2000)],
    )
    submit = SubmitField("Save the review", widget=GovSubmitInput())
