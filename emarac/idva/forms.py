"""Forms of the IDVA's workspace."""

from __future__ import annotations

from datetime import UTC, datetime, time

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import BooleanField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from emarac.bounds import EARLIEST_INCIDENT
from emarac.clock import today
from emarac.forms import BaseForm, DateWithin, GovDateField, TimeOfDayField
from emarac.idva.models import (
    ConsentStatus,
    ContactMethod,
    ContactOutcome,
    Engagement,
    PlanItemStatus,
)
from emarac.idva.services import PLAN_ROWS


class AllocateForm(BaseForm):
    idva_id = SelectField(
        "Allocate to",
        widget=GovSelect(),
        choices=[],
        validators=[DataRequired("Choose the IDVA to allocate the case to")],
    )
    submit = SubmitField("Allocate", widget=GovSubmitInput())


class StatusForm(BaseForm):
    consent = RadioField(
        "Consent to the IDVA service",
        widget=GovRadioInput(),
        choices=[(c.value, c.label) for c in ConsentStatus],
        validators=[DataRequired("Choose whether the victim has given consent")],
    )
    consent_on = GovDateField(
        "Date consent was asked for",
        description="For example, 27 11 2026. Leave blank if not yet asked.",
        validators=[Optional(), DateWithin(EARLIEST_INCIDENT, today)],
    )
    engagement = RadioField(
        "Engagement",
        widget=GovRadioInput(),
        choices=[(e.value, e.label) for e in Engagement],
        validators=[DataRequired("Choose how the victim is engaging")],
    )
    note = TextAreaField("Note (optional)", widget=GovTextArea(), validators=[Length(max=2000)])
    submit = SubmitField("Save consent and engagement", widget=GovSubmitInput())


class VoiceForm(BaseForm):
    wishes = TextAreaField(
        "What the victim wishes",
        widget=GovTextArea(),
        description="In the victim's own words where you can",
        validators=[Length(max=5000)],
    )
    fears = TextAreaField(
        "What the victim fears", widget=GovTextArea(), validators=[Length(max=5000)]
    )
    wants_from_marac = TextAreaField(
        "What the victim wants from MARAC", widget=GovTextArea(), validators=[Length(max=5000)]
    )
    submit = SubmitField("Save the victim's voice", widget=GovSubmitInput())


class _PlanFields(BaseForm):
    submit = SubmitField("Save the safety plan", widget=GovSubmitInput())


# One row of fields per item (measure, who, status): the page works without
# JavaScript, so the form has a fixed number of rows and blank ones are dropped.
for _n in range(1, PLAN_ROWS + 1):
    setattr(
        _PlanFields,
        f"measure_{_n}",
        StringField(f"Safety measure {_n}", widget=GovTextInput(), validators=[Length(max=500)]),
    )
    setattr(
        _PlanFields,
        f"who_{_n}",
        StringField(
            f"Who is responsible for measure {_n}",
            widget=GovTextInput(),
            validators=[Length(max=200)],
        ),
    )
    setattr(
        _PlanFields,
        f"status_{_n}",
        SelectField(
            f"Status of measure {_n}",
            widget=GovSelect(),
            choices=[(s.value, s.label) for s in PlanItemStatus],
            default=PlanItemStatus.PLANNED.value,
        ),
    )


class SafetyPlanForm(_PlanFields):
    rows = range(1, PLAN_ROWS + 1)


class ContactForm(BaseForm):
    contacted_on = GovDateField(
        "Date",
        description="For example, 27 11 2026",
        validators=[
            DataRequired("Enter the date of the contact"),
            DateWithin(EARLIEST_INCIDENT, today),
        ],
    )
    contacted_time = TimeOfDayField(
        "Time",
        description="24-hour clock, for example 14:30",
        validators=[DataRequired("Enter the time of the contact")],
    )
    method = RadioField(
        "How",
        widget=GovRadioInput(),
        choices=[(m.value, m.label) for m in ContactMethod],
        validators=[DataRequired("Choose how you tried to contact the victim")],
    )
    outcome = RadioField(
        "Outcome",
        widget=GovRadioInput(),
        choices=[(o.value, o.label) for o in ContactOutcome],
        validators=[DataRequired("Choose what came of it")],
    )
    safety_confirmed = BooleanField(
        "I checked that this method was safe to use", widget=GovCheckboxInput()
    )
    notes = TextAreaField("Notes (optional)", widget=GovTextArea(), validators=[Length(max=5000)])
    submit = SubmitField("Log the contact", widget=GovSubmitInput())

    def contacted_at(self) -> datetime:
        at = self.contacted_time.data or time(0, 0)
        return datetime.combine(self.contacted_on.data, at, tzinfo=UTC)
