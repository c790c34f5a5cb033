"""Meeting forms."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput
from wtforms import DateField, SubmitField
from wtforms.validators import DataRequired

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
