"""Password hashing: full-cost argon2id everywhere but the test suite."""

from __future__ import annotations

import dataclasses

import pytest

from emarac import create_app, passwords
from emarac.config import Environment


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        (Environment.DEVELOPMENT, passwords.STANDARD),
        (Environment.TESTING, passwords.CHEAP_FOR_TESTS),
    ],
)
def test_only_a_testing_app_hashes_at_the_lowest_cost(settings, environment, expected):
    app = create_app(dataclasses.replace(settings, environment=environment))
    with app.app_context():
        stored = passwords.hash_password("a long test passphrase")
        assert passwords.verify_password(stored, "a long test passphrase")
        assert stored.startswith("$argon2id$")
        assert f"m={expected.memory_cost}," in stored


def test_the_standard_hasher_is_above_the_owasp_floor():
    assert passwords.STANDARD.time_cost >= 1
    assert passwords.STANDARD.memory_cost >= 46 * 1024
    assert passwords.STANDARD.type.name == "ID"


def test_outside_an_app_the_standard_hasher_is_used():
    stored = passwords.hash_password("a long test passphrase")
    assert f"m={passwords.STANDARD.memory_cost}," in stored
