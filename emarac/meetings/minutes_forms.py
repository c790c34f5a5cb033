"""Forms of the minutes: editing a draft, returning it, correcting sent minutes."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextArea
from wtforms import SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from emarac.forms import BaseForm
from emarac.meetings.minutes import MAX_REASON, MAX_TEXT


class DraftMinutesForm(BaseForm):
    discussion = TextAreaField(
        "Discussion",
        widget=GovTextArea(),
        description="What the meeting said about this case, as the minutes will record it. "
        "Start each paragraph on a new line.",
        validators=[
            DataRequired("Enter the discussion for the minutes"),
            Length(max=MAX_TEXT, message=f"Enter no more than {MAX_TEXT:,} characters"),
        ],
    )
    submit = SubmitField("Save the draft", widget=GovSubmitInput())


class ReturnMinutesForm(BaseForm):
    comment = TextAreaField(
        "What should the coordinator change?",
        widget=GovTextArea(),
        description="The coordinator sees this on the meeting page.",
        validators=[
            DataRequired("Enter what the coordinator should change"),
            Length(max=MAX_REASON, message=f"Enter no more than {MAX_REASON:,} characters"),
        ],
    )
    submit = SubmitField("Return the draft to the coordinator", widget=GovSubmitInput())


class CorrectMinutesForm(BaseForm):
    discussion = TextAreaField(
        "Corrected discussion",
        widget=GovTextArea(),
        description="Start each paragraph on a new line: readers see the paragraphs "
        "removed and added.",
        validators=[
            DataRequired("Enter the corrected discussion"),
            Length(max=MAX_TEXT, message=f"Enter no more than {MAX_TEXT:,} characters"),
        ],
    )
    reason = TextAreaField(
        "Why are the minutes being corrected?",
        widget=GovTextArea(),
        description="Everyone who received the minutes sees this with the new version.",
        validators=[
            DataRequired("Enter why the minutes are being corrected"),
            Length(max=MAX_REASON, message=f"Enter no more than {MAX_REASON:,} characters"),
        ],
    )
    submit = SubmitField("Correct and send the new version", widget=GovSubmitInput())
