"""The form of an area's referral thresholds."""

from __future__ import annotations

from typing import Any

from govuk_frontend_wtf.wtforms_widgets import (
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import RadioField, SelectField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, ValidationError

from emarac.agencies.models import AgencyKind
from emarac.forms import BaseForm
from emarac.risk import return_sources
from emarac.risk.area_settings import LIMITS, SettingsInput

WHAT_COUNTS = [
    ("all", "Every incident, whoever recorded it"),
    ("police", "Only incidents the police attended"),
]


def _number(what: str, *, missing: str) -> list[Any]:
    """A whole number within the area's limits, with the message naming the setting."""

    def check(form: Any, field: Any) -> None:
        raw = (field.data or "").strip()
        low, high = LIMITS[field.name]
        if not raw.isdigit() or not low <= int(raw) <= high:
            raise ValidationError(f"Enter {what} as a whole number from {low} to {high}")

    return [
        InputRequired(missing),
        Length(max=10, message=f"Enter {what} as a whole number"),
        check,
    ]


class AreaRiskSettingsForm(BaseForm):
    high_from = StringField(
        "High risk from (yes answers)",
        widget=GovTextInput(),
        description="Visible high risk: this many yes answers or more on the checklist. "
        "The national figure is 14.",
        validators=_number(
            "the yes answers for high risk", missing="Enter the yes answers for high risk"
        ),
    )
    medium_from = StringField(
        "Medium risk from (yes answers)",
        widget=GovTextInput(),
        description="Must be below high risk. The national figure is 10.",
        validators=_number(
            "the yes answers for medium risk", missing="Enter the yes answers for medium risk"
        ),
    )
    escalation_incidents = StringField(
        "Potential escalation from (incidents in 12 months)",
        widget=GovTextInput(),
        description="The national figure is 3.",
        validators=_number(
            "the number of incidents for potential escalation",
            missing="Enter the number of incidents for potential escalation",
        ),
    )
    escalation_counts = RadioField(
        "Which incidents count towards escalation",
        widget=GovRadioInput(),
        choices=WHAT_COUNTS,
        validators=[InputRequired("Select which incidents count towards escalation")],
    )
    repeat_months = StringField(
        "Repeat window (months after the last accepted referral)",
        widget=GovTextInput(),
        description="Further abuse within this many months is a repeat. The national figure is 12.",
        validators=_number(
            "the repeat window in months", missing="Enter the repeat window in months"
        ),
    )
    join_days_before = StringField(
        "People may join a meeting this many days before it",
        widget=GovTextInput(),
        description="0 means on the day of the meeting only.",
        validators=_number(
            "the days before a meeting that people may join it",
            missing="Enter the days before a meeting that people may join it",
        ),
    )
    submit = SubmitField("Save settings", widget=GovSubmitInput())

    def fill(self, current: SettingsInput) -> None:
        self.high_from.data = str(current.high_from)
        self.medium_from.data = str(current.medium_from)
        self.escalation_incidents.data = str(current.escalation_incidents)
        self.escalation_counts.data = "police" if current.escalation_police_only else "all"
        self.repeat_months.data = str(current.repeat_months)
        self.join_days_before.data = str(current.join_days_before)

    def validate_medium_from(self, field: Any) -> None:
        medium, high = (field.data or "").strip(), (self.high_from.data or "").strip()
        # Compared only with a valid high figure (declared first, so already checked).
        if self.high_from.errors or not (medium.isdigit() and high.isdigit()):
            return
        if int(medium) >= int(high):
            raise ValidationError("Medium risk must start below high risk")

    def data_in(self) -> SettingsInput:
        return SettingsInput(
            medium_from=int(self.medium_from.data),
            high_from=int(self.high_from.data),
            escalation_incidents=int(self.escalation_incidents.data),
            escalation_police_only=self.escalation_counts.data == "police",
            repeat_months=int(self.repeat_months.data),
            join_days_before=int(self.join_days_before.data),
        )


class ReturnSourcesForm(BaseForm):
    """One choice per kind of agency: the data return's category its referrals count under.

    The fields (``kind_police``, ...) are added below, one per ``AgencyKind``.
    """

    submit_sources = SubmitField("Save referral sources", widget=GovSubmitInput())

    def kind_fields(self) -> list[Any]:
        return [self[f"kind_{kind.value}"] for kind in AgencyKind]

    def fill(self, sources: dict[str, str]) -> None:
        for kind in AgencyKind:
            self[f"kind_{kind.value}"].data = sources[kind.value]

    def data_in(self) -> dict[str, str]:
        return {kind.value: self[f"kind_{kind.value}"].data for kind in AgencyKind}


for _kind in AgencyKind:
    setattr(
        ReturnSourcesForm,
        f"kind_{_kind.value}",
        SelectField(
            _kind.label,
            widget=GovSelect(),
            choices=list(return_sources.RETURN_SOURCES),
            validators=[InputRequired(f"Select the referral source for {_kind.label.lower()}")],
        ),
    )
