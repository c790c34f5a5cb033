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
from wtforms.validators import DataRequired, Length, Optional, ValidationError

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


class ConferenceForm(BaseForm):
    discussion = TextAreaField(
        "Summary of the discussion",
        widget=GovTextArea(),
        validators=[DataRequired(SUMMARY_REQUIRED), Length(max=20000)],
    )
    agreed_risk = RadioField(
        "Risk level agreed by the meeting",
        widget=GovRadioInput(),
        choices=[("standard", "Standard"), ("medium", "Medium"), ("high", "High")],
        validators=[DataRequired("Choose the risk level the meeting agreed")],
    )
    submit = SubmitField("Save this case", widget=GovSubmitInput())


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
