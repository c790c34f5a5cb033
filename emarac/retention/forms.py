"""Retention review forms: keep a case for longer, or erase it."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextArea
from wtforms import SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from emarac.forms import BaseForm, GovDateField


class RetainForm(BaseForm):
    reason = TextAreaField(
        "Why is the case kept?",
        widget=GovTextArea(),
        description="Do not name anyone: say why the record is still needed.",
        validators=[DataRequired("Enter why the case is kept"), Length(max=1000)],
    )
    next_review_on = GovDateField(
        "Next review date",
        description="For example, 31 3 2028",
        validators=[DataRequired("Enter the next review date")],
    )
    submit = SubmitField("Keep the case", widget=GovSubmitInput())


class EraseForm(BaseForm):
    reason = TextAreaField(
        "Why is the case erased?",
        widget=GovTextArea(),
        description="Do not name anyone. This reason is kept with the decision.",
        validators=[DataRequired("Enter why the case is erased"), Length(max=1000)],
    )
    submit = SubmitField("Erase the case", widget=GovSubmitInput())
