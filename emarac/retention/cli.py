"""``flask emarac retention erase --due``: erase every case due for erasure, resumably."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from emarac.clock import today
from emarac.retention import services


@click.group("retention")
def retention() -> None:
    """Retention review: erase closed cases whose review is due."""


@retention.command("erase")
@click.option("--due", is_flag=True, help="Erase every case due (required: no other mode yet).")
@click.option("--dry-run", is_flag=True, help="Count the cases due; change nothing.")
@with_appcontext
def erase(due: bool, dry_run: bool) -> None:
    """Erase closed cases whose review date has passed and that nobody chose to keep.

    One case per transaction: stopped part way, a new run carries on with the
    cases still due. Prints counts only, never a name or a reference.
    """
    if not due:
        raise click.UsageError("Say which cases: --due")
    on = today()
    total = len(services.due_case_ids(on))
    console = Console()
    erased = people_erased = people_kept = 0
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
    ) as bar:
        task = bar.add_task("Checking" if dry_run else "Erasing", total=max(total, 1))
        for step in services.erase_due(on, dry_run=dry_run):
            if step.result is not None:
                erased += 1
                people_erased += step.result.people_erased
                people_kept += step.result.people_kept
            bar.advance(task)
    if dry_run:
        console.print(f"{total} cases are due for erasure; nothing was changed.")
    else:
        console.print(
            f"{erased} cases erased; {people_erased} people erased, "
            f"{people_kept} kept for cases still live."
        )
