"""The safe-contact rules, without a database."""

from __future__ import annotations

import pytest

from emarac.idva import rules
from emarac.idva.models import ContactMethod, ContactOutcome


def safe(*, phone=True, message=False, restricted=False):
    return rules.SafeContact(
        has_safe_phone=phone,
        safe_times=None,
        may_leave_message=message,
        restricted_address=restricted,
    )


def test_a_message_is_left_only_when_the_victim_agreed():
    refused = rules.refusal(
        safe(message=False), method=ContactMethod.SAFE_PHONE, outcome=ContactOutcome.MESSAGE_LEFT
    )
    assert refused is not None
    assert refused.field == "outcome"
    assert (
        rules.refusal(
            safe(message=True), method=ContactMethod.SAFE_PHONE, outcome=ContactOutcome.MESSAGE_LEFT
        )
        is None
    )


def test_the_safe_number_needs_a_safe_number():
    refused = rules.refusal(
        safe(phone=False), method=ContactMethod.SAFE_TEXT, outcome=ContactOutcome.REACHED
    )
    assert refused is not None
    assert refused.field == "method"


@pytest.mark.parametrize(
    "method", [ContactMethod.USUAL_PHONE, ContactMethod.EMAIL, ContactMethod.LETTER]
)
def test_open_methods_need_confirming_when_contact_must_be_kept_safe(method):
    assert rules.needs_confirmation(safe(phone=True), method=method)
    assert rules.needs_confirmation(safe(phone=False, restricted=True), method=method)
    assert not rules.needs_confirmation(safe(phone=False), method=method)


def test_the_safe_number_and_meeting_in_person_need_no_confirming():
    for method in (ContactMethod.SAFE_PHONE, ContactMethod.IN_PERSON):
        assert not rules.needs_confirmation(safe(phone=True, restricted=True), method=method)


def test_the_warnings_say_whether_messages_may_be_left():
    assert any("Do not leave messages" in w for w in rules.warnings(safe(message=False)))
    assert any("may be left" in w for w in rules.warnings(safe(message=True)))
