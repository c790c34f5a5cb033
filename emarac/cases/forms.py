"""Case forms that are not about people."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput, GovTextArea
from wtforms import SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from emarac.forms import BaseForm


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
