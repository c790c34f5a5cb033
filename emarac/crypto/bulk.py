"""Writing a rotation's batches back: one statement per batch on PostgreSQL.

Each column of a batch goes to PostgreSQL as one array parameter, sent in
binary, and ``unnest`` turns the arrays back into rows: a round trip per
batch instead of one per row. Other databases get an executemany.
"""

from __future__ import annotations

import functools
import uuid
from typing import Any

from sqlalchemy import Connection, Table, bindparam, delete, insert, update

from emarac.crypto.fields import token_indexes_of, token_relationship


def write_tokens(
    conn: Connection, model: type, owners: list[Any], wanted: list[tuple[Any, str, str]]
) -> None:
    """Make the owners' token rows exactly ``wanted`` (owner, kind, digest)."""
    if not owners or not token_indexes_of(model):
        return
    relation = token_relationship(model)
    token_table = relation.mapper.local_table
    if not isinstance(token_table, Table):  # pragma: no cover - token models are plain tables
        raise TypeError("a token index needs a table of its own")
    (owner,) = relation.remote_side
    if conn.dialect.name == "postgresql":
        _rewrite_tokens_in_place(conn, token_table, owner.name, owners, wanted)
        return
    conn.execute(delete(token_table).where(owner.in_(owners)))
    if wanted:
        conn.execute(
            insert(token_table),
            [
                {"id": uuid.uuid4(), owner.name: row_id, "kind": kind, "digest": digest}
                for row_id, kind, digest in wanted
            ],
        )


def _rewrite_tokens_in_place(
    conn: Connection,
    table: Table,
    owner: str,
    owners: list[Any],
    wanted: list[tuple[Any, str, str]],
) -> None:
    """On PostgreSQL, in one statement: give the owners' token rows their new digests.

    A rotation changes every digest but, the values being the same, not how
    many rows each owner has of each kind. So the rows are updated where they
    are, paired by position within (owner, kind), instead of deleted and
    inserted again: no new row ids and no foreign-key check per row (the owner
    does not change), which was most of the cost. Rows without a partner (an
    index out of step with its value) are deleted, or inserted, in the same
    statement.

    The update names the owners again (``t.owner = ANY(...)``) though the
    pairs already say which rows: otherwise the planner may hash the whole
    table to join it with the pairs, in every batch (on a few hundred
    thousand name parts, more than ``work_mem``, so spilled to disk).
    """
    q = functools.partial(_quote, conn)
    t, o = q(table.name), q(owner)
    types = [_array_type(conn, table, n) for n in (owner, "kind", "digest")]
    _execute_arrays(
        conn,
        # Names from the schema, values as parameters.
        f"""WITH new AS (
            SELECT b.owner, b.kind, b.digest,
                row_number() OVER (PARTITION BY b.owner, b.kind ORDER BY b.digest) AS n
            FROM unnest(CAST(%b AS {types[0]}), CAST(%b AS {types[1]}), CAST(%b AS {types[2]}))
                AS b(owner, kind, digest)
        ), old AS (
            SELECT t.id, t.{o} AS owner, t.kind,
                row_number() OVER (PARTITION BY t.{o}, t.kind ORDER BY t.id) AS n
            FROM {t} AS t WHERE t.{o} = ANY(CAST(%b AS {types[0]}))
        ), pair AS (
            SELECT old.id, new.owner, new.kind, new.digest
            FROM old FULL JOIN new USING (owner, kind, n)
        ), moved AS (
            UPDATE {t} AS t SET digest = pair.digest
            FROM pair WHERE t.id = pair.id AND pair.digest IS NOT NULL
                AND t.{o} = ANY(CAST(%b AS {types[0]}))
        ), gone AS (
            DELETE FROM {t} AS t
            WHERE t.id IN (SELECT pair.id FROM pair WHERE pair.digest IS NULL)
        )
        INSERT INTO {t} (id, {o}, kind, digest)
        SELECT gen_random_uuid(), pair.owner, pair.kind, pair.digest FROM pair
        WHERE pair.id IS NULL""",  # noqa: S608  # nosec B608
        [
            [w[0] for w in wanted],
            [w[1] for w in wanted],
            [w[2] for w in wanted],
            owners,
            owners,
        ],
    )


def _quote(conn: Connection, name: str) -> str:
    return str(conn.dialect.identifier_preparer.quote(name))


def _array_type(conn: Connection, table: Table, name: str) -> str:
    """The SQL type of an array of the column's values: ``VARCHAR(24)[]``."""
    return f"{table.c[name].type.compile(dialect=conn.dialect)}[]"


def _arrays(conn: Connection, table: Table, names: list[str]) -> str:
    """``CAST(%b AS <type>[]), ...``: one array parameter per column, typed as the column."""
    return ", ".join(f"CAST(%b AS {_array_type(conn, table, n)})" for n in names)


def _execute_arrays(conn: Connection, sql: str, arrays: list[list[Any]]) -> int:
    """Run ``sql`` on PostgreSQL with whole columns as array parameters, in ``conn``'s
    transaction, sent in binary (%b: text form would escape every element);
    returns the number of rows it changed."""
    with conn.connection.driver_connection.cursor() as cursor:  # type: ignore[union-attr]
        cursor.execute(sql, arrays)
        return int(cursor.rowcount)


def update_rows(
    conn: Connection, table: Table, targets: list[str], updates: list[list[Any]]
) -> None:
    """Write back a batch of rows, each ``[id, *values of the targets columns]``.

    On PostgreSQL the batch is one statement, each column sent as one array
    (``UPDATE ... FROM unnest(...)``): a round trip per batch instead of one
    per row. Elsewhere it is an executemany of the same UPDATE.

    The rows are named twice on PostgreSQL, joined to the arrays and as
    ``t.id = ANY(...)``: so the planner hashes or looks up only the batch's
    rows, where it would otherwise hash the whole table in each batch. And the
    batch must change exactly its own rows (they are locked since they were
    read), or it is rolled back rather than committed with a row unwritten.
    """
    if conn.dialect.name != "postgresql":
        statement = (
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values({c: bindparam(c) for c in targets})
        )
        keys = ["b_id", *targets]
        rows = [dict(zip(keys, row, strict=True)) for row in updates]
        changed = conn.execute(statement, rows).rowcount
    else:
        changed = _update_arrays(conn, table, targets, updates)
    if changed != len(updates):
        raise RuntimeError(f"{table.name}: {changed} of a batch of {len(updates)} rows written")


def _update_arrays(
    conn: Connection, table: Table, targets: list[str], updates: list[list[Any]]
) -> int:
    """PostgreSQL's one UPDATE over arrays for ``update_rows``; the rows it changed."""
    names = ["id", *targets]
    aliases = [f"c{i}" for i in range(len(names))]
    assignments = ", ".join(
        f"{_quote(conn, n)} = b.{a}" for n, a in zip(targets, aliases[1:], strict=True)
    )
    columns = [list(column) for column in zip(*updates, strict=True)]
    return _execute_arrays(
        conn,
        f"UPDATE {_quote(conn, table.name)} AS t SET {assignments}"  # noqa: S608  # nosec B608 - names from the schema
        f" FROM unnest({_arrays(conn, table, names)}) AS b({', '.join(aliases)})"
        f" WHERE t.id = b.c0 AND t.id = ANY(CAST(%b AS {_array_type(conn, table, 'id')}))",
        [*columns, columns[0]],
    )
