"""Rows waiting to be written, and the one place they are written.

Rows are plain dictionaries, one list per table, written in foreign-key order
so that a batch can hold a case with its people, incidents, referrals and the
meeting that hears it.

On SQLite (and any other database) each table is one Core ``INSERT`` with a
list of parameter sets: an executemany. On PostgreSQL the same rows go through
binary ``COPY ... FROM STDIN`` on the same connection and transaction
instead. Measured on the development machine, psycopg's executemany sends
one statement per row and managed about 1,600 incidents (with everything
around them) a second, and text ``COPY`` spent most of its time formatting
values; binary ``COPY`` is what reaches the 10,000 a second asked of the
generator. The values are the same Python objects either way, adapted by
psycopg's own dumpers.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from operator import itemgetter
from typing import Any, cast

from psycopg.adapt import PyFormat
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Connection,
    Date,
    DateTime,
    Integer,
    LargeBinary,
    String,
    Table,
    Time,
    Uuid,
    insert,
)
from sqlalchemy.types import TypeEngine

from emarac.actions.models import Action
from emarac.agencies.models import Agency, Area, User, UserRole
from emarac.cases.models import Case, CaseChild, CasePerpetrator
from emarac.incidents.models import Incident, IncidentTypeRow
from emarac.meetings.models import AgendaItem, Attendance, Meeting, MeetingInvite, Research
from emarac.people.models import NameToken, Person
from emarac.referrals.models import Referral
from emarac.risk.models import ChecklistQuestion, ChecklistVersion, RiskAnswer, RiskAssessment

# Parents before children. A referral points at its meeting, an agenda item at
# its referral; a referral may point at an earlier referral (a duplicate), so
# duplicates are written as a second pass of the same table.
ORDER: tuple[Table, ...] = tuple(
    cast(Table, model.__table__)
    for model in (
        Area,
        Agency,
        User,
        UserRole,
        ChecklistVersion,
        ChecklistQuestion,
        Person,
        NameToken,
        Case,
        CasePerpetrator,
        CaseChild,
        Incident,
        IncidentTypeRow,
        RiskAssessment,
        RiskAnswer,
        Meeting,
        MeetingInvite,
        Attendance,
        Referral,
        AgendaItem,
        Research,
        Action,
    )
)
DUPLICATES = "referral_duplicate"


class Batch:
    """Rows by table name, written in foreign-key order by :meth:`flush`."""

    def __init__(self) -> None:
        self.rows: dict[str, list[dict[str, Any]]] = {}
        self.written: Counter[str] = Counter()

    def add(self, table: str, row: dict[str, Any]) -> None:
        self.table(table).append(row)

    def table(self, name: str) -> list[dict[str, Any]]:
        """The rows waiting for one table, for a loop that adds many."""
        return self.rows.setdefault(name, [])

    def __len__(self) -> int:
        return sum(len(rows) for rows in self.rows.values())

    def flush(self, conn: Connection) -> None:
        for table in ORDER:
            self._write(conn, table, self.rows.pop(table.name, []))
            if table.name == "referral":
                self._write(conn, table, self.rows.pop(DUPLICATES, []), counted_as="referral")
        if self.rows:  # pragma: no cover - a programming error, not a data problem
            raise RuntimeError(f"rows for unknown tables: {sorted(self.rows)}")

    def _write(
        self,
        conn: Connection,
        table: Table,
        rows: list[dict[str, Any]],
        *,
        counted_as: str | None = None,
    ) -> None:
        if not rows:
            return
        if conn.dialect.name == "postgresql":
            _copy(conn, table, rows)
        else:
            conn.execute(insert(table), rows)
        self.written[counted_as or table.name] += len(rows)


def _copy(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """``COPY`` the rows in, in binary; every row has the keys of the first, as for executemany."""
    columns = list(rows[0])
    as_json = {name for name in columns if isinstance(table.c[name].type, JSON)}
    quote = conn.dialect.identifier_preparer.quote
    statement = (
        f"COPY {quote(table.name)} ({', '.join(quote(c) for c in columns)}) "
        "FROM STDIN (FORMAT BINARY)"
    )
    raw: Any = conn.connection.driver_connection
    with raw.cursor() as cursor:
        # psycopg picks a dumper by the column's type, and for bytea that is
        # the DB-API ``Binary`` wrapper's, written in Python. Ciphertexts are
        # always plain bytes, so the compiled dumper for bytes serves them.
        cursor.adapters.register_dumper(bytes, cursor.adapters.get_dumper(bytes, PyFormat.BINARY))
        with cursor.copy(statement) as copy:
            copy.set_types([_binary_type(table.c[name].type) for name in columns])
            write = copy.write_row
            if as_json:
                for row in rows:
                    write([json.dumps(row[c]) if c in as_json else row[c] for c in columns])
            else:
                for values in map(_in_order(columns), rows):
                    write(values)


def _in_order(columns: list[str]) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    """A row's values in column order, gathered by one call into C."""
    if len(columns) == 1:
        return lambda row: (row[columns[0]],)
    return itemgetter(*columns)


def _binary_type(column_type: TypeEngine[Any]) -> str:
    """The PostgreSQL type whose binary form psycopg should send for a column.

    Character and JSON columns take text (their binary form is the text itself).
    """
    for kind, name in _BINARY_TYPES:
        if isinstance(column_type, kind):
            if isinstance(column_type, DateTime) and not column_type.timezone:
                return "timestamp"
            return name
    raise TypeError(f"no binary COPY type for {column_type!r}")


_BINARY_TYPES: tuple[tuple[type[TypeEngine[Any]], str], ...] = (
    (Uuid, "uuid"),
    (LargeBinary, "bytea"),
    (Boolean, "bool"),
    (BigInteger, "int8"),
    (Integer, "int4"),
    (DateTime, "timestamptz"),
    (Date, "date"),
    (Time, "time"),
    (JSON, "text"),
    (String, "text"),
)
