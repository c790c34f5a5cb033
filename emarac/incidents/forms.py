"""The incident form."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from emarac.bounds import EARLIEST_INCIDENT
from emarac.clock import today
from emarac.forms import BaseForm, DateWithin, GovDateField, TimeOfDayField
from emarac.incidents.models import INCIDENT_TYPE_LABELS, IncidentType
from emarac.incidents.services import ENCRYPTED, PLAIN, IncidentDetails


class IncidentForm(BaseForm):
    occurred_on = GovDateField(
        "Date of the incident",
        description="For example, 27 3 2026",
        validators=[
            DataRequired("Enter the date of the incident"),
            DateWithin(EARLIEST_INCIDENT, today),
        ],
    )
    occurred_time = TimeOfDayField(
        "Time (optional)", description="24-hour clock, for example 21:30"
    )
    types = SelectMultipleField(
        "What happened",
        widget=GovCheckboxesInput(),
        description="Select all that apply",
        choices=[(k.value, v) for k, v in INCIDENT_TYPE_LABELS.items()],
        validators=[DataRequired("Select what happened")],
    )
    perpetrator_id = SelectField(
        "Perpetrator", widget=GovSelect(), choices=[("", "Not known")], validators=[Optional()]
    )
    agency_reference = StringField(
        "Your agency's reference",
        widget=GovTextInput(),
        description="For example, a police crime number",
        validators=[Length(max=64)],
    )
    location = StringField("Where it happened", widget=GovTextInput(), validators=[Length(max=500)])
    injured = BooleanField("The victim was injured", widget=GovCheckboxInput())
    injuries = TextAreaField("Injuries", widget=GovTextArea(), validators=[Length(max=2000)])
    weapon_used = BooleanField("A weapon or object was used", widget=GovCheckboxInput())
    children_present = BooleanField("Children were present", widget=GovCheckboxInput())
    alcohol_or_drugs = BooleanField("Alcohol or drugs were involved", widget=GovCheckboxInput())
    police_attended = BooleanField("The police attended", widget=GovCheckboxInput())
    narrative = TextAreaField(
        "What happened, in your words", widget=GovTextArea(), validators=[Length(max=20000)]
    )
    submit = SubmitField("Save incident", widget=GovSubmitInput())

    def occurred_at(self) -> datetime:
        at = self.occurred_time.data or time(0, 0)
        return datetime.combine(self.occurred_on.data, at, tzinfo=UTC)

    def details(self, perpetrators: dict[str, Any]) -> IncidentDetails:
        """The answers as plain values; ``perpetrators`` maps the choices' ids to people."""
        details = IncidentDetails(
            occurred_at=self.occurred_at(),
            types={IncidentType(t) for t in self.types.data or []},
            perpetrator=perpetrators.get(self.perpetrator_id.data or ""),
        )
        for name in ENCRYPTED:
            setattr(details, name, getattr(self, name).data or None)
        for name in PLAIN:
            setattr(details, name, bool(getattr(self, name).data))
        return details

    def fill(self, details: IncidentDetails) -> None:
        """Start the form from what an incident says now (a correction changes it from there)."""
        at = details.occurred_at
        self.occurred_on.data = at.date()
        self.occurred_time.data = at.time() if at.time() != time(0, 0) else None
        self.types.data = [t.value for t in sorted(details.types)]
        self.perpetrator_id.data = str(details.perpetrator.id) if details.perpetrator else ""
        for name in (*ENCRYPTED, *PLAIN):
            getattr(self, name).data = getattr(details, name)


class IncidentCorrectionForm(IncidentForm):
    """The incident form again, with why it is being corrected."""

    reason = TextAreaField(
        "Why are you correcting this incident?",
        widget=GovTextArea(),
        description="For example, the date was typed wrongly. Kept with the earlier version.",
        validators=[
            DataRequired("Enter why you are correcting the incident"),
            Length(max=2000, message="The reason must be 2,000 characters or fewer"),
        ],
    )
    submit = SubmitField("Save the correction", widget=GovSubmitInput())
