"""The entry point: :func:`generate` writes a whole synthetic partnership."""

from __future__ import annotations

import contextlib
import gc
import queue
import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import Connection, Engine, insert, select, text, update

import audit
from emarac.agencies.models import Area
from emarac.auditing import ledger_table
from emarac.cases.models import CaseSequence
from emarac.clock import utcnow
from emarac.crypto.keyring import current_keyring, use_keyring
from emarac.indicators import facts as indicator_facts
from emarac.synth import partnership
from emarac.synth.batch import ORDER, Batch
from emarac.synth.casework import write_case
from emarac.synth.context import WINDOW_DAYS, Context
from emarac.synth.indexes import SetAside
from emarac.synth.meetings import Calendar
from emarac.synth.sealing import Sealer

CASES_PER_BATCH = 500


class SynthError(RuntimeError):
    """The data cannot be generated here (already present, or nothing asked for)."""


@dataclass(frozen=True)
class Summary:
    """What a run wrote: rows per table, hearings, and how long it took."""

    seed: int
    cases: int
    incidents: int
    rows: dict[str, int]
    hearings: int
    repeat_hearings: int
    seconds: float
    area_ids: list[str] = field(default_factory=list)

    @property
    def incidents_per_second(self) -> float:
        return self.incidents / self.seconds if self.seconds else 0.0

    @property
    def repeat_rate(self) -> float:
        return self.repeat_hearings / self.hearings if self.hearings else 0.0


def generate(
    bind: Connection | Engine,
    *,
    cases: int,
    incidents: int,
    seed: int,
    progress: bool = False,
    area_id: uuid.UUID | None = None,
    window_days: int = WINDOW_DAYS,
) -> Summary:
    """Write a synthetic partnership with ``cases`` cases and exactly ``incidents`` incidents.

    ``bind`` is an :class:`~sqlalchemy.Engine` or a :class:`~sqlalchemy.Connection`.
    With an engine the rows are written batch by batch as they are made, so
    memory stays flat at any size, and the run commits by itself (on
    PostgreSQL as one transaction, see ``_Writer``); with a connection
    everything is written in the caller's transaction and the caller commits
    (tests use this to roll back).

    The schema must exist (``flask db upgrade``) and a key ring must be in use:
    call inside the app context, as ``flask emarac synth`` does, or within
    :func:`~emarac.crypto.keyring.use_keyring`. Blind indexes take their width
    from the app's settings, so generate inside the app that will search them.

    Every record is marked ``is_demo`` and every name is invented. The same
    seed gives the same ids and values on a fresh database (ciphertexts
    differ, as each has a fresh nonce). A seed already generated is refused.

    With ``area_id`` the cases are added to that existing area, with its own
    agencies and staff, instead of new areas (the demo's history is made so);
    the caller makes sure it does so once. ``window_days`` is how far back the
    history reaches (three years by default).
    """
    if cases < 1 or incidents < 0:
        raise SynthError("Ask for at least one case and no negative number of incidents")
    # The rows hold no reference cycles, and the cyclic collector walking
    # hundreds of thousands of live dictionaries made generation half as fast.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _generate(
            bind,
            cases=cases,
            incidents=incidents,
            seed=seed,
            progress=progress,
            area_id=area_id,
            window_days=window_days,
        )
    finally:
        if collecting:
            gc.enable()


def _generate(
    bind: Connection | Engine,
    *,
    cases: int,
    incidents: int,
    seed: int,
    progress: bool,
    area_id: uuid.UUID | None,
    window_days: int,
) -> Summary:
    ring = current_keyring()
    started = time.perf_counter()
    rng = random.Random(seed)  # noqa: S311  # nosec B311 - synthetic data, not security
    ctx = Context(seed=seed, rng=rng, now=utcnow(), sealer=Sealer(ring), window_days=window_days)
    hearings = repeats = 0
    with use_keyring(ring), _Writer(bind) as writer:
        if area_id is None:
            areas = partnership.build(ctx, cases=cases)
        with writer.begin() as conn:
            if area_id is not None:
                areas = [partnership.existing(conn, area_id)]
            elif conn.scalar(select(Area.id).where(Area.id == areas[0].id)) is not None:
                raise SynthError(f"Seed {seed} has already been generated in this database")
            checklist = partnership.current_checklist(conn, ctx)
            if checklist.created:
                published = str(checklist.version_id)
                writer.audit(conn, "checklist.publish", "checklist_version", published)
            references = _References(conn)
            ctx.batch.flush(conn)  # the partnership, before any case points at it
            writer.written.update(ctx.batch.written)
            ctx.batch = Batch()
        calendar = Calendar(ctx)
        per_case = _spread(rng, cases, incidents)
        area_of = _areas_for(rng, areas, cases)
        with _progress_bar(progress, cases) as advance:
            for first in range(0, cases, CASES_PER_BATCH):
                last = min(cases, first + CASES_PER_BATCH)
                for number in range(first, last):
                    done = write_case(
                        ctx,
                        calendar,
                        area_of[number],
                        checklist,
                        incidents=per_case[number],
                        reference=references.next,
                    )
                    hearings += done.hearings
                    repeats += done.repeats
                writer.submit(ctx.batch, references.snapshot())
                ctx.batch = Batch()
                advance(last - first)
        writer.finish(
            purpose=f"seed {seed}: {cases} cases, {incidents} incidents",
        )
    return Summary(
        seed=seed,
        cases=cases,
        incidents=writer.written["incident"],
        rows=dict(sorted(writer.written.items())),
        hearings=hearings,
        repeat_hearings=repeats,
        seconds=time.perf_counter() - started,
        area_ids=[str(a.id) for a in areas],
    )


def _spread(rng: random.Random, cases: int, incidents: int) -> list[int]:
    """Incidents per case: one each while they last, the rest skewed (a few victims have many)."""
    counts = [1 if number < incidents else 0 for number in range(cases)]
    weights = [rng.gammavariate(0.7, 1.0) for _ in range(cases)]
    cumulative = []
    total = 0.0
    for weight in weights:
        total += weight
        cumulative.append(total)
    for chosen in rng.choices(range(cases), cum_weights=cumulative, k=max(0, incidents - cases)):
        counts[chosen] += 1
    return counts


def _areas_for(
    rng: random.Random, areas: list[partnership.AreaInfo], cases: int
) -> list[partnership.AreaInfo]:
    return rng.choices(areas, weights=[a.weight for a in areas], k=cases)


class _References:
    """Case references from the shared yearly counter, so real and synthetic never clash."""

    def __init__(self, conn: Connection) -> None:
        self.last = {
            int(year): int(number)
            for year, number in conn.execute(select(CaseSequence.year, CaseSequence.last_number))
        }

    def next(self, year: int) -> str:
        self.last[year] = self.last.get(year, 0) + 1
        return f"MARAC-{year}-{self.last[year]:06d}"

    def snapshot(self) -> dict[int, int]:
        return dict(self.last)


def _save_sequence(conn: Connection, last: dict[int, int]) -> None:
    known = set(conn.scalars(select(CaseSequence.year)))
    for year, number in sorted(last.items()):
        if year in known:
            conn.execute(
                update(CaseSequence).where(CaseSequence.year == year).values(last_number=number)
            )
        else:
            conn.execute(insert(CaseSequence).values(year=year, last_number=number))


class _Writer:
    """Writes the batches: behind the generator, in one transaction, where it can.

    With an engine on PostgreSQL the whole run is one transaction on one
    connection: the plain indexes of the tables still empty are set aside
    and built again at the end (see :mod:`emarac.synth.indexes`), and a
    thread writes one batch while the next is being generated (the database
    works on the other core). A failure rolls everything back, indexes
    included. On SQLite each batch commits on its own; with a caller's
    connection everything is written in the caller's transaction. Either way
    batches are written in turn on this thread. A failure in the thread is
    raised here at the next batch or at the end.
    """

    def __init__(self, bind: Connection | Engine) -> None:
        self.bind = bind
        self.written: Counter[str] = Counter()
        self.threaded = isinstance(bind, Engine) and bind.dialect.name == "postgresql"
        self._queue: queue.Queue[tuple[Batch, dict[int, int]] | None] = queue.Queue(maxsize=2)
        self._thread: threading.Thread | None = None
        self._failure: BaseException | None = None
        self._run_conn: Connection | None = None  # the one transaction of a threaded run
        self._set_aside = SetAside()
        self._events: list[tuple[str, str, str | None]] = []

    def __enter__(self) -> _Writer:
        if self.threaded and isinstance(self.bind, Engine):
            self._run_conn = self.bind.connect()
            self._run_conn.begin()
            _bulk_settings(self._run_conn)
            self._set_aside.drop(self._run_conn, ORDER)
            self._thread = threading.Thread(target=self._run, name="synth-writer", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._thread is not None and self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()
        if self._run_conn is not None:
            self._run_conn.close()  # rolls back unless finish() committed

    @contextlib.contextmanager
    def begin(self) -> Iterator[Connection]:
        """A transaction: the run's or the caller's connection, or a new one on the engine."""
        if self._run_conn is not None:
            yield self._run_conn
        elif isinstance(self.bind, Connection):
            yield self.bind
        else:
            with self.bind.begin() as conn:
                yield conn

    def audit(self, conn: Connection, action: str, object_type: str, object_id: str) -> None:
        """Record an event of the run: at once, or at the end of a run's one transaction.

        An event takes the ledger's lock until its transaction ends; held through
        a whole run, it would stop every other writer of the audit trail.
        """
        if self._run_conn is None:
            _audit(conn, action, object_type, object_id)
        else:
            self._events.append((action, object_type, object_id))

    def submit(self, batch: Batch, sequence: dict[int, int]) -> None:
        self._raise_failure()
        if self._thread is None:
            self._write(batch, sequence)
        else:
            self._queue.put((batch, sequence))

    def finish(self, *, purpose: str) -> None:
        """Wait for every batch, record the run in the audit trail, and commit a threaded run."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
        self._raise_failure()
        if self._run_conn is not None:
            self._set_aside.rebuild(self._run_conn)
        with self.begin() as conn:
            for action, object_type, object_id in self._events:
                _audit(conn, action, object_type, object_id)
            _audit(conn, "synth.generate", "synthetic_data", None, purpose=purpose)
            # The rows went in without the ORM, so no flush marked their victims.
            indicator_facts.mark_everyone(conn)
        if self._run_conn is not None:
            self._run_conn.commit()

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            if self._failure is None:
                try:
                    self._write(*item)
                except BaseException as problem:  # handed to the generating thread
                    self._failure = problem

    def _write(self, batch: Batch, sequence: dict[int, int]) -> None:
        with self.begin() as conn:
            batch.flush(conn)
            _save_sequence(conn, sequence)
        self.written.update(batch.written)

    def _raise_failure(self) -> None:
        if self._failure is not None:
            raise self._failure


def _bulk_settings(conn: Connection) -> None:
    """Settings for the bulk transaction on PostgreSQL.

    Losing the run in a crash is harmless for generated data, so the
    commit does not wait for the disk. A superuser also skips the per-row
    foreign-key triggers, as ``pg_restore --disable-triggers`` does: the rows
    are written parents first and :func:`emarac.synth.checks.orphans` (run by
    the tests and the benchmark) proves every reference resolves.
    """
    conn.execute(text("SET LOCAL synchronous_commit TO OFF"))
    if conn.scalar(text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")):
        conn.execute(text("SET LOCAL session_replication_role = replica"))


def _audit(
    conn: Connection,
    action: str,
    object_type: str,
    object_id: str | None,
    *,
    purpose: str | None = None,
) -> None:
    """One event for the run (never one per row): who ran it is the operator on the server."""
    audit.record(
        conn,
        audit.AuditEvent(
            action=action,
            object_type=object_type,
            object_id=object_id,
            purpose=purpose,
            occurred_at=utcnow(),
        ),
        table=ledger_table,
    )


@contextlib.contextmanager
def _progress_bar(show: bool, total: int) -> Iterator[Callable[[int], object]]:
    if not show:
        yield lambda _: None
        return
    columns = (
        TextColumn("Synthetic cases"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns) as bar:
        task = bar.add_task("cases", total=total)
        yield lambda n: bar.advance(task, n)
