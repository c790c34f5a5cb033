"""The checklist form, built from the version's questions (never hard-coded fields)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from govuk_frontend_wtf.wtforms_widgets import (
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from emarac.clock import today
from emarac.forms import BaseForm, GovDateField
from emarac.risk import rules
from emarac.risk.models import Answer, ChecklistVersion

ANSWERS = [
    (Answer.YES.value, "Yes"),
    (Answer.NO.value, "No"),
    (Answer.NOT_KNOWN.value, "Not known"),
]


class AssessmentBase(BaseForm):
    completed_on = GovDateField(
        "Date completed",
        description="For example, 27 3 2026",
        validators=[DataRequired("Enter the date the checklist was completed")],
    )
    victim_present = RadioField(
        "Was it completed with the victim?",
        widget=GovRadioInput(),
        choices=[("yes", "Yes"), ("no", "No")],
        validators=[DataRequired("Select whether the victim was present")],
    )
    judged_level = SelectField(
        "Professional judgement: raise the level to",
        widget=GovSelect(),
        choices=[("", "No change"), ("medium", "Medium"), ("high", "High")],
        default="",
        description="Judgement can raise the level the answers give, never lower it",
    )
    judgement_reason = TextAreaField(
        "Reason for your judgement", widget=GovTextArea(), validators=[Length(max=5000)]
    )
    submit = SubmitField("Save checklist", widget=GovSubmitInput())

    version: ChecklistVersion
    # The area's thresholds on a day; the national ones unless the view says whose case it is.
    settings_on: Callable[[date], rules.RiskSettings] = staticmethod(lambda _: rules.DEFAULTS)

    def answers(self) -> dict[Any, Answer]:
        """The questions answered, and only those: an optional section left alone has none."""
        return {
            q.id: Answer(self[f"q_{q.code}"].data)
            for q in self.version.questions
            if self[f"q_{q.code}"].data
        }

    def unanswered(self) -> int:
        """Questions still to answer: every core one, and the rest of any optional section begun."""
        return len(rules.unanswered(self._given()))

    def _given(self) -> list[tuple[str, bool]]:
        return [(q.section, bool(self[f"q_{q.code}"].data)) for q in self.version.questions]

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        # Core questions carry InputRequired; an optional section, once begun, is
        # asked in full, so that a "no" is never inferred from a question skipped.
        for index in rules.unanswered(self._given()):
            question = self.version.questions[index]
            field = self[f"q_{question.code}"]
            if question.section != "core" and not field.errors:
                field.errors = [_unanswered_message(question.position)]
                valid = False
        return valid

    def notes(self) -> dict[Any, str]:
        return {
            q.id: self[f"n_{q.code}"].data
            for q in self.version.questions
            if self[f"n_{q.code}"].data
        }

    def core_yes(self) -> int:
        return sum(
            1
            for q in self.version.questions
            if q.section == "core" and self[f"q_{q.code}"].data == Answer.YES.value
        )

    def validate_completed_on(self, field: Any) -> None:
        if field.data and field.data > today():
            raise ValidationError("Date completed must be today or in the past")

    def validate_judged_level(self, field: Any) -> None:
        # WTForms runs this even when the level is not one of the choices (that
        # error is already in field.errors): RiskLevel() would raise on it.
        if not field.data or field.errors:
            return
        try:
            settings = self.settings_on(self.completed_on.data or today())
            rules.final_level(self.core_yes(), rules.RiskLevel(field.data), settings)
        except rules.JudgementError as problem:
            raise ValidationError(str(problem)) from problem

    def validate_judgement_reason(self, field: Any) -> None:
        if self.judged_level.data and not (field.data or "").strip():
            raise ValidationError("Enter the reason for your professional judgement")


def _unanswered_message(position: int) -> str:
    return f"Select yes, no or not known for question {position}"


def assessment_form(
    version: ChecklistVersion,
    settings_on: Callable[[date], rules.RiskSettings] | None = None,
) -> AssessmentBase:
    """A form class with a Yes/No/Not known question and a note for each checklist item.

    No answer is chosen in advance: a question nobody asked must not read as
    "not known" (nor a checklist left blank score low). "Not known" stays a
    deliberate choice.
    """
    fields: dict[str, Any] = {}
    for question in version.questions:
        required = (
            InputRequired(_unanswered_message(question.position))
            if question.section == "core"
            else Optional()
        )
        fields[f"q_{question.code}"] = RadioField(
            f"{question.position}. {question.text}",
            widget=GovRadioInput(),
            choices=ANSWERS,
            validators=[required],
        )
        fields[f"n_{question.code}"] = StringField(
            f"Note on question {question.position} (optional)",
            widget=GovTextInput(),
            validators=[Length(max=1000)],
        )
    form_class = type("AssessmentForm", (AssessmentBase,), fields)
    form = form_class()
    form.version = version
    if settings_on is not None:
        form.settings_on = settings_on
    return form
