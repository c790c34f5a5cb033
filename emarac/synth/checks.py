"""Checks on written data that do not trust how it was written."""

from __future__ import annotations

from sqlalchemy import Connection, exists, func, select

from emarac.synth.batch import ORDER


def orphans(conn: Connection) -> dict[str, int]:
    """References that point at no row, per foreign key of the generated tables.

    The generator may write with PostgreSQL's foreign-key triggers off (see
    ``emarac.synth.generator``), so the tests and the benchmark ask the
    database directly, one set-based query per key. An empty result is good.
    """
    found: dict[str, int] = {}
    for table in ORDER:
        for key in table.foreign_keys:
            child = key.parent
            # An alias, so a key that points into its own table is not matched with itself.
            parent = key.column.table.alias("parent").c[key.column.name]
            count = conn.scalar(
                select(func.count())
                .select_from(table)
                .where(
                    child.isnot(None),
                    ~exists().where(parent == child),
                )
            )
            if count:
                found[f"{table.name}.{child.name}"] = int(count)
    return found
