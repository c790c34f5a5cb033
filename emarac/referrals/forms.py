"""Referral and triage forms."""

from __future__ import annotations

from typing import Any

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
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from emarac.agencies.models import AGENCY_KIND_LABELS
from emarac.bounds import EARLIEST_INCIDENT
from emarac.clock import today
from emarac.forms import BaseForm, DateWithin, GovDateField
from emarac.incidents.models import INCIDENT_TYPE_LABELS
from emarac.referrals.models import Consent, VictimAware
from emarac.risk.rules import Criterion

CRITERIA = [
    (Criterion.VISIBLE_HIGH_RISK.value, "Visible high risk: 14 or more yes answers"),
    (Criterion.PROFESSIONAL_JUDGEMENT.value, "Professional judgement"),
    (
        Criterion.POTENTIAL_ESCALATION.value,
        "Potential escalation: 3 or more incidents in 12 months",
    ),
    (
        Criterion.REPEAT.value,
        "Repeat: further abuse within 12 months of the last accepted referral",
    ),
]


class ReferralForm(BaseForm):
    criteria = SelectMultipleField(
        "Referral criteria",
        widget=GovCheckboxesInput(),
        description="Criteria the case already meets are ticked and cannot be removed",
        choices=CRITERIA,
        validators=[Optional()],
    )
    judgement_reason = TextAreaField(
        "Reason for professional judgement", widget=GovTextArea(), validators=[Length(max=5000)]
    )
    consent = RadioField(
        "Consent",
        widget=GovRadioInput(),
        choices=[(c.value, c.label) for c in Consent],
        validators=[DataRequired("Select the consent position")],
    )
    consent_reason = TextAreaField(
        "If consent was overridden: why", widget=GovTextArea(), validators=[Length(max=2000)]
    )
    consent_decided_by = StringField(
        "If consent was overridden: who decided",
        widget=GovTextInput(),
        validators=[Length(max=200)],
    )
    risks = TextAreaField(
        "The risks, in your words",
        widget=GovTextArea(),
        validators=[DataRequired("Describe the risks in your own words"), Length(max=10000)],
    )
    safety_measures = TextAreaField(
        "Immediate safety measures already taken",
        widget=GovTextArea(),
        description="For example, a police marker on the address, a refuge place, a lock change",
        validators=[Length(max=10000)],
    )
    victim_aware = RadioField(
        "Does the victim know about this referral?",
        widget=GovRadioInput(),
        choices=[(v.value, v.label) for v in VictimAware],
        validators=[DataRequired("Select whether the victim knows about the referral")],
    )
    other_agencies = SelectMultipleField(
        "Other agencies involved with the victim or the family",
        widget=GovCheckboxesInput(),
        description="Select all that apply",
        choices=[(k.value, v) for k, v in AGENCY_KIND_LABELS.items()],
        validators=[Optional()],
    )
    language = StringField(
        "The victim's first language",
        widget=GovTextInput(),
        description="From the victim's record: change it if it is wrong",
        validators=[Length(max=80)],
    )
    interpreter_needed = BooleanField("An interpreter is needed", widget=GovCheckboxInput())
    children_notes = TextAreaField(
        "Anything else about the children",
        widget=GovTextArea(),
        description="For example, a child protection plan, or a child not listed on the case",
        validators=[Length(max=5000)],
    )
    referrer_name = StringField(
        "Your name",
        widget=GovTextInput(),
        validators=[DataRequired("Enter your name"), Length(max=200)],
    )
    referrer_phone = StringField(
        "Your phone number",
        widget=GovTextInput(),
        description="A phone number or an email address is needed",
        validators=[Length(max=40)],
    )
    referrer_email = StringField(
        "Your email address",
        widget=GovTextInput(),
        validators=[
            Optional(),
            Length(max=254),
            # The shape only: the address is how partners reach the referrer, and
            # an account's own address (prefilled) may sit on a reserved test domain.
            Regexp(
                r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
                message="Enter an email address in the correct format, like name@example.com",
            ),
        ],
    )
    has_idva = BooleanField("The victim already has an IDVA", widget=GovCheckboxInput())
    refer_to_idva = BooleanField(
        "Refer to the IDVA service at the same time", widget=GovCheckboxInput()
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())

    def validate_referrer_phone(self, field: Any) -> None:
        if not (field.data or "").strip() and not (self.referrer_email.data or "").strip():
            raise ValidationError("Enter a phone number or an email address to reach you")


class AcceptForm(BaseForm):
    meeting_id = SelectField("Meeting", widget=GovSelect(), choices=[], validators=[Optional()])
    new_meeting_on = GovDateField(
        "Or a new meeting on",
        description="For example, 14 12 2026",
        validators=[Optional()],
    )
    submit = SubmitField("Accept onto the meeting", widget=GovSubmitInput())

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        # Both fields are optional alone, but one is needed (a date typed in but not
        # understood has its own message). Not a field validator: Optional() would stop it.
        if not self.meeting_id.data and not any(self.new_meeting_on.raw_data or ()):
            self.meeting_id.errors = [
                *self.meeting_id.errors,
                "Choose a meeting or enter the date of a new one",
            ]
            return False
        return valid


class ReturnForm(BaseForm):
    reason = TextAreaField(
        "Why is it being returned?",
        widget=GovTextArea(),
        validators=[DataRequired("Enter why the referral is being returned"), Length(max=2000)],
    )
    submit = SubmitField("Return to the referrer", widget=GovSubmitInput())


class ConfirmRepeatForm(AcceptForm):
    submit = SubmitField("Confirm onto the meeting", widget=GovSubmitInput())


class DismissRepeatForm(BaseForm):
    reason = TextAreaField(
        "Why is the repeat being dismissed?",
        widget=GovTextArea(),
        validators=[DataRequired("Enter why the repeat is being dismissed"), Length(max=2000)],
    )
    submit = SubmitField("Dismiss the repeat", widget=GovSubmitInput())


class ReportIncidentForm(BaseForm):
    """A further incident reported from a hint: only what the reporter knows."""

    occurred_on = GovDateField(
        "Date of the incident",
        description="For example, 27 3 2026",
        validators=[
            DataRequired("Enter the date of the incident"),
            DateWithin(EARLIEST_INCIDENT, today),
        ],
    )
    type = RadioField(
        "What happened",
        widget=GovRadioInput(),
        choices=[(k.value, v) for k, v in INCIDENT_TYPE_LABELS.items()],
        validators=[DataRequired("Select what happened")],
    )
    account = TextAreaField(
        "A short account",
        widget=GovTextArea(),
        description="What happened and how you learnt of it. Do not include anything the "
        "coordinator does not need.",
        validators=[
            DataRequired("Enter a short account of the incident"),
            Length(max=2000, message="The account must be 2,000 characters or fewer"),
        ],
    )
    submit = SubmitField("Send to the coordinator", widget=GovSubmitInput())


class MarkSeenForm(BaseForm):
    submit = SubmitField("Mark as seen", widget=GovSubmitInput())
