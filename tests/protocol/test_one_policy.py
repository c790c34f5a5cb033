"""Every access decision lives in the policy module: no role is checked elsewhere."""

from __future__ import annotations

import ast
from pathlib import Path

import emarac

PACKAGE = Path(emarac.__file__).parent
POLICY = PACKAGE / "protocol" / "policy.py"
# The model defines has_role; the policy is the one place that calls it.
ALLOWED = {POLICY, PACKAGE / "agencies" / "models.py"}


def role_checks(source: str, name: str) -> list[str]:
    return [
        f"{name}:{node.lineno}"
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Attribute) and node.attr == "has_role"
    ]


def test_no_role_is_checked_outside_the_policy():
    offenders = [
        hit
        for path in sorted(PACKAGE.rglob("*.py"))
        if path not in ALLOWED
        for hit in role_checks(path.read_text(), str(path.relative_to(PACKAGE.parent)))
    ]
    assert offenders == []


def test_the_scan_finds_a_role_check():
    assert role_checks("def f(user):\n    return user.has_role('chair')\n", "x.py") == ["x.py:2"]
