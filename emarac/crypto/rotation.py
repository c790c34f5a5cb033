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
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Table,
    bindparam,
    delete,
    func,
    insert,
    literal_column,
    or_,
    select,
    update,
)

from emarac.crypto import keyring as kr
from emarac.crypto.fields import (
    REGISTRY,
    BlindIndex,
    token_indexes_of,
    token_relationship,
)
from emarac.crypto.models import DataKey, KeyState
from emarac.crypto.providers import KeyProvider
from emarac.models_base import Base

Progress = Callable[[str, int], None]


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


def count_stale(engine: Engine, active: int) -> int:
    prefix = kr.version_prefix(active)[1:]
    total = 0
    with engine.connect() as conn:
        for table, columns, _, _ in _tables():
            for name in columns:
                col = table.c[name]
                total += conn.execute(
                    select(func.count()).where(col.is_not(None), _version_expr(col) != prefix)
                ).scalar_one()
    return total


def start_rotation(engine: Engine, provider: KeyProvider) -> int:
    """Create the new active data key (a rotation then re-encrypts towards it)."""
    with engine.begin() as conn:
        return kr.add_version(conn, provider)


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
    active = ring.active
    prefix = kr.version_prefix(active)[1:]
    rewritten = 0
    with kr.use_keyring(ring):
        for table, columns, indexes, _model in _tables():
            pk = table.c.id
            stale = or_(
                *[
                    (table.c[c].is_not(None)) & (_version_expr(table.c[c]) != prefix)
                    for c in columns
                ]
            )
            attribute_of = {i.column: i.attribute for i in REGISTRY[table.name]}
            codec_of = {i.column: i.codec for i in REGISTRY[table.name]}
            last_id = None
            while True:
                query = select(pk, *[table.c[c] for c in columns]).where(stale).order_by(pk)
                if last_id is not None:
                    query = query.where(pk > last_id)
                with engine.begin() as conn:
                    rows = conn.execute(query.limit(batch_size)).all()
                    if not rows:
                        break
                    updates = []
                    plains = []
                    for row in rows:
                        row_id, tokens = row[0], row[1:]
                        values: dict[str, object] = {"b_id": row_id}
                        plain: dict[str, object] = {}
                        for name, token in zip(columns, tokens, strict=True):
                            values[name] = token
                            if token is None:
                                continue
                            aad = f"{table.name}.{name}:{row_id}".encode("ascii")
                            token = bytes(token)
                            raw = ring.decrypt(token, aad)  # checks the format and the version
                            plain[attribute_of[name]] = codec_of[name].decode(raw)
                            if token[1:5] != prefix:  # version bytes, as _version_expr reads
                                values[name] = ring.encrypt(raw, aad)
                                rewritten += 1
                        for index in indexes:
                            values[index.column] = index.compute(
                                table.name, [plain.get(s) for s in index.sources], active
                            )
                        updates.append(values)
                        plains.append((values, plain))
                    targets = [*columns, *(i.column for i in indexes)]
                    _update_rows(conn, table, targets, updates)
                    _rebuild_tokens(conn, _model, [(u["b_id"], p) for u, p in plains], active)
                last_id = rows[-1][0]
                if progress is not None:
                    progress(table.name, len(rows))
    _retire_unused(engine, active)
    return rewritten


def _rebuild_tokens(
    conn: Any, model: type, rows: list[tuple[Any, dict[str, object]]], version: int
) -> None:
    """Replace the token rows of these rows (id, plain values) with digests under ``version``."""
    if not rows or not token_indexes_of(model):
        return
    relation = token_relationship(model)
    token_table = relation.mapper.local_table
    if not isinstance(token_table, Table):  # pragma: no cover - token models are plain tables
        raise TypeError("a token index needs a table of its own")
    (owner,) = relation.remote_side
    conn.execute(delete(token_table).where(owner.in_([row_id for row_id, _ in rows])))
    fresh = [
        {"id": uuid.uuid4(), owner.name: row_id, "kind": index.kind, "digest": digest}
        for row_id, plain in rows
        for index in token_indexes_of(model)
        for digest in sorted(index.compute(token_table.name, plain.get(index.source), version))
    ]
    if not fresh:
        return
    if conn.dialect.name != "postgresql":
        conn.execute(insert(token_table), fresh)
        return
    names = ["id", owner.name, "kind", "digest"]
    _execute_arrays(
        conn,
        f"INSERT INTO {_quote(conn, token_table.name)}"  # noqa: S608  # nosec B608 - names from the schema
        f" ({', '.join(_quote(conn, n) for n in names)})"
        f" SELECT * FROM unnest({_arrays(conn, token_table, names)})",
        [[row[n] for row in fresh] for n in names],
    )


def _quote(conn: Connection, name: str) -> str:
    return str(conn.dialect.identifier_preparer.quote(name))


def _arrays(conn: Connection, table: Table, names: list[str]) -> str:
    """``CAST(%b AS <type>[]), ...``: one array parameter per column, typed as the column."""
    return ", ".join(
        f"CAST(%b AS {table.c[n].type.compile(dialect=conn.dialect)}[])" for n in names
    )


def _execute_arrays(conn: Connection, sql: str, arrays: list[list[Any]]) -> None:
    """Run ``sql`` on PostgreSQL with whole columns as array parameters, in ``conn``'s
    transaction, sent in binary (%b: text form would escape every element)."""
    with conn.connection.driver_connection.cursor() as cursor:  # type: ignore[union-attr]
        cursor.execute(sql, arrays)


def _update_rows(
    conn: Connection, table: Table, targets: list[str], updates: list[dict[str, Any]]
) -> None:
    """Write back a batch of rows (``b_id`` and the ``targets`` columns of each).

    On PostgreSQL the batch is one statement, each column sent as one array
    (``UPDATE ... FROM unnest(...)``): a round trip per batch instead of one
    per row. Elsewhere it is an executemany of the same UPDATE.
    """
    if conn.dialect.name != "postgresql":
        statement = (
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values({c: bindparam(c) for c in targets})
        )
        conn.execute(statement, updates)
        return
    names = ["id", *targets]
    keys = ["b_id", *targets]
    aliases = [f"c{i}" for i in range(len(names))]
    assignments = ", ".join(
        f"{_quote(conn, n)} = b.{a}" for n, a in zip(targets, aliases[1:], strict=True)
    )
    _execute_arrays(
        conn,
        f"UPDATE {_quote(conn, table.name)} AS t SET {assignments}"  # noqa: S608  # nosec B608 - names from the schema
        f" FROM unnest({_arrays(conn, table, names)}) AS b({', '.join(aliases)})"
        " WHERE t.id = b.c0",
        [[u[k] for u in updates] for k in keys],
    )


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
                _rebuild_tokens(conn, model, plains, ring.active)
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
