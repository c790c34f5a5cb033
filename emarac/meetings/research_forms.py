"""The research form, shaped for the kind of agency answering it.

Every agency gets the general sections (three free-text boxes) and "no
information held"; the police, health, children's social care and housing also
get their own questions (``meetings.questions``), as fields named ``q_<code>``.
"""

from __future__ import annotations

from typing import Any

from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovTextArea
from wtforms import Field, RadioField, TextAreaField
from wtforms.validators import Length, Optional

from emarac.meetings.forms import ResearchForm
from emarac.meetings.questions import (
    ANSWER_MAX,
    YES_NO_CHOICES,
    AnswerType,
    Question,
    questions_for,
)

BOTH_GIVEN = "Either say your agency holds no information, or enter what it holds: not both"


def field_name(question: Question) -> str:
    return f"q_{question.code}"


class KindResearchForm(ResearchForm):
    """The general form; ``research_form_for`` adds the questions of one kind."""

    questions: tuple[Question, ...] = ()

    def question_fields(self) -> list[Field]:
        return [self[field_name(q)] for q in self.questions]

    def answers(self) -> dict[str, str]:
        """What was typed or chosen, by question code (empty answers left out)."""
        given = {q.code: self[field_name(q)].data for q in self.questions}
        return {code: value for code, value in given.items() if value}

    def fill(self, research: Any) -> None:
        """Put a saved section back in the form, to be changed."""
        if research is None:
            return
        self.no_information.data = research.no_information
        self.about_victim.data = research.about_victim
        self.about_perpetrator.data = research.about_perpetrator
        self.about_children.data = research.about_children
        stored = research.answers or {}
        for q in self.questions:
            self[field_name(q)].data = stored.get(q.code)

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        typed = [
            self.about_victim.data,
            self.about_perpetrator.data,
            self.about_children.data,
            *self.answers().values(),
        ]
        if self.no_information.data and any(typed):
            self.no_information.errors = [*self.no_information.errors, BOTH_GIVEN]
            return False
        return valid


def _field(question: Question) -> Any:
    if question.type == AnswerType.YES_NO:
        return RadioField(
            question.label,
            widget=GovRadioInput(),
            choices=list(YES_NO_CHOICES),
            validators=[Optional()],
            description=question.hint,
        )
    return TextAreaField(
        question.label,
        widget=GovTextArea(),
        description=question.hint,
        validators=[
            Length(
                max=ANSWER_MAX,
                message=f"{question.label} must be {ANSWER_MAX:,} characters or fewer",
            )
        ],
    )


_CLASSES: dict[str, type[KindResearchForm]] = {}


def research_form_class(kind: str | None) -> type[KindResearchForm]:
    """The form class for an agency of this kind, made once per kind."""
    key = str(kind)
    found = _CLASSES.get(key)
    if found is None:
        kind_questions = questions_for(kind)
        attrs: dict[str, Any] = {field_name(q): _field(q) for q in kind_questions}
        attrs["questions"] = kind_questions
        found = type(f"ResearchForm_{key}", (KindResearchForm,), attrs)
        _CLASSES[key] = found
    return found
