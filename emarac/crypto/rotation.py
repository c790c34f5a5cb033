"""Key rotation: re-encrypt every value under a new data key, resumably.

Rotation walks each table with encrypted columns in primary-key order and
rewrites only the rows that still hold a value under an older key version, a
batch per transaction. An interrupted run (Ctrl-C, a crash) therefore resumes
where it stopped: finished rows no longer match the query, so nothing is done
twice and nothing is lost. Readers can decrypt both versions throughout, and
writers use the newest, so the app keeps serving while it runs.
"""

from __future__ import annotations

import contextlib
import functools
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Table,
    case,
    func,
    literal_column,
    or_,
    select,
    update,
)

from emarac.crypto import bulk
from emarac.crypto import keyring as kr
from emarac.crypto.fields import (
    REGISTRY,
    BlindIndex,
    DateCodec,
    EncryptedColumnInfo,
    TextCodec,
    token_indexes_of,
    token_table_of,
)
from emarac.crypto.models import DataKey, KeyState
from emarac.crypto.providers import KeyProvider
from emarac.models_base import Base

Progress = Callable[[str, int], None]
_T = TypeVar("_T")


@dataclass(frozen=True)
class KeyStatus:
    version: int
    state: str
    kek_id: str
    values: int


def _tables() -> list[tuple[Table, list[str], list[BlindIndex], type]]:
    """Every mapped table with encrypted columns, with its blind indexes and model."""
    tables = {
        m.local_table.name: (m.local_table, m.class_)
        for m in Base.registry.mappers
        if isinstance(m.local_table, Table)
    }
    found = []
    for table_name, infos in sorted(REGISTRY.items()):
        if table_name not in tables:
            continue
        table, model = tables[table_name]
        indexes = list(getattr(model, "__blind_indexes__", ()))
        found.append((table, [i.column for i in infos], indexes, model))
    return found


def _version_expr(column: ColumnElement[Any]) -> ColumnElement[Any]:
    """The key version inside a token, read in SQL (works on SQLite BLOB and PostgreSQL bytea)."""
    # Literal offsets, not bound parameters: PostgreSQL must see the GROUP BY
    # expression as the same one that is selected.
    return func.substr(column, literal_column("2"), literal_column("4"))


def key_status(engine: Engine) -> list[KeyStatus]:
    counts: dict[int, int] = {}
    with engine.connect() as conn:
        for table, columns, _, _ in _tables():
            for name in columns:
                col = table.c[name]
                rows = conn.execute(
                    select(_version_expr(col), func.count())
                    .where(col.is_not(None))
                    .group_by(_version_expr(col))
                ).all()
                for prefix, n in rows:
                    version = int.from_bytes(bytes(prefix), "big")
                    counts[version] = counts.get(version, 0) + int(n)
        keys = conn.execute(
            select(DataKey.version, DataKey.state, DataKey.kek_id).order_by(DataKey.version)
        ).all()
    return [KeyStatus(int(v), str(s), str(k), counts.get(int(v), 0)) for v, s, k in keys]


def _stale(table: Table, columns: list[str], prefix: bytes) -> list[ColumnElement[bool]]:
    """Per encrypted column: it holds a value under another key version than ``prefix``."""
    return [
        table.c[name].is_not(None) & (_version_expr(table.c[name]) != prefix) for name in columns
    ]


def count_stale(engine: Engine, active: int) -> int:
    """How many values are not under the active key.

    One pass over each table, each column counted in it: a pass per column
    read the person table eleven times over, at the end of every rotation
    (``_retire_unused``) and twice more in ``keys rotate``.
    """
    prefix = kr.version_prefix(active)[1:]
    total = 0
    with engine.connect() as conn:
        for table, columns, _, _ in _tables():
            counts = [func.count(case((stale, 1))) for stale in _stale(table, columns, prefix)]
            total += sum(conn.execute(select(*counts)).one())
    return total


def start_rotation(engine: Engine, provider: KeyProvider) -> int:
    """Create the new active data key (a rotation then re-encrypts towards it)."""
    with engine.begin() as conn:
        return kr.add_version(conn, provider)


@dataclass(frozen=True)
class _Plan:
    """What rotating one table needs, looked up once, so the per-value loop
    (``_reseal``) does no look-up of its own."""

    table: Table
    model: type
    columns: list[str]  # the encrypted columns
    # per column: its attribute, b"table.column:" (the row id completes the
    # associated data), and its decoder if an index reads the plain value
    reads: list[tuple[str, bytes, Callable[[bytes], Any] | None]]
    # per blind index: its column, its sources, and its value under the active
    # key as a function of theirs
    indexes: list[tuple[str, tuple[str, ...], Callable[..., str | None]]]
    # per source of the token indexes: (kind, digest) of all its token rows
    tokens: list[tuple[str, Callable[[Any], tuple[tuple[str, str], ...]]]]

    @classmethod
    def of(cls, table: Table, model: type, ring: kr.KeyRing) -> _Plan:
        fields = REGISTRY[table.name]
        indexes: list[BlindIndex] = list(getattr(model, "__blind_indexes__", ()))
        sources = {s for i in indexes for s in i.sources}
        sources |= {t.source for t in token_indexes_of(model)}
        bits = kr.blind_index_bits()
        hashable = _hashable(fields)
        return cls(
            table=table,
            model=model,
            columns=[f.column for f in fields],
            reads=[
                (
                    f.attribute,
                    f"{table.name}.{f.column}:".encode("ascii"),
                    f.codec.decode if f.attribute in sources else None,
                )
                for f in fields
            ],
            indexes=[
                (
                    i.column,
                    i.sources,
                    _remembered(
                        _index_value(
                            i.normalise,
                            ring.blinder(ring.active, f"{table.name}.{i.column}", i.bits or bits),
                        ),
                        hashable.issuperset(i.sources),
                    ),
                )
                for i in indexes
            ],
            tokens=_token_makers(model, ring, hashable),
        )

    @property
    def targets(self) -> list[str]:
        """The columns a rotation writes: the ciphertexts, then the blind indexes."""
        return [*self.columns, *(column for column, *_ in self.indexes)]


# Index values of this many distinct values are remembered per index during a
# rotation (a few MB at most): names and dates of birth repeat across many
# people, so most of their values are found here instead of normalised and
# hashed again. Only the process's memory holds them, as it holds the keys.
REMEMBERED = 65_536


def _hashable(fields: list[EncryptedColumnInfo]) -> set[str]:
    """The attributes whose plain values can be remembered (text and dates, not JSON)."""
    return {f.attribute for f in fields if isinstance(f.codec, (TextCodec, DateCodec))}


def _remembered(function: Callable[..., _T], hashable: bool) -> Callable[..., _T]:
    """``function`` with its latest results remembered, if its arguments can be."""
    return functools.lru_cache(maxsize=REMEMBERED)(function) if hashable else function


def _index_value(
    normalise: Callable[..., str | None], blind: kr.Blinder
) -> Callable[..., str | None]:
    def value(*sources: object) -> str | None:
        normalised = normalise(*sources)
        return None if normalised is None else blind(normalised)

    return value


def _token_makers(
    model: type, ring: kr.KeyRing, hashable: set[str]
) -> list[tuple[str, Callable[[Any], tuple[tuple[str, str], ...]]]]:
    """Per source of the model's token indexes: a function from its plain value to
    the (kind, digest) of every token row it needs, under the ring's active key."""
    indexes = token_indexes_of(model)
    if not indexes:
        return []
    table, bits = token_table_of(model), kr.blind_index_bits()
    by_source: dict[str, list[tuple[str, Callable[[Any], set[str]], kr.Blinder]]] = {}
    for index in indexes:
        blind = ring.blinder(ring.active, f"{table}.{index.kind}", bits)
        by_source.setdefault(index.source, []).append((index.kind, index.tokens, blind))

    def maker(
        wanted: list[tuple[str, Callable[[Any], set[str]], kr.Blinder]],
    ) -> Callable[[Any], tuple[tuple[str, str], ...]]:
        def rows(value: Any) -> tuple[tuple[str, str], ...]:
            return tuple(
                (kind, digest)
                for kind, tokens, blind in wanted
                for digest in sorted({blind(t) for t in tokens(value)})
            )

        return rows

    return [
        (source, _remembered(maker(wanted), source in hashable))
        for source, wanted in by_source.items()
    ]


def rotate_values(
    engine: Engine,
    provider: KeyProvider,
    *,
    batch_size: int = 1000,
    progress: Progress | None = None,
) -> int:
    """Re-encrypt every value not under the active key; returns how many were rewritten."""
    with engine.connect() as conn:
        ring = kr.load(conn, provider)
    if ring is None:
        return 0
    rewritten = 0
    with kr.use_keyring(ring):
        for table, _columns, _indexes, model in _tables():
            plan = _Plan.of(table, model, ring)
            rewritten += _rotate_table(engine, ring, plan, batch_size, progress)
    _retire_unused(engine, ring.active)
    return rewritten


@dataclass(frozen=True)
class _Batch:
    """A batch read, locked and re-sealed in its own transaction, not yet written."""

    conn: Connection
    last_id: Any
    rows: int
    updates: list[list[Any]]  # [id, *new values of plan.targets] per row
    owners: list[Any]
    tokens: list[tuple[Any, str, str]]  # (owner, kind, digest) under the active key
    rewritten: int


def _rotate_table(
    engine: Engine, ring: kr.KeyRing, plan: _Plan, batch_size: int, progress: Progress | None
) -> int:
    """Rotate one table a batch per transaction, in primary-key order.

    On PostgreSQL the batches overlap: while ``WRITERS`` batches are written
    and committed, each on its own connection (time spent in the database),
    the next is read, locked and re-sealed (time spent in Python) on another.
    Each batch is still one transaction of its own; they may commit out of
    order, which resuming does not mind, as it takes up whichever rows still
    hold an old version, wherever they are. A batch read but not written when
    the run stops is rolled back, so stopping loses nothing.
    """
    table = plan.table
    prefix = kr.version_prefix(ring.active)[1:]
    pk = table.c.id
    columns = [table.c[c] for c in plan.columns]
    stale = or_(*_stale(table, plan.columns, prefix))
    # Locked until the batch commits: a value the app writes meanwhile waits
    # for it, rather than being overwritten by the re-encryption of what it
    # replaced. (SQLite has no FOR UPDATE and needs none: a write there fails
    # if what was read is no longer current.)
    query = select(pk, *columns).where(stale).order_by(pk).limit(batch_size).with_for_update()

    def read(after: Any) -> _Batch | None:
        conn = engine.connect()
        try:
            conn.begin()
            rows = conn.execute(query if after is None else query.where(pk > after)).all()
            if not rows:
                conn.close()
                return None
            updates, plains, rewritten = _reseal(ring, plan, rows)
            tokens = _token_digests(plan.tokens, plains)
        except BaseException:
            conn.close()  # rolls back
            raise
        owners = [row[0] for row in rows]
        return _Batch(conn, owners[-1], len(rows), updates, owners, tokens, rewritten)

    def done(batch: _Batch) -> int:
        if progress is not None:
            progress(table.name, batch.rows)
        return batch.rewritten

    rewritten = 0
    if engine.dialect.name != "postgresql":  # one writer at a time: no overlap
        last_id = None
        while (batch := read(last_id)) is not None:
            _write_batch(plan, batch)
            last_id = batch.last_id
            rewritten += done(batch)
        return rewritten
    with ThreadPoolExecutor(max_workers=WRITERS, thread_name_prefix="rotation") as writers:
        writing: deque[Future[_Batch]] = deque()
        last_id = None
        while True:
            batch = read(last_id)
            try:
                while writing and (batch is None or len(writing) == WRITERS):
                    rewritten += done(writing.popleft().result())  # raises what a writer raised
            except BaseException:
                if batch is not None:
                    batch.conn.close()  # rolls back
                raise
            if batch is None:
                return rewritten
            last_id = batch.last_id
            writing.append(writers.submit(_write_batch, plan, batch))


# Batches written at once on PostgreSQL. Writing a batch is nearly all the
# database's own work (a new entry in every index for every row, one core per
# connection), so with one writer the database was the bottleneck while
# Python waited; with two, two cores write while Python re-seals the next batch.
WRITERS = 2


def _write_batch(plan: _Plan, batch: _Batch) -> _Batch:
    """Write a batch back and commit it (closing its connection either way)."""
    with batch.conn as conn:
        bulk.update_rows(conn, plan.table, plan.targets, batch.updates)
        bulk.write_tokens(conn, plan.model, batch.owners, batch.tokens)
        conn.commit()
    return batch


def _reseal(
    ring: kr.KeyRing, plan: _Plan, rows: Sequence[Any]
) -> tuple[list[list[Any]], list[tuple[Any, dict[str, object]]], int]:
    """Each row (id, tokens...) as (id, new tokens..., new indexes...), with its plain
    values for the token indexes, and how many values were re-encrypted.

    The per-value loop of a rotation: everything it needs is looked up before.
    The values are re-encrypted together at the end (``KeyRing.encrypt_many``),
    each into the place kept for it (plain numbers, not a (row, position) tuple
    per value for the garbage collector to track).
    """
    decrypt = ring.decrypt
    active = kr.version_prefix(ring.active)[1:]
    reads, indexes = plan.reads, plan.indexes
    updates: list[list[Any]] = []
    plains: list[tuple[Any, dict[str, object]]] = []
    plaintexts: list[bytes] = []  # to encrypt again, with their associated data
    aads: list[bytes] = []
    places: list[int] = []  # where each goes: row * width + position in the row
    width = 1 + len(reads) + len(indexes)
    for row in rows:
        row_id = row[0]
        id_text = str(row_id).encode("ascii")
        out: list[Any] = [row_id]
        plain: dict[str, object] = {}
        for (attribute, aad_prefix, decode), token in zip(reads, row[1:], strict=True):
            if token is None:
                out.append(None)
                continue
            aad = aad_prefix + id_text
            token = bytes(token)
            raw = decrypt(token, aad)  # checks the format and the version
            if decode is not None:
                plain[attribute] = decode(raw)
            if token[1:5] != active:  # version bytes, as _version_expr reads
                plaintexts.append(raw)
                aads.append(aad)
                places.append(len(updates) * width + len(out))
            out.append(token)
        for _column, sources, index_value in indexes:
            out.append(index_value(*[plain.get(s) for s in sources]))
        updates.append(out)
        plains.append((row_id, plain))
    for place, token in zip(places, ring.encrypt_many(plaintexts, aads), strict=True):
        updates[place // width][place % width] = token
    return updates, plains, len(places)


def _token_digests(
    makers: list[tuple[str, Callable[[Any], tuple[tuple[str, str], ...]]]],
    rows: list[tuple[Any, dict[str, object]]],
) -> list[tuple[Any, str, str]]:
    """(owner id, kind, digest) of every token row these rows (id, plain values) need
    (``makers`` from ``_token_makers``)."""
    found = []
    for source, digests_of in makers:
        for row_id, plain in rows:
            found.extend([(row_id, kind, digest) for kind, digest in digests_of(plain.get(source))])
    return found


def reindex_tokens(
    engine: Engine,
    provider: KeyProvider,
    *,
    batch_size: int = 1000,
    progress: Progress | None = None,
) -> int:
    """Rebuild every token index (after the migration that adds one); returns rows indexed.

    Rotation rebuilds the tokens of each row it re-encrypts; this pass covers the
    rows a rotation would not touch. It only writes index rows, so it can run
    while the app serves, and again at any time.
    """
    with engine.connect() as conn:
        ring = kr.load(conn, provider)
    if ring is None:
        return 0
    with kr.use_keyring(ring):
        return index_tokens(engine, ring, batch_size=batch_size, progress=progress)


def index_tokens(
    bind: Engine | Connection,
    ring: kr.KeyRing,
    *,
    batch_size: int = 1000,
    progress: Progress | None = None,
) -> int:
    """Write the token index rows of every row under ``ring``'s active key.

    ``bind`` is an engine (each batch commits on its own) or a connection (all
    in the caller's transaction), as rows written without the ORM (the
    synthetic generator) need their name parts indexed afterwards.
    """
    done = 0
    for table, _columns, _indexes, model in _tables():
        indexes = token_indexes_of(model)
        if not indexes:
            continue
        attribute_of = {i.attribute: i for i in REGISTRY[table.name]}
        sources = [attribute_of[i.source] for i in indexes]
        wanted = list({info.column: info for info in sources}.values())
        makers = _token_makers(model, ring, _hashable(wanted))
        last_id = None
        while True:
            columns = [table.c[i.column] for i in wanted]
            query = select(table.c.id, *columns).order_by(table.c.id)
            if last_id is not None:
                query = query.where(table.c.id > last_id)
            with _transaction(bind) as conn:
                rows = conn.execute(query.limit(batch_size)).all()
                if not rows:
                    break
                plains = []
                for row in rows:
                    plain: dict[str, object] = {}
                    for info, token in zip(wanted, row[1:], strict=True):
                        if token is not None:
                            aad = f"{table.name}.{info.column}:{row[0]}".encode("ascii")
                            plain[info.attribute] = info.codec.decode(
                                ring.decrypt(bytes(token), aad)
                            )
                    plains.append((row[0], plain))
                owners = [row_id for row_id, _ in plains]
                bulk.write_tokens(conn, model, owners, _token_digests(makers, plains))
            last_id = rows[-1][0]
            done += len(rows)
            if progress is not None:
                progress(table.name, len(rows))
    return done


@contextlib.contextmanager
def _transaction(bind: Engine | Connection) -> Iterator[Connection]:
    if isinstance(bind, Connection):
        yield bind
        return
    with bind.begin() as conn:
        yield conn


def _retire_unused(engine: Engine, active: int) -> None:
    if count_stale(engine, active) != 0:
        return
    with engine.begin() as conn:
        conn.execute(
            update(DataKey)
            .where(DataKey.version != active, DataKey.state != KeyState.RETIRED)
            .values(state=KeyState.RETIRED, retired_at=func.now())
        )


def rewrap_keys(engine: Engine, old: KeyProvider, new: KeyProvider) -> int:
    """KEK rotation: unwrap every data key with the old KEK and wrap it with the new."""
    with engine.begin() as conn:
        rows = conn.execute(select(DataKey.version, DataKey.wrapped_key)).all()
        for version, wrapped in rows:
            conn.execute(
                update(DataKey)
                .where(DataKey.version == version)
                .values(wrapped_key=new.wrap(old.unwrap(bytes(wrapped))), kek_id=new.key_id)
            )
    return len(rows)
