"""Meeting forms."""

from __future__ import annotations

from datetime import time

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    Field,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, StopValidation, ValidationError

from emarac.forms import BaseForm, GovDateField, TimeOfDayField


class MeetingForm(BaseForm):
    held_on = GovDateField(
        "Date of the meeting",
        description="For example, 14 12 2026",
        validators=[DataRequired("Enter the date of the meeting")],
    )
    starts_at = TimeOfDayField(
        "Start time",
        description="24-hour clock, for example 10:00 or 14:30",
        message="Enter the start time like 10:00 or 14:30",
    )
    place = StringField(
        "Place",
        widget=GovTextInput(),
        description="The venue, for example Committee Room 2, Civic Centre",
        validators=[Optional(), Length(max=200)],
    )
    online_link = StringField(
        "Online meeting link",
        widget=GovTextInput(),
        description="If people can join online",
        validators=[Optional(), Length(max=500)],
    )
    chair_id = SelectField("Chair", widget=GovSelect(), choices=[], validators=[Optional()])
    submit = SubmitField("Create meeting", widget=GovSubmitInput())

    def start_time(self) -> time | None:
        return self.starts_at.data

    def validate_online_link(self, field: Field) -> None:
        if field.data and not field.data.startswith("https://"):
            raise ValidationError("Enter a link starting with https://")


class MeetingEditForm(MeetingForm):
    coordinator_id = SelectField(
        "Coordinator", widget=GovSelect(), choices=[], validators=[Optional()]
    )
    invited = SelectMultipleField(
        "Invited agencies",
        widget=GovCheckboxesInput(),
        description="Agencies invited see the agenda once it is released and add research",
        choices=[],
        validators=[DataRequired("Choose at least one agency of the area to invite")],
    )
    submit = SubmitField("Save changes", widget=GovSubmitInput())


SUMMARY_REQUIRED = "Enter a summary of the discussion"


class OnlyWhenHeard:
    """Skip a field's remaining checks when the case was deferred or withdrawn.

    The summary and risk level belong to a heard case; for the others they are
    neither required nor checked (what was typed is kept as the draft).
    """

    def __call__(self, form: ConferenceForm, field: Field) -> None:
        if form.outcome.data != "heard":
            if isinstance(field, RadioField):
                field.errors[:] = []  # "Not a valid choice" for no risk level: not asked for
            raise StopValidation()


class ConferenceForm(BaseForm):
    outcome = RadioField(
        "How did the meeting end this case?",
        widget=GovRadioInput(),
        choices=[
            ("heard", "Heard"),
            ("deferred", "Deferred to the next meeting"),
            ("withdrawn", "Withdrawn"),
        ],
        default="heard",
        validators=[DataRequired("Choose how the meeting ended this case")],
    )
    deferred_reason = TextAreaField(
        "Why is the case deferred?",
        widget=GovTextArea(),
        validators=[Length(max=5000)],
    )
    withdrawn_reason = TextAreaField(
        "Why is the case withdrawn?",
        widget=GovTextArea(),
        validators=[Length(max=5000)],
    )
    discussion = TextAreaField(
        "Summary of the discussion",
        widget=GovTextArea(),
        validators=[OnlyWhenHeard(), DataRequired(SUMMARY_REQUIRED), Length(max=20000)],
    )
    agreed_risk = RadioField(
        "Risk level agreed by the meeting",
        widget=GovRadioInput(),
        choices=[("standard", "Standard"), ("medium", "Medium"), ("high", "High")],
        validators=[OnlyWhenHeard(), DataRequired("Choose the risk level the meeting agreed")],
    )
    submit = SubmitField("Save this case", widget=GovSubmitInput())

    def validate_deferred_reason(self, field: Field) -> None:
        if self.outcome.data == "deferred" and not field.data:
            raise ValidationError("Enter why the case is deferred to the next meeting")

    def validate_withdrawn_reason(self, field: Field) -> None:
        if self.outcome.data == "withdrawn" and not field.data:
            raise ValidationError("Enter why the case is withdrawn")

    def reason(self) -> str:
        """The reason typed for the chosen outcome (the other box is ignored)."""
        if self.outcome.data == "deferred":
            return self.deferred_reason.data or ""
        if self.outcome.data == "withdrawn":
            return self.withdrawn_reason.data or ""
        return ""


class ResearchForm(BaseForm):
    no_information = BooleanField(
        "Our agency holds no information on this case", widget=GovCheckboxInput()
    )
    about_victim = TextAreaField(
        "About the victim", widget=GovTextArea(), validators=[Length(max=10000)]
    )
    about_perpetrator = TextAreaField(
        "About the perpetrator", widget=GovTextArea(), validators=[Length(max=10000)]
    )
    about_children = TextAreaField(
        "About the children", widget=GovTextArea(), validators=[Length(max=10000)]
    )
    submit = SubmitField("Save research", widget=GovSubmitInput())
