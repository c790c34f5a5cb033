"""The canonical encoding of an audit event: the contract ``verify`` depends on.

An event's hash is ``SHA-256(prev_hash_hex_ascii || body)``. ``body`` is the
concatenation, in the order of :data:`HASHED_COLUMNS`, of each value written
as ``<length>:<text>;`` (UTF-8 text, length in characters; ``None`` is written
as ``-;`` so it differs from the empty string). Length prefixes make the
encoding unambiguous whatever a free-text value (a purpose) contains, and
building it is cheap, so verification runs close to the speed of hashing.

``occurred_at`` is written as ISO 8601 in UTC with microseconds and no offset
(``2026-11-23T04:31:00.123456``), whether the database returned an aware
(PostgreSQL) or a naive (SQLite) datetime. ``fields`` is the stored JSON text
of a sorted list of field names.

Changing anything here breaks every existing chain: add a format version
rather than editing.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

GENESIS_HASH = "0" * 64

HASHED_COLUMNS = (
    "seq",
    "occurred_at",
    "user_id",
    "agency_id",
    "action",
    "object_type",
    "object_id",
    "fields",
    "purpose",
    "recipient",
    "request_id",
    "client_addr",
)


def encode_time(value: datetime) -> str:
    if value.tzinfo is not None and value.utcoffset():
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None).isoformat(timespec="microseconds")


def body(values: Sequence[Any]) -> bytes:
    """The hashed body of one row, from its values in :data:`HASHED_COLUMNS` order."""
    parts: list[str] = []
    for index, value in enumerate(values):
        if value is None:
            parts.append("-;")
            continue
        if index == 0:
            text = str(value)
        elif index == 1:
            text = encode_time(value)
        else:
            text = value
        parts.append(f"{len(text)}:{text};")
    return "".join(parts).encode()


def encode_fields(fields: Sequence[str]) -> str | None:
    return json.dumps(sorted(fields), separators=(",", ":")) if fields else None
