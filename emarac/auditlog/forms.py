"""The audit trail's filter form (a GET form: filters are ids and dates, never names)."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput, GovTextInput
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import Length, Optional, Regexp

from emarac.forms import BaseForm, GovDateField

ID_PATTERN = r"^[A-Za-z0-9_.:-]*$"


class AuditFilterForm(BaseForm):
    class Meta:
        csrf = False  # a read-only search sent with GET

    user_id = SelectField("User", widget=GovSelect(), choices=[], validators=[Optional()])
    agency_id = SelectField("Agency", widget=GovSelect(), choices=[], validators=[Optional()])
    action = StringField(
        "Action",
        widget=GovTextInput(),
        description="For example case.view, or auth. for every sign-in event",
        validators=[
            Optional(),
            Length(max=64),
            Regexp(r"^[a-z_.]*$", message="Enter an action name like case.view"),
        ],
    )
    object_type = StringField(
        "Record type",
        widget=GovTextInput(),
        description="For example marac_case or person",
        validators=[
            Optional(),
            Length(max=64),
            Regexp(r"^[a-z_]*$", message="Enter a record type like marac_case"),
        ],
    )
    object_id = StringField(
        "Record id",
        widget=GovTextInput(),
        validators=[Optional(), Length(max=64), Regexp(ID_PATTERN, message="Enter a record id")],
    )
    date_from = GovDateField("From", validators=[Optional()])
    date_to = GovDateField("To", validators=[Optional()])
    submit = SubmitField("Filter", widget=GovSubmitInput())
