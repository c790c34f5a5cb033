"""Search fixtures: the case builder of tests/cases, for people search tests."""

from __future__ import annotations

from typing import Any

import pytest

from tests.cases.conftest import Cases


@pytest.fixture
def cases(db: Any, make: Any) -> Cases:
    """Builds cases with their people in one line (see tests/cases/conftest.py)."""
    return Cases(db, make)
