"""Meeting forms."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovSubmitInput, GovTextArea
from wtforms import BooleanField, DateField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from emarac.forms import BaseForm
from emarac.widgets import DateInput


class MeetingForm(BaseForm):
    held_on = DateField(
        "Date of the meeting",
        widget=DateInput(),
        format="%d %m %Y",
        description="For example, 14 12 2026",
        validators=[DataRequired("Enter the date of the meeting")],
    )
    submit = SubmitField("Create meeting", widget=GovSubmitInput())


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
