"""The victim's safe-contact rules, as plain functions: no database, no Flask.

The victim's record holds a safe phone number, safe times to call and whether a
message may be left (``people.models.Person``). From them:
  - leaving a message is refused unless the victim agreed to messages;
  - a method other than the safe number (a call to the usual number, an email,
    a letter) is one the abuser may see: when a safe number is recorded, or the
    address is a refuge or confidential one, the IDVA must confirm they checked
    it was safe before it is logged;
  - a text or call to the safe number is refused when no safe number is recorded.
"""

from __future__ import annotations

from dataclasses import dataclass

from emarac.idva.models import ContactMethod, ContactOutcome

SAFE_NUMBER_METHODS = frozenset({ContactMethod.SAFE_PHONE, ContactMethod.SAFE_TEXT})
OPEN_METHODS = frozenset({ContactMethod.USUAL_PHONE, ContactMethod.EMAIL, ContactMethod.LETTER})


@dataclass(frozen=True)
class SafeContact:
    """What the victim's record says about contacting them safely."""

    has_safe_phone: bool
    safe_times: str | None
    may_leave_message: bool
    restricted_address: bool


@dataclass(frozen=True)
class Problem:
    field: str
    message: str


def refusal(
    rules: SafeContact, *, method: ContactMethod, outcome: ContactOutcome
) -> Problem | None:
    """A contact the rules forbid outright, naming the field to correct."""
    if outcome is ContactOutcome.MESSAGE_LEFT and not rules.may_leave_message:
        return Problem(
            "outcome",
            "The victim has not agreed to messages being left: choose what happened instead",
        )
    if method in SAFE_NUMBER_METHODS and not rules.has_safe_phone:
        return Problem("method", "No safe number is recorded for the victim: choose another method")
    return None


def needs_confirmation(rules: SafeContact, *, method: ContactMethod) -> bool:
    """A method the abuser may see, when the record says contact must be kept safe."""
    return method in OPEN_METHODS and (rules.has_safe_phone or rules.restricted_address)


def warnings(rules: SafeContact) -> list[str]:
    """What to show prominently above the contact form."""
    shown = []
    if rules.has_safe_phone:
        shown.append("Use the safe number. Calls, emails and letters elsewhere may be seen.")
    if rules.restricted_address:
        shown.append("The victim's address is a refuge or confidential address.")
    shown.append(
        "Messages may be left on the safe number."
        if rules.may_leave_message
        else "Do not leave messages: the victim has not agreed to them."
    )
    return shown
