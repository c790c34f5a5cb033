"""Encrypted attributes and blind indexes on SQLAlchemy models.

A model declares an explicit ciphertext column (so Alembic sees it) and a
descriptor that exposes the plain value::

    family_name_ct: Mapped[bytes | None] = encrypted_column()
    family_name = EncryptedText("family_name_ct")

Setting the attribute encrypts at once, bound to ``table.column:row-id`` (the
row id exists from construction, see ``emarac.models_base``), and recomputes
the blind indexes fed by it. Reading decrypts lazily and caches per instance,
so a page that does not show a field never pays for decrypting it.

Blind indexes are HMAC-SHA256 under a key derived per index and per data-key
version, over a normalised value, truncated to a few bits (setting
``EMARAC_BLIND_INDEX_BITS``). Truncation is deliberate: with a short index many
people share each value, so the index alone reveals little about who is in the
table (the trade-off CipherSweet documents for its blind indexes). Searches
therefore return *candidates*; :func:`confirm` decrypts those and keeps only
true matches, so a collision never shows the wrong person.

A value with several parts (a double-barrelled surname, several given names)
has a *token index*: one row per part in a child table (``kind``, ``digest``),
each digest made exactly like a column index (same HMAC, same per-index key
derivation, same truncation), so the collision figures are those of the column
indexes. The model names the relationship that holds the rows in
``__index_rows__``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import LargeBinary, String
from sqlalchemy.orm import MappedColumn, RelationshipProperty, class_mapper, mapped_column

from emarac.crypto.keyring import blind_index_bits, current_keyring

_CACHE = "_emarac_plain"


def encrypted_column(**kwargs: Any) -> MappedColumn[Any]:
    return mapped_column(LargeBinary, nullable=True, comment="encrypted", **kwargs)


def blind_index_column(**kwargs: Any) -> MappedColumn[Any]:
    return mapped_column(String(24), nullable=True, index=True, comment="blind index", **kwargs)


class Codec:
    def encode(self, value: Any) -> bytes:
        raise NotImplementedError

    def decode(self, raw: bytes) -> Any:
        raise NotImplementedError


class TextCodec(Codec):
    def encode(self, value: Any) -> bytes:
        if not isinstance(value, str):
            raise TypeError("expected text")
        return value.encode("utf-8")

    def decode(self, raw: bytes) -> str:
        return raw.decode("utf-8")


class DateCodec(Codec):
    def encode(self, value: Any) -> bytes:
        if not isinstance(value, date):
            raise TypeError("expected a date")
        return value.isoformat().encode("ascii")

    def decode(self, raw: bytes) -> date:
        return date.fromisoformat(raw.decode("ascii"))


class JSONCodec(Codec):
    def encode(self, value: Any) -> bytes:
        return json.dumps(value, separators=(",", ":"), sort_keys=True).encode("utf-8")

    def decode(self, raw: bytes) -> Any:
        return json.loads(raw.decode("utf-8"))


@dataclass(frozen=True)
class BlindIndex:
    """``column`` holds an index of ``normalise(*sources)``; sources are plain attribute names."""

    column: str
    sources: tuple[str, ...]
    normalise: Callable[..., str | None]
    bits: int | None = None

    def compute(self, table: str, values: Sequence[Any], version: int) -> str | None:
        normalised = self.normalise(*values)
        if normalised is None:
            return None
        return current_keyring().blind(
            version, f"{table}.{self.column}", normalised, self.bits or blind_index_bits()
        )


@dataclass(frozen=True)
class TokenIndex:
    """Rows of ``kind`` in the model's token table hold an index of each of ``tokens(source)``."""

    kind: str
    source: str
    tokens: Callable[[Any], set[str]]

    def compute(self, token_table: str, value: Any, version: int) -> set[str]:
        blind = current_keyring().blinder(version, f"{token_table}.{self.kind}", blind_index_bits())
        return {blind(token) for token in self.tokens(value)}


@dataclass(frozen=True)
class EncryptedColumnInfo:
    table: str
    attribute: str
    column: str
    codec: Codec


# table name -> its encrypted attributes; key rotation and tests walk this
REGISTRY: dict[str, list[EncryptedColumnInfo]] = {}


class Encrypted:
    codec: Codec = TextCodec()

    def __init__(self, column: str) -> None:
        self.column = column
        self.name = ""
        self.table = ""
        self._aad_prefix = f"{self.table}.{self.column}:".encode("ascii")

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name
        self.table = owner.__dict__.get("__tablename__", "")
        self._aad_prefix = f"{self.table}.{self.column}:".encode("ascii")
        if self.table:
            REGISTRY.setdefault(self.table, []).append(
                EncryptedColumnInfo(self.table, name, self.column, self.codec)
            )

    def aad(self, obj: Any) -> bytes:
        """``table.column:row-id`` in ASCII (the prefix is built once per attribute)."""
        return self._aad_prefix + str(obj.id).encode("ascii")

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            return self
        token = getattr(obj, self.column)
        cache = obj.__dict__.setdefault(_CACHE, {})
        hit = cache.get(self.name)
        if hit is not None and hit[0] == token:
            return hit[1]
        value = (
            None
            if token is None
            else self.codec.decode(current_keyring().decrypt(bytes(token), self.aad(obj)))
        )
        cache[self.name] = (token, value)
        return value

    def __set__(self, obj: Any, value: Any) -> None:
        if isinstance(value, str) and value == "":
            value = None
        if obj.id is None:
            raise RuntimeError("the row id must exist before an encrypted value is set")
        token = (
            None
            if value is None
            else current_keyring().encrypt(self.codec.encode(value), self.aad(obj))
        )
        setattr(obj, self.column, token)
        obj.__dict__.setdefault(_CACHE, {})[self.name] = (token, value)
        refresh_indexes(obj, changed=self.name)


class EncryptedText(Encrypted):
    codec = TextCodec()


class EncryptedDate(Encrypted):
    codec = DateCodec()


class EncryptedJSON(Encrypted):
    codec = JSONCodec()


def indexes_of(model: type) -> tuple[BlindIndex, ...]:
    return tuple(getattr(model, "__blind_indexes__", ()))


def token_indexes_of(model: type) -> tuple[TokenIndex, ...]:
    return tuple(getattr(model, "__token_indexes__", ()))


def token_relationship(model: type) -> RelationshipProperty[Any]:
    """The relationship that holds a model's token rows (named by ``__index_rows__``)."""
    return class_mapper(model).relationships[model.__index_rows__]  # type: ignore[attr-defined]


def token_table_of(model: type) -> str:
    return str(token_relationship(model).mapper.local_table.name)  # type: ignore[attr-defined]


def _table_name(model: type) -> str:
    return str(model.__dict__.get("__tablename__") or getattr(model, "__tablename__", ""))


def refresh_indexes(obj: Any, *, changed: str | None = None) -> None:
    model = type(obj)
    version = current_keyring().active
    for index in indexes_of(model):
        if changed is not None and changed not in index.sources:
            continue
        values = [getattr(obj, source) for source in index.sources]
        setattr(obj, index.column, index.compute(_table_name(model), values, version))
    token_indexes = [t for t in token_indexes_of(model) if changed is None or changed == t.source]
    if not token_indexes:
        return
    table = token_table_of(model)
    wanted = {t.kind: t.compute(table, getattr(obj, t.source), version) for t in token_indexes}
    rows = getattr(obj, model.__index_rows__)
    have: dict[str, set[str]] = {kind: set() for kind in wanted}
    for row in rows:
        if row.kind in have:
            have[row.kind].add(row.digest)
    stale = {kind for kind, digests in wanted.items() if have[kind] != digests}
    if not stale:  # the same value set again (a form saved unchanged): keep the rows
        return
    row_class = token_relationship(model).mapper.class_
    kept = [r for r in rows if r.kind not in stale]
    new = [row_class(kind=kind, digest=d) for kind in sorted(stale) for d in sorted(wanted[kind])]
    setattr(obj, model.__index_rows__, kept + new)


def token_candidates(model: type, kind: str, token: str) -> list[str]:
    """Digests of one normalised token in ``kind`` (one per loaded key version)."""
    index = next((i for i in token_indexes_of(model) if i.kind == kind), None)
    if index is None:
        raise KeyError(f"{model.__name__} has no token index {kind!r}")
    ring, bits = current_keyring(), blind_index_bits()
    name = f"{token_table_of(model)}.{kind}"
    return [ring.blind(version, name, token, bits) for version in ring.versions]


def index_candidates(model: type, column: str, *raw: Any) -> list[str]:
    """Index values to look for (one per loaded key version): use with ``col.in_(...)``."""
    index = next((i for i in indexes_of(model) if i.column == column), None)
    if index is None:
        raise KeyError(f"{model.__name__} has no blind index {column!r}")
    ring = current_keyring()
    found = []
    for version in ring.versions:
        value = index.compute(_table_name(model), list(raw), version)
        if value is not None:
            found.append(value)
    return found


def confirm(rows: Iterable[Any], column: str, *raw: Any) -> list[Any]:
    """Keep only rows whose decrypted sources really normalise to the searched value."""
    kept = []
    for row in rows:
        index = next(i for i in indexes_of(type(row)) if i.column == column)
        wanted = index.normalise(*raw)
        if (
            wanted is not None
            and index.normalise(*[getattr(row, s) for s in index.sources]) == wanted
        ):
            kept.append(row)
    return kept
