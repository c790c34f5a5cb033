"""``flask emarac keys ...``: key status, data-key rotation and KEK re-wrapping."""

from __future__ import annotations

import time
from pathlib import Path

import click
from flask.cli import with_appcontext
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from emarac.auditing import record_event
from emarac.config import current_settings
from emarac.crypto import keyring as kr
from emarac.crypto import rotation
from emarac.crypto.providers import FileKeyProvider
from emarac.extensions import db


@click.group("keys")
def keys() -> None:
    """Data keys: status, rotation, KEK re-wrapping."""


@keys.command("init")
@with_appcontext
def init() -> None:
    """Create the first data key if there is none (run after `flask db upgrade`)."""
    ring = kr.ensure(db.engine, kr.provider_for(current_settings()))
    click.echo(f"Data key version {ring.active} is active")


@keys.command("status")
@with_appcontext
def status() -> None:
    """Key versions and how many values each encrypts."""
    table = Table(title="Data keys")
    for heading in ("Version", "State", "Wrapped by", "Values"):
        table.add_column(heading)
    for row in rotation.key_status(db.engine):
        table.add_row(str(row.version), row.state, row.kek_id, f"{row.values:,}")
    Console().print(table)


def _audit(action: str, object_id: str, fields: tuple[str, ...] = ()) -> None:
    record_event(
        action,
        object_type="data_key",
        object_id=object_id,
        fields=fields,
        purpose="operator command",
    )
    db.session.commit()


@keys.command("rotate")
@click.option("--batch-size", default=1000, show_default=True)
@click.option("--resume", is_flag=True, help="Finish an interrupted rotation without a new key.")
@with_appcontext
def rotate(batch_size: int, resume: bool) -> None:
    """Make a new data key and re-encrypt every value under it (resumable)."""
    provider = kr.provider_for(current_settings())
    kr.ensure(db.engine, provider)
    if not resume and rotation.count_stale(db.engine, _active(provider)) == 0:
        version = rotation.start_rotation(db.engine, provider)
        _audit("key.rotate_start", str(version))
    active = _active(provider)
    total = rotation.count_stale(db.engine, active)
    console = Console()
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
    ) as bar:
        task = bar.add_task(f"Re-encrypting under key {active}", total=max(total, 1))
        done = 0
        # Serving processes may still write under the old key for up to
        # RELOAD_SECONDS, so pass again until nothing old is left.
        for attempt in range(10):
            done += rotation.rotate_values(
                db.engine,
                provider,
                batch_size=batch_size,
                progress=lambda _t, n: bar.advance(task, n),
            )
            if rotation.count_stale(db.engine, active) == 0:
                break
            time.sleep(min(5 * (attempt + 1), kr.RELOAD_SECONDS))
    kr.reload_keyring()
    _audit("key.rotate", str(active))
    console.print(f"Rotation to key {active} complete: {done:,} values re-encrypted.")


@keys.command("reindex")
@click.option("--batch-size", default=1000, show_default=True)
@with_appcontext
def reindex(batch_size: int) -> None:
    """Rebuild the token indexes (name parts) of every row; run after migration 0020."""
    provider = kr.provider_for(current_settings())
    kr.ensure(db.engine, provider)
    done = rotation.reindex_tokens(db.engine, provider, batch_size=batch_size)
    _audit("key.reindex", str(_active(provider)))
    Console().print(f"Token indexes rebuilt for {done:,} rows.")


def _active(provider: kr.KeyProvider) -> int:
    return kr.ensure(db.engine, provider).active


@keys.command("rewrap")
@click.option(
    "--new-kek-file", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True
)
@with_appcontext
def rewrap(new_kek_file: Path) -> None:
    """Rotate the key-encryption key: re-wrap every data key, re-encrypt no value."""
    old = kr.provider_for(current_settings())
    new = FileKeyProvider(new_kek_file)
    count = rotation.rewrap_keys(db.engine, old, new)
    _audit("key.rewrap", new.key_id)
    click.echo(
        f"Re-wrapped {count} data keys under {new.key_id}. Point EMARAC_KEK_FILE at the new file."
    )
