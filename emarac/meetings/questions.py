"""The research questions each kind of agency answers, as data: no database, no Flask.

Every agency checks its own records before the meeting. What it holds depends
on what it is: the police hold incidents, convictions, bail and orders; health
holds attendances, pregnancy and mental health; children's social care holds
plans and child protection; housing holds tenancies and moves. Other agencies
answer the general sections only (the three free-text boxes every form has).

Answers are stored by question code (``Research.answers``), so the labels can
be reworded without touching stored research, and a code is never reused for
another question. Codes are unique across kinds: a stored answer is labelled
whatever the agency's kind is today.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from emarac.agencies.models import AgencyKind

ANSWER_MAX = 5000


class AnswerType(StrEnum):
    TEXT = "text"
    YES_NO = "yes_no"


YES_NO_CHOICES = (("yes", "Yes"), ("no", "No"), ("not_known", "Not known"))
YES_NO_LABELS = dict(YES_NO_CHOICES)


@dataclass(frozen=True)
class Question:
    code: str
    label: str
    hint: str = ""
    type: AnswerType = AnswerType.TEXT


POLICE = (
    Question(
        "police_incidents",
        "Domestic abuse incidents on record",
        "Dates, what happened and who was involved, most recent first",
    ),
    Question(
        "police_convictions",
        "The perpetrator's convictions and charges",
        "Including offences against other partners and pending charges",
    ),
    Question(
        "police_bail_orders",
        "Bail conditions and court orders in force",
        "For example bail conditions, a non-molestation order or a restraining order, "
        "with end dates",
    ),
    Question(
        "police_weapons",
        "Is there information that the perpetrator has or can get weapons?",
        type=AnswerType.YES_NO,
    ),
)
HEALTH = (
    Question(
        "health_attendances",
        "Attendances linked to injury or abuse",
        "Emergency department, GP, minor injuries or maternity, with dates",
    ),
    Question(
        "health_pregnancy",
        "Is the victim pregnant, or have they had a baby in the last 18 months?",
        type=AnswerType.YES_NO,
    ),
    Question(
        "health_mental_health",
        "Mental health or substance use",
        "The victim's and the perpetrator's, as your records show them",
    ),
)
CHILDRENS_SOCIAL_CARE = (
    Question(
        "csc_plans",
        "Plans for the children, now or before",
        "Child in need, child protection or looked-after, with dates",
    ),
    Question(
        "csc_child_protection",
        "Is any child in the household on a child protection plan now?",
        type=AnswerType.YES_NO,
    ),
    Question(
        "csc_social_worker",
        "Allocated social worker and team",
        "So the meeting knows whom to contact",
    ),
)
HOUSING = (
    Question(
        "housing_tenancy",
        "Tenancy",
        "Who holds it, the type of tenancy, arrears or notices",
    ),
    Question(
        "housing_moves",
        "Moves, transfers and homelessness applications",
        "Including management transfers and sanctuary schemes",
    ),
    Question(
        "housing_reports",
        "Have neighbours or staff reported noise, damage or disturbances?",
        type=AnswerType.YES_NO,
    ),
)

BY_KIND: Mapping[AgencyKind, tuple[Question, ...]] = {
    AgencyKind.POLICE: POLICE,
    AgencyKind.HEALTH: HEALTH,
    AgencyKind.CHILDRENS_SOCIAL_CARE: CHILDRENS_SOCIAL_CARE,
    AgencyKind.HOUSING: HOUSING,
}

QUESTIONS: Mapping[str, Question] = {q.code: q for qs in BY_KIND.values() for q in qs}

# The general sections every agency answers: (field, label).
GENERAL_SECTIONS = (
    ("about_victim", "About the victim"),
    ("about_perpetrator", "About the perpetrator"),
    ("about_children", "About the children"),
)


def questions_for(kind: str | None) -> tuple[Question, ...]:
    """The questions of an agency of this kind, in order; none for the other kinds."""
    if kind is None or kind not in AgencyKind.__members__.values():
        return ()
    return BY_KIND.get(AgencyKind(kind), ())


def answer_problems(kind: str | None, answers: Mapping[str, str]) -> dict[str, str]:
    """Messages by question code for answers that cannot be stored as given."""
    problems: dict[str, str] = {}
    allowed = {q.code: q for q in questions_for(kind)}
    for code, value in answers.items():
        question = allowed.get(code)
        if question is None:
            problems[code] = "This question is not one your agency answers"
        elif question.type == AnswerType.YES_NO and value not in YES_NO_LABELS:
            problems[code] = "Choose yes, no or not known"
        elif len(value) > ANSWER_MAX:
            problems[code] = f"{question.label} must be {ANSWER_MAX:,} characters or fewer"
    return problems


@dataclass(frozen=True)
class ShownAnswer:
    label: str
    text: str


def shown_answers(answers: Mapping[str, str] | None) -> list[ShownAnswer]:
    """Stored answers with their question labels, in the questions' order.

    A code no longer defined (a question withdrawn) is still shown, under its code,
    so nothing an agency sent disappears from the pack.
    """
    if not answers:
        return []
    order = {code: n for n, code in enumerate(QUESTIONS)}
    shown = []
    for code in sorted(answers, key=lambda c: (order.get(c, len(order)), c)):
        value = answers[code]
        if not value:
            continue
        question = QUESTIONS.get(code)
        if question is None:
            shown.append(ShownAnswer(code, value))
        elif question.type == AnswerType.YES_NO:
            shown.append(ShownAnswer(question.label, YES_NO_LABELS.get(value, value)))
        else:
            shown.append(ShownAnswer(question.label, value))
    return shown
