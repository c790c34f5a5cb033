"""Views are thin: no queries, no commits and no role checks in any view module.

A view parses the request, calls one service, then flashes, redirects or
renders (docs: /work/shared/STYLE.md, "Views are thin"). The services own the
transaction and ask the access policy; ``protocol.guard.get_or_404`` is how a
view loads a record. This test reads every view module with ``ast`` (nothing is
imported or run) and names the file and line of anything that breaks the rule.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
VIEW_MODULES = sorted((ROOT / "emarac").rglob("*views*.py"))

SESSION_CALLS = {"execute", "scalar", "scalars", "get", "query", "add", "delete", "flush"}
TRANSACTION_CALLS = {"commit", "rollback"}
SQL_BUILDERS = {"select", "insert", "update", "delete"}


def _is_session(node: ast.expr) -> bool:
    """``db.session``, ``db.session()``, or a local called ``session``."""
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Name):
        return node.id == "session"
    return isinstance(node, ast.Attribute) and node.attr == "session"


def _mentions_role_member(node: ast.expr) -> bool:
    """``Role.X``, alone or inside a tuple, list or set."""
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return any(_mentions_role_member(element) for element in node.elts)
    return (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "Role"
    )


def _sql_names(tree: ast.AST) -> tuple[set[str], set[str]]:
    """Local names bound to sqlalchemy's select/insert/update/delete, and to sqlalchemy itself."""
    builders: set[str] = set()
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "sqlalchemy":
            builders |= {a.asname or a.name for a in node.names if a.name in SQL_BUILDERS}
        elif isinstance(node, ast.Import):
            modules |= {
                (a.asname or a.name).split(".")[0]
                for a in node.names
                if a.name.split(".")[0] == "sqlalchemy"
            }
    return builders, modules


def problems_in(source: str, filename: str = "<view>") -> list[str]:
    """Each forbidden call in ``source``, as ``file:line: what``."""
    tree = ast.parse(source, filename=filename)
    builders, modules = _sql_names(tree)
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name):
                if func.id in builders:
                    found.append((node.lineno, f"{func.id}() from sqlalchemy: a query"))
                elif func.id == "has_role":
                    found.append((node.lineno, "has_role(): a role check"))
            elif isinstance(func, ast.Attribute):
                if func.attr in TRANSACTION_CALLS:
                    found.append((node.lineno, f".{func.attr}(): the service commits"))
                elif func.attr in SESSION_CALLS and _is_session(func.value):
                    found.append((node.lineno, f"session.{func.attr}(): a query"))
                elif func.attr == "has_role":
                    found.append((node.lineno, ".has_role(): a role check"))
                elif (
                    func.attr in SQL_BUILDERS
                    and isinstance(func.value, ast.Name)
                    and func.value.id in modules
                ):
                    found.append((node.lineno, f"sqlalchemy.{func.attr}(): a query"))
            if _is_session(func) and isinstance(func, ast.Attribute):
                found.append((node.lineno, "db.session(): the session itself"))
        elif isinstance(node, ast.Attribute):
            # A WTForms field named roles (form.roles) is a form field, not a user's roles.
            owner = node.value
            if node.attr == "roles" and not (
                isinstance(owner, ast.Name) and owner.id.lower().endswith("form")
            ):
                found.append((node.lineno, ".roles: a role check"))
            elif (
                node.attr == "query"
                and isinstance(owner, ast.Name)
                and owner.id[:1].isupper()
                and isinstance(node.ctx, ast.Load)
            ):
                found.append((node.lineno, f"{owner.id}.query: a query"))
        elif isinstance(node, ast.Compare) and any(
            _mentions_role_member(side) for side in [node.left, *node.comparators]
        ):
            found.append((node.lineno, "comparison with a Role member: a role check"))
    return [f"{filename}:{line}: {what}" for line, what in sorted(set(found))]


def test_there_are_view_modules_to_check():
    names = {p.relative_to(ROOT).as_posix() for p in VIEW_MODULES}
    assert "emarac/meetings/views.py" in names
    assert "emarac/cases/emergency_views.py" in names


@pytest.mark.parametrize("path", VIEW_MODULES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_view_module_is_thin(path):
    problems = problems_in(path.read_text(), path.relative_to(ROOT).as_posix())
    assert not problems, "views must call a service instead:\n" + "\n".join(problems)


# The checker itself: each forbidden form is caught, and the allowed ones are not.

CAUGHT = {
    "commit": "db.session.commit()",
    "rollback": "db.session.rollback()",
    "bare session": "session.add(thing)",
    "session get": "db.session.get(Case, case_id)",
    "session query": "db.session.query(Case).all()",
    "session scalars": "db.session.scalars(query).all()",
    "session call": "report.build(db.session(), period)",
    "select": "from sqlalchemy import select\nrows = select(Case)",
    "aliased update": "from sqlalchemy import update as up\nup(Case)",
    "import inside a function": "def f():\n    from sqlalchemy import delete\n    delete(Case)",
    "module select": "import sqlalchemy as sa\nsa.select(Case)",
    "legacy query": "Case.query.all()",
    "has_role": "current_user.has_role(Role.COORDINATOR)",
    "has_role function": "has_role(user, 'chair')",
    "roles": "if 'chair' in current_user.roles: pass",
    "role comparison": "ok = role == Role.CHAIR",
    "role membership": "ok = role in (Role.CHAIR, Role.COORDINATOR)",
}

ALLOWED = {
    "service call": "services.close_meeting(meeting, by=current_user)",
    "guard": "get_or_404(Case, case_id, may=policy.may_view_case)",
    "form field named roles": "form.roles.choices = role_choices(offered)",
    "form method named query": "services.search_people(current_user, form.query())",
    "role from a form value": "roles = {Role(r) for r in form.roles.data or []}",
    "dict get": "request.form.get('direction')",
}


@pytest.mark.parametrize("source", CAUGHT.values(), ids=CAUGHT.keys())
def test_checker_catches(source):
    assert problems_in(source)


@pytest.mark.parametrize("source", ALLOWED.values(), ids=ALLOWED.keys())
def test_checker_allows(source):
    assert problems_in(source) == []
