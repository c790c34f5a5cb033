"""Forms for people: the victim, a perpetrator, a child; and search."""

from __future__ import annotations

from typing import Any

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from emarac.bounds import EARLIEST_BIRTH
from emarac.clock import today
from emarac.forms import BaseForm, DateWithin, GovDateField
from emarac.people.corrections import Correction
from emarac.people.models import ETHNIC_LABELS, GENDER_LABELS, YES_NO_LABELS
from emarac.people.rules import victim_age_problem
from emarac.people.services import PersonDetails, SearchQuery

DATE_HINT = "For example, 27 3 1990"


class PersonFields(BaseForm):
    """Fields every person form shares."""

    given_name = StringField(
        "First name",
        widget=GovTextInput(),
        validators=[DataRequired("Enter the first name"), Length(max=200)],
    )
    family_name = StringField(
        "Last name",
        widget=GovTextInput(),
        validators=[DataRequired("Enter the last name"), Length(max=200)],
    )
    aliases = TextAreaField(
        "Other names they are known by",
        widget=GovTextArea(),
        description="One name on each line",
        validators=[Length(max=2000)],
    )
    date_of_birth = GovDateField(
        "Date of birth",
        description=DATE_HINT,
        validators=[Optional(), DateWithin(EARLIEST_BIRTH, today)],
    )
    estimated_age = IntegerField(
        "Age, if the date of birth is not known",
        widget=GovTextInput(),
        validators=[Optional(), NumberRange(0, 120, "Enter an age from 0 to 120")],
    )
    gender = RadioField(
        "Gender",
        widget=GovRadioInput(),
        choices=[(k.value, v) for k, v in GENDER_LABELS.items()],
        default="not_known",
        validators=[DataRequired("Select the gender")],
    )

    def details(self) -> PersonDetails:
        aliases = [line for line in (self.data.get("aliases") or "").splitlines() if line.strip()]
        values = {
            k: v
            for k, v in self.data.items()
            if k in PersonDetails.__dataclass_fields__ and k != "aliases"
        }
        for key, value in list(values.items()):
            if value == "":
                values[key] = None
        return PersonDetails(aliases=aliases, **values)


def _factor(question: str) -> Any:
    """A yes / no / not known question feeding the causal-factor indicators."""
    return RadioField(
        question,
        widget=GovRadioInput(),
        choices=[(k.value, v) for k, v in YES_NO_LABELS.items()],
        default="not_known",
    )


class VictimForm(PersonFields):
    ethnic_group = SelectField(
        "Ethnic group",
        widget=GovSelect(),
        choices=[(k.value, v) for k, v in ETHNIC_LABELS.items()],
        default="not_known",
    )
    disability = RadioField(
        "Does the victim have a disability?",
        widget=GovRadioInput(),
        choices=[(k.value, v) for k, v in YES_NO_LABELS.items()],
        default="not_known",
    )
    lgbt = RadioField(
        "Is the victim lesbian, gay, bisexual or transgender? (optional)",
        widget=GovRadioInput(),
        choices=[(k.value, v) for k, v in YES_NO_LABELS.items()],
        default="not_known",
    )
    alcohol = _factor("Does the victim have a problem with alcohol?")
    drugs = _factor("Does the victim have a problem with drugs?")
    mental_health = _factor("Does the victim have a mental-health problem?")
    first_language = StringField(
        "First language", widget=GovTextInput(), validators=[Length(max=80)]
    )
    interpreter_needed = BooleanField("An interpreter is needed", widget=GovCheckboxInput())
    immigration_concern = BooleanField(
        "There is a concern about immigration status", widget=GovCheckboxInput()
    )
    current_address = TextAreaField(
        "Current address", widget=GovTextArea(), validators=[Length(max=500)]
    )
    postcode = StringField("Postcode", widget=GovTextInput(), validators=[Length(max=16)])
    restricted_address = BooleanField(
        "This is a refuge or confidential address",
        widget=GovCheckboxInput(),
        description="Only the owning agency, the IDVA and the coordinator will see it",
    )
    phone = StringField("Phone number", widget=GovTextInput(), validators=[Length(max=40)])
    email = StringField("Email address", widget=GovTextInput(), validators=[Length(max=254)])
    safe_phone = StringField(
        "Safe phone number",
        widget=GovTextInput(),
        description="A number the abuser does not know",
        validators=[Length(max=40)],
    )
    safe_times = StringField(
        "Safe times to contact", widget=GovTextInput(), validators=[Length(max=200)]
    )
    may_leave_message = BooleanField(
        "A message may be left on the safe number", widget=GovCheckboxInput()
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())

    def validate_date_of_birth(self, field: Any) -> None:
        problem = victim_age_problem(field.data, None, today=today())
        if problem:
            raise ValidationError(problem)

    def validate_estimated_age(self, field: Any) -> None:
        if self.date_of_birth.data is None:
            problem = victim_age_problem(None, field.data, today=today())
            if problem:
                raise ValidationError(problem)


RELATIONSHIPS = [
    ("partner", "Partner"),
    ("ex_partner", "Ex-partner"),
    ("family_member", "Family member"),
    ("other", "Other"),
]


class PerpetratorForm(PersonFields):
    relationship = RadioField(
        "Relationship to the victim",
        widget=GovRadioInput(),
        choices=RELATIONSHIPS,
        validators=[DataRequired("Select the relationship to the victim")],
    )
    alcohol = _factor("Does the perpetrator have a problem with alcohol?")
    drugs = _factor("Does the perpetrator have a problem with drugs?")
    mental_health = _factor("Does the perpetrator have a mental-health problem?")
    ethnic_group = SelectField(
        "Ethnic group",
        widget=GovSelect(),
        choices=[(k.value, v) for k, v in ETHNIC_LABELS.items()],
        default="not_known",
    )
    current_address = TextAreaField(
        "Current address", widget=GovTextArea(), validators=[Length(max=500)]
    )
    postcode = StringField("Postcode", widget=GovTextInput(), validators=[Length(max=16)])
    phone = StringField("Phone number", widget=GovTextInput(), validators=[Length(max=40)])
    submit = SubmitField("Add perpetrator", widget=GovSubmitInput())


class ChildForm(PersonFields):
    school = StringField("School or nursery", widget=GovTextInput(), validators=[Length(max=200)])
    lives_in_household = BooleanField(
        "Lives in the victim's household", widget=GovCheckboxInput(), default=True
    )
    submit = SubmitField("Add child", widget=GovSubmitInput())


class SearchForm(BaseForm):
    """Sent by POST: search terms are personal data and never go in a URL."""

    name = StringField(
        "Name",
        widget=GovTextInput(),
        description="Any part of the name: first, last or both, or an initial and last name",
        validators=[Length(max=200)],
    )
    date_of_birth = GovDateField(
        "Date of birth",
        description=DATE_HINT,
        validators=[Optional(), DateWithin(EARLIEST_BIRTH, today)],
    )
    phone = StringField("Phone number", widget=GovTextInput(), validators=[Length(max=40)])
    postcode = StringField("Postcode", widget=GovTextInput(), validators=[Length(max=16)])
    reference = StringField(
        "Case or agency reference",
        widget=GovTextInput(),
        description="A MARAC case reference or, for example, a police crime number",
        validators=[Length(max=64)],
    )
    submit = SubmitField("Search", widget=GovSubmitInput())

    def query(self) -> SearchQuery:
        return SearchQuery(
            name=self.name.data or None,
            date_of_birth=self.date_of_birth.data,
            phone=self.phone.data or None,
            postcode=self.postcode.data or None,
            reference=self.reference.data or None,
        )

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        if ok and not self.query().fields_used():
            self.name.errors = ["Enter a name, date of birth, phone number, postcode or reference"]
            return False
        return ok


class CorrectionForm(BaseForm):
    """Correct a person's name or date of birth; the previous values are kept."""

    given_name = StringField(
        "First name",
        widget=GovTextInput(),
        validators=[DataRequired("Enter the first name"), Length(max=200)],
    )
    family_name = StringField(
        "Last name",
        widget=GovTextInput(),
        validators=[DataRequired("Enter the last name"), Length(max=200)],
    )
    date_of_birth = GovDateField(
        "Date of birth",
        description=DATE_HINT,
        validators=[Optional(), DateWithin(EARLIEST_BIRTH, today)],
    )
    submit = SubmitField("Save the correction", widget=GovSubmitInput())

    def correction(self) -> Correction:
        return Correction(
            given_name=self.given_name.data or None,
            family_name=self.family_name.data or None,
            date_of_birth=self.date_of_birth.data,
        )
