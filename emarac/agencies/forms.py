"""Forms for managing agencies and users."""

from __future__ import annotations

import uuid
from collections.abc import Collection

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from emarac.agencies.models import AGENCY_KIND_LABELS, ROLE_LABELS, Area, Role
from emarac.forms import BaseForm, GovDateField
from emarac.protocol.policy import AGENCY_ROLES


class AgencyForm(BaseForm):
    name = StringField(
        "Agency name",
        widget=GovTextInput(),
        validators=[DataRequired("Enter the agency's name"), Length(max=160)],
    )
    kind = SelectField(
        "Kind of agency",
        widget=GovSelect(),
        choices=[("", "Choose a kind")] + [(k.value, v) for k, v in AGENCY_KIND_LABELS.items()],
        validators=[DataRequired("Choose the kind of agency")],
    )
    area = SelectField(
        "MARAC area",
        widget=GovSelect(),
        choices=[],
        validate_choice=False,  # the service checks the area exists
        validators=[DataRequired("Choose the MARAC area")],
    )

    def offer_areas(self, areas: list[Area]) -> None:
        self.area.choices = [("", "Choose an area")] + [(str(a.id), a.name) for a in areas]

    def area_id(self) -> uuid.UUID | None:
        try:
            return uuid.UUID(self.area.data or "")
        except ValueError:
            return None

    signed_on = GovDateField(
        "Date the information-sharing protocol was signed",
        description="Leave blank if the agency has not signed yet. For example, 27 3 2026",
        validators=[Optional()],
    )
    submit = SubmitField("Save agency", widget=GovSubmitInput())


class ProtocolStatusForm(BaseForm):
    signed_on = GovDateField(
        "Date the information-sharing protocol was signed",
        description="Leave blank if the agency has not signed. For example, 27 3 2026",
        validators=[Optional()],
    )
    status = RadioField(
        "Status",
        widget=GovRadioInput(),
        choices=[
            ("active", "Active"),
            ("suspended", "Suspended: no one from this agency can sign in"),
        ],
        validators=[DataRequired("Choose a status")],
    )
    submit = SubmitField("Save", widget=GovSubmitInput())


def role_choices(offered: Collection[Role]) -> list[tuple[str, str]]:
    """The offered roles as checkbox choices, in the order of ROLE_LABELS."""
    return [(role.value, label) for role, label in ROLE_LABELS.items() if role in offered]


class RolesField(SelectMultipleField):
    """Role checkboxes that accept any real role, offered or not.

    Only the roles the administrator may grant are shown; a crafted request for
    another role gets through the form to the service, which refuses it with a
    message next to the field instead of WTForms' "not a valid choice".
    """

    def pre_validate(self, form: object) -> None:
        known = {role.value for role in Role}
        if any(value not in known for value in self.data or []):
            raise ValidationError("Choose roles from the list")


def _reason_field() -> TextAreaField:
    return TextAreaField(
        "Reason for the change",
        widget=GovTextArea(),
        description="Needed for the MARAC coordinator, chair, manager and system "
        "administrator roles. The reason is kept in the audit trail.",
        validators=[Optional(), Length(max=500)],
    )


class InviteUserForm(BaseForm):
    full_name = StringField(
        "Full name",
        widget=GovTextInput(),
        validators=[DataRequired("Enter the person's full name"), Length(max=160)],
    )
    email = StringField(
        "Work email address",
        widget=GovTextInput(),
        validators=[
            DataRequired("Enter the person's work email address"),
            Email(
                "Enter an email address in the correct format, like name@example.org",
                check_deliverability=False,
            ),
            Length(max=254),
        ],
    )
    roles = RolesField(
        "Roles",
        description="Select all that apply.",
        widget=GovCheckboxesInput(),
        choices=role_choices(AGENCY_ROLES),
        validators=[DataRequired("Select at least one role")],
    )
    reason = _reason_field()
    submit = SubmitField("Send invitation", widget=GovSubmitInput())


class UserRolesForm(BaseForm):
    roles = RolesField(
        "Roles",
        description="Select all that apply.",
        widget=GovCheckboxesInput(),
        choices=role_choices(AGENCY_ROLES),
        validators=[DataRequired("Select at least one role")],
    )
    reason = _reason_field()
    submit = SubmitField("Save roles", widget=GovSubmitInput())


class ConfirmForm(BaseForm):
    """A bare POST with its CSRF token, for buttons like suspend and reset."""

    submit = SubmitField("Confirm", widget=GovSubmitInput())


class AreaForm(BaseForm):
    """The settings of an area that exists: its population."""

    adult_female_population = StringField(
        "Women aged 16 and over living in the area",
        widget=GovTextInput(),
        description="From the latest population estimates, for example 210,000. "
        "Used for cases per 10,000 women; leave empty if not known.",
        validators=[Optional(), Length(max=20)],
    )
    submit = SubmitField("Save", widget=GovSubmitInput())

    def population(self) -> int | None:
        raw = (self.adult_female_population.data or "").replace(",", "").replace(" ", "")
        return int(raw) if raw else None

    def validate_adult_female_population(self, field: StringField) -> None:
        raw = (field.data or "").replace(",", "").replace(" ", "")
        if raw and (not raw.isdigit() or not 1_000 <= int(raw) <= 20_000_000):
            raise ValidationError("Enter a whole number between 1,000 and 20,000,000")


class NewAreaForm(AreaForm):
    """A new MARAC area: its name, and its population if known."""

    name = StringField(
        "Name of the MARAC area",
        widget=GovTextInput(),
        description="As partners know it, for example Northshire MARAC",
        validators=[DataRequired("Enter the name of the MARAC area"), Length(max=120)],
    )
    submit = SubmitField("Add area", widget=GovSubmitInput())
