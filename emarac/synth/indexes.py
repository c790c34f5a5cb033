"""Secondary indexes set aside while a bulk load fills empty tables (PostgreSQL only).

Rows copied into a table with a dozen b-tree indexes on random values (blind
indexes, foreign keys, UUIDs) cost the server one random page per index per
row; building each index once from the loaded table is a sort, several times
cheaper. Only plain indexes are set aside: those behind a primary key, a
unique constraint or a foreign key stay, so every constraint is checked as
the rows arrive. The definitions are read back from the catalogue
(``pg_get_indexdef``) and replayed as they were, so the schema after a load
is the schema before it.

Dropping and rebuilding happen in the load's own transaction: if the load
fails, the rollback brings the indexes back with everything else.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, Table, exists, select, text

# Plain indexes of a table: none a constraint owns or relies on (a foreign key
# records the referenced table's unique index in conindid).
_PLAIN_INDEXES = text(
    """
    SELECT index.relname, pg_get_indexdef(i.indexrelid), obj_description(i.indexrelid, 'pg_class')
    FROM pg_index AS i
    JOIN pg_class AS index ON index.oid = i.indexrelid
    WHERE i.indrelid = to_regclass(:table)
      AND NOT EXISTS (SELECT 1 FROM pg_constraint AS c WHERE c.conindid = i.indexrelid)
    ORDER BY index.relname
    """
)


class SetAside:
    """The definitions of the indexes dropped for a load, to build again after it."""

    def __init__(self) -> None:
        self.definitions: list[tuple[str, str, str | None]] = []

    def drop(self, conn: Connection, tables: Iterable[Table]) -> None:
        """Drop the plain indexes of these tables when none of them holds a row yet.

        Only a database being filled for the first time: dropping an index locks
        its table until the load commits, and a database already in use (even
        one whose table of, say, chase reminders is still empty) must not have
        its readers wait for a whole run.
        """
        tables = list(tables)
        if any(conn.scalar(select(exists().select_from(table))) for table in tables):
            return
        quote = conn.dialect.identifier_preparer.quote
        for table in tables:
            found = conn.execute(_PLAIN_INDEXES, {"table": quote(table.name)}).all()
            for name, definition, comment in found:
                conn.execute(text(f"DROP INDEX {quote(name)}"))
                self.definitions.append((name, definition, comment))

    def rebuild(self, conn: Connection) -> None:
        """Build every dropped index again from its recorded definition."""
        quote = conn.dialect.identifier_preparer.quote
        # One sort per index: a larger sort memory than the default keeps it off disk.
        conn.execute(text("SET LOCAL maintenance_work_mem TO '256MB'"))
        for name, definition, comment in self.definitions:
            conn.exec_driver_sql(definition)  # as written: casts and literals untouched
            if comment is not None:
                literal = "'" + comment.replace("'", "''") + "'"
                conn.exec_driver_sql(f"COMMENT ON INDEX {quote(name)} IS {literal}")
        self.definitions = []
