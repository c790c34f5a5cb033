"""A pytest plugin that runs the suite against one mutant of the access policy.

Load it with ``-p policy_mutant`` (``scripts/`` on ``PYTHONPATH``) and set
``EMARAC_POLICY_MUTANT=name:allow`` or ``name:deny``: before collection,
``emarac.protocol.policy.<name>`` is replaced by a function that always allows
or always denies. No file is edited. ``scripts/mutate_policy.py`` drives it.

What "allow" and "deny" mean follows the return annotation (the module uses
``from __future__ import annotations``, so annotations are strings):

- ``bool``: always ``True`` / always ``False``;
- ``ColumnElement[bool]``: ``sqlalchemy.true()`` / ``sqlalchemy.false()``;
- ``Select[...]`` taking a ``Select`` (its first parameter or one named
  ``query``): the query unchanged / ``query.where(false())``;
- ``set[Any]`` taking ``person_ids`` (which of these people): all of them /
  none of them.

Callers use ``policy.name(...)``, or call it inside the module, so patching the
module attribute is enough; a module that did ``from emarac.protocol.policy
import name`` before the patch holds the original, so every loaded module whose
attribute *is* the original is patched as well (modules imported later read the
patched attribute anyway).

With ``EMARAC_POLICY_REPORT=path`` the plugin writes JSON there at the end:
the mutant, the modules patched, the failed test ids and each test's duration.
"""

from __future__ import annotations

import inspect
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

MUTANT_ENV = "EMARAC_POLICY_MUTANT"
REPORT_ENV = "EMARAC_POLICY_REPORT"
MODES = ("allow", "deny")
POLICY_MODULE = "emarac.protocol.policy"
_SPEC = pytest.StashKey[tuple[str | None, list[str]]]()


def _is_select(annotation: Any) -> bool:
    return isinstance(annotation, str) and annotation.partition("[")[0] == "Select"


def query_parameter(func: Callable[..., Any]) -> str | None:
    """The name of the ``Select`` a filter narrows: its first parameter or ``query``."""
    params = list(inspect.signature(func).parameters.values())
    candidates = [p for p in params if p.name == "query"] + params[:1]
    for param in candidates:
        if _is_select(param.annotation):
            return param.name
    return None


def kind_of(func: Callable[..., Any]) -> str | None:
    """``"bool"``, ``"clause"``, ``"select"`` or ``"ids"``; ``None`` when we do not know how
    to mutate it."""
    signature = inspect.signature(func)
    returns = signature.return_annotation
    if returns == "bool":
        return "bool"
    if returns == "set[Any]" and "person_ids" in signature.parameters:
        return "ids"
    if returns == "ColumnElement[bool]":
        return "clause"
    if _is_select(returns) and query_parameter(func) is not None:
        return "select"
    return None


def make_mutant(func: Callable[..., Any], mode: str) -> Callable[..., Any]:
    """A stand-in for ``func`` that always allows (``mode="allow"``) or always denies."""
    from sqlalchemy import false, true

    allow = mode == "allow"
    kind = kind_of(func)
    if kind == "bool":
        return lambda *a, **k: allow
    if kind == "clause":
        return lambda *a, **k: true() if allow else false()
    if kind == "select":
        signature = inspect.signature(func)
        name = query_parameter(func)

        def narrowed(*a: Any, **k: Any) -> Any:
            query = signature.bind(*a, **k).arguments[name]
            return query if allow else query.where(false())

        return narrowed
    if kind == "ids":
        signature = inspect.signature(func)

        def chosen(*a: Any, **k: Any) -> set[Any]:
            return set(signature.bind(*a, **k).arguments["person_ids"]) if allow else set()

        return chosen
    raise ValueError(f"{func.__name__} cannot be mutated")


def _patch(name: str, mode: str) -> list[str]:
    import importlib

    policy = importlib.import_module(POLICY_MODULE)
    original = vars(policy).get(name)
    if not inspect.isfunction(original) or kind_of(original) is None:
        raise pytest.UsageError(f"{MUTANT_ENV}: {POLICY_MODULE}.{name} is not a mutable predicate")
    mutant = make_mutant(original, mode)
    patched = []
    # vars(), not getattr(): a module's __getattr__ may warn, and warnings are errors here.
    for module_name, module in sorted(sys.modules.items()):
        if module is not None and vars(module).get(name) is original:
            setattr(module, name, mutant)
            patched.append(module_name)
    return patched


class Recorder:
    """Collects outcomes in the controlling process (xdist workers forward their reports)."""

    def __init__(self, spec: str | None, patched: list[str]) -> None:
        self.spec = spec
        self.patched = patched
        self.failed: list[str] = []
        self.durations: dict[str, float] = {}

    @pytest.hookimpl
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.durations[report.nodeid] = self.durations.get(report.nodeid, 0.0) + report.duration
        if report.failed and report.nodeid not in self.failed:
            self.failed.append(report.nodeid)

    @pytest.hookimpl
    def pytest_sessionfinish(self) -> None:
        path = os.environ.get(REPORT_ENV)
        if path:
            body = {
                "mutant": self.spec,
                "patched": self.patched,
                "failed": self.failed,
                "durations": self.durations,
            }
            Path(path).write_text(json.dumps(body, indent=1))


def pytest_configure(config: pytest.Config) -> None:
    spec = os.environ.get(MUTANT_ENV) or None
    patched: list[str] = []
    if spec:
        name, _, mode = spec.partition(":")
        if mode not in MODES:
            raise pytest.UsageError(f"{MUTANT_ENV}={spec!r}: expected NAME:allow or NAME:deny")
        patched = _patch(name, mode)
    config.stash[_SPEC] = (spec, patched)
    if not hasattr(config, "workerinput"):
        config.pluginmanager.register(Recorder(spec, patched), "policy_mutant_recorder")


def pytest_report_header(config: pytest.Config) -> str | None:
    spec, patched = config.stash.get(_SPEC, (None, []))
    if not spec:
        return None
    return f"policy mutant: {spec} (patched in {', '.join(patched)})"
