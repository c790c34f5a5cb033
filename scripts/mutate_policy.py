"""Policy mutation check: does the test suite notice when a predicate stops working?

Every public function of ``emarac/protocol/policy.py`` is replaced in turn by
one that always allows and one that always denies (see ``policy_mutant.py``,
the pytest plugin that applies a mutant without editing any file). A mutant
is *killed* when a test fails; one the suite does not notice *survives*.

To stay quick, the suite runs once under coverage with one context per test,
which maps every predicate's body to the tests that executed it; each mutant
then runs only those tests, fastest first, stopping at the first failure. A
predicate no test executes is "not covered", which counts as a survivor.

    python scripts/mutate_policy.py            # every predicate (make mutate-policy)
    python scripts/mutate_policy.py --list     # what would be mutated, and how
    python scripts/mutate_policy.py --only may_view_case --only case_filter
    python scripts/mutate_policy.py --only may_grant_role --tests tests/protocol

Exit status 1 when a mutant survives or a predicate is not covered.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import subprocess  # noqa: S404 - we run our own interpreter on our own tests
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

from policy_mutant import MODES, MUTANT_ENV, REPORT_ENV, kind_of  # noqa: E402

# Public names of policy.py that are deliberately not mutated, and why.
SKIP = {
    "NotAllowed": "the denial itself (an exception class, not a predicate)",
    "add_case_grant": "registers a grant at import time; decides nothing itself",
}
XDIST_FROM = 30  # more tests than this run on two xdist workers
PYTEST = [sys.executable, "-m", "pytest", "-p", "policy_mutant", "-p", "no:randomly"]
PYTEST += ["-m", "not browser", "-q"]

# Long test ids need room; a terminal sets its own width.
console = Console() if sys.stdout.isatty() else Console(width=220)


@dataclass
class Target:
    name: str
    returns: str
    kind: str | None  # None: not mutated
    lines: set[int] = field(default_factory=set)
    tests: list[str] = field(default_factory=list)
    results: dict[str, str] = field(default_factory=dict)


def discover() -> tuple[list[Target], dict[str, str]]:
    """The public top-level functions of the policy module, and the names skipped."""
    from emarac.protocol import policy

    targets, skipped = [], {}
    for name, obj in vars(policy).items():
        if name.startswith("_"):
            continue
        if name in SKIP:
            skipped[name] = SKIP[name]
            continue
        if not inspect.isfunction(obj) or obj.__module__ != policy.__name__:
            continue  # constants, and what the module imports (select, or_, ...)
        returns = inspect.signature(obj).return_annotation
        code = obj.__code__
        body = {line for _, _, line in code.co_lines() if line and line != code.co_firstlineno}
        targets.append(Target(name, str(returns), kind_of(obj), body))
    return targets, skipped


def environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in (MUTANT_ENV, REPORT_ENV)}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SCRIPTS), env.get("PYTHONPATH")]))
    env.update(extra)
    return env


def run_pytest(args: list[str], log: Path, **env: str) -> int:
    with log.open("w") as out:
        done = subprocess.run(  # noqa: S603 - fixed argv, our interpreter
            PYTEST + args, cwd=ROOT, env=environment(**env), stdout=out, stderr=subprocess.STDOUT
        )
    return done.returncode


def map_tests(targets: list[Target], tmp: Path, paths: list[str]) -> dict[str, float]:
    """One coverage run of the suite (or ``paths``): which tests execute each predicate."""
    from coverage import CoverageData

    rc = tmp / "coveragerc"
    rc.write_text(f"[run]\ndata_file = {tmp / '.coverage'}\n")
    report = tmp / "baseline.json"
    log = tmp / "baseline.log"
    args = ["-n", "2", "--cov=emarac.protocol", "--cov-context=test"]
    args += [f"--cov-config={rc}", "--cov-report="] + paths
    status = run_pytest(args, log, **{REPORT_ENV: str(report)})
    if status != 0:
        console.print(escape(log.read_text()[-3000:]))
        raise SystemExit(f"The suite fails without any mutant (exit {status}); fix that first.")
    data = CoverageData(basename=str(tmp / ".coverage"))
    data.read()
    policy_file = str(ROOT / "emarac" / "protocol" / "policy.py")
    (measured,) = [f for f in data.measured_files() if Path(f).resolve() == Path(policy_file)]
    by_line = data.contexts_by_lineno(measured)
    durations: dict[str, float] = json.loads(report.read_text())["durations"]
    for target in targets:
        # Contexts read "tests/x.py::test_y[sqlite]|run" (or |setup, |teardown).
        names = {ctx.rsplit("|", 1)[0] for line in target.lines for ctx in by_line.get(line, [])}
        names.discard("")
        target.tests = sorted(names, key=lambda t: (durations.get(t, 0.0), t))
    return durations


def run_mutant(target: Target, mode: str, tmp: Path) -> str:
    report = tmp / f"{target.name}-{mode}.json"
    log = tmp / f"{target.name}-{mode}.log"
    args = ["-x"] + (["-n", "2"] if len(target.tests) > XDIST_FROM else []) + target.tests
    env = {MUTANT_ENV: f"{target.name}:{mode}", REPORT_ENV: str(report)}
    status = run_pytest(args, log, **env)
    failed = json.loads(report.read_text())["failed"] if report.exists() else []
    if failed:  # exit 1, or 2 when xdist stops the session at the first failure
        return f"killed by {failed[0]}"
    if status == 0:
        return "SURVIVED"
    console.print(escape(log.read_text()[-3000:]))
    return f"ERROR (pytest exit {status})"


def show_list(targets: list[Target], skipped: dict[str, str]) -> None:
    table = Table(title="Policy functions")
    for column in ("name", "returns", "mutation"):
        table.add_column(column, overflow="fold")
    how = {
        "bool": "True / False",
        "clause": "true() / false()",
        "select": "query / query.where(false())",
        "ids": "every id asked about / none",
    }
    for t in targets:
        table.add_row(t.name, escape(t.returns), how[t.kind] if t.kind else "not mutated")
    for name, reason in skipped.items():
        table.add_row(name, "", f"skipped: {reason}")
    console.print(table)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", metavar="NAME", help="mutate only NAME")
    parser.add_argument("--list", action="store_true", help="list what would be mutated")
    parser.add_argument(
        "--tests",
        action="append",
        metavar="PATH",
        help="use only these tests (a quick check that they kill a mutant; default: all)",
    )
    options = parser.parse_args(argv)
    started = time.monotonic()
    targets, skipped = discover()
    if options.list:
        show_list(targets, skipped)
        return 0
    if options.only:
        unknown = set(options.only) - {t.name for t in targets if t.kind}
        if unknown:
            parser.error(f"not a mutable predicate: {', '.join(sorted(unknown))}")
        targets = [t for t in targets if t.name in options.only]
    mutable = [t for t in targets if t.kind]
    with tempfile.TemporaryDirectory(prefix="mutate-policy-") as name:
        tmp = Path(name)
        with console.status("Mapping predicates to tests (one coverage run of the suite)"):
            map_tests(mutable, tmp, options.tests or [])
        console.print(f"Coverage run done in {time.monotonic() - started:.0f}s")
        for target in mutable:
            for mode in MODES:
                label = f"{target.name}:{mode} on {len(target.tests)} tests"
                if not target.tests:
                    target.results[mode] = "not covered"
                else:
                    with console.status(label):
                        target.results[mode] = run_mutant(target, mode, tmp)
                console.print(escape(f"{label}: {target.results[mode]}"))
    return report(targets, skipped, time.monotonic() - started)


def report(targets: list[Target], skipped: dict[str, str], elapsed: float) -> int:
    table = Table(title="Policy mutants")
    for column in ("predicate", "tests", "allow", "deny"):
        table.add_column(column, overflow="fold")
    outcomes: list[str] = []
    for t in targets:
        if not t.kind:
            table.add_row(t.name, "", f"not mutated ({escape(t.returns)})", "")
            continue
        outcomes += t.results.values()
        cells = [_cell(t.results[m]) for m in MODES]
        table.add_row(t.name, str(len(t.tests)), *cells)
    console.print(table)
    killed = sum(o.startswith("killed") for o in outcomes)
    survived = outcomes.count("SURVIVED")
    uncovered = outcomes.count("not covered")
    errors = sum(o.startswith("ERROR") for o in outcomes)
    mutated = sum(1 for t in targets if t.kind)
    console.print(
        f"{mutated} predicates, {len(outcomes)} mutants: {killed} killed, {survived} survived, "
        f"{uncovered} not covered, {errors} errors; "
        f"{len(targets) - mutated} not mutated, {len(skipped)} skipped; "
        f"{elapsed / 60:.0f}m{elapsed % 60:02.0f}s"
    )
    return 0 if killed == len(outcomes) else 1


def _cell(result: str) -> str:
    if result.startswith("killed"):
        return f"[green]{escape(result)}[/green]"
    return f"[bold red]{escape(result)}[/bold red]"


if __name__ == "__main__":
    sys.exit(main())
