"""Ciphertexts and blind indexes for rows written without the ORM.

The generator writes plain dictionaries with Core inserts, so it cannot rely on
the model descriptors firing on attribute assignment. It calls the very same
pieces instead: the descriptor's codec and associated data
(``table.column:row-id``), the model's :class:`~emarac.crypto.fields.BlindIndex`
definitions and the key ring's own ``encrypt`` and ``blind``. A value written
here therefore decrypts through ``Person.family_name`` and is found by the
people search, exactly like one typed into a form.

A million-incident run seals several million values, so what does not change
between values is worked out once: each attribute's column, codec and the
fixed start of its associated data, and each model's indexes with the name
their keys are derived from.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from emarac.crypto.fields import (
    BlindIndex,
    Encrypted,
    indexes_of,
    token_indexes_of,
    token_relationship,
    token_table_of,
)
from emarac.crypto.keyring import KeyRing, blind_index_bits, current_keyring


@dataclass(frozen=True)
class _Field:
    """An encrypted attribute, ready to seal: the associated data is ``aad_prefix + row id``."""

    column: str
    encode: Callable[[Any], bytes]
    aad_prefix: bytes


@dataclass(frozen=True)
class _Index:
    """A blind index of a model with the name its key is derived from (``table.column``)."""

    index: BlindIndex
    name: str
    bits: int


class Sealer:
    """Encrypts field values and computes blind indexes as the ORM would."""

    def __init__(self, ring: KeyRing | None = None) -> None:
        self.ring = ring or current_keyring()
        # The width comes from the app's settings, which do not change during a run.
        self._bits = blind_index_bits()
        self._descriptors: dict[tuple[type, str], Encrypted] = {}
        self._fields: dict[tuple[type, str], _Field] = {}
        self._model_indexes: dict[type, tuple[_Index, ...]] = {}
        # Blind indexes of recurring values (surnames, birth dates, postcodes),
        # each computed once by the real code: HMAC is deterministic per key.
        self._indexes: dict[tuple[str, int, tuple[Any, ...]], str | None] = {}
        self._tokens: dict[tuple[str, int, tuple[Any, ...]], list[str]] = {}
        # Ids of name-part rows: any distinct values do, and drawing them from a
        # generator seeded once spares a system call per row. Not the seeded
        # stream, which would shift every later value of a seed.
        self._token_ids = random.Random()  # noqa: S311  # nosec B311 - row ids, not secrets

    def _descriptor(self, model: type, attribute: str) -> Encrypted:
        key = (model, attribute)
        found = self._descriptors.get(key)
        if found is None:
            candidate = model.__dict__.get(attribute)
            if not isinstance(candidate, Encrypted):
                raise KeyError(f"{model.__name__}.{attribute} is not an encrypted attribute")
            found = self._descriptors[key] = candidate
        return found

    def _field(self, model: type, attribute: str) -> _Field:
        key = (model, attribute)
        found = self._fields.get(key)
        if found is None:
            descriptor = self._descriptor(model, attribute)
            # The same text Encrypted.aad() formats, less the row id at its end.
            prefix = descriptor.aad(_RowId("")).decode("ascii")
            found = self._fields[key] = _Field(
                descriptor.column, descriptor.codec.encode, prefix.encode("ascii")
            )
        return found

    def _indexes_of(self, model: type) -> tuple[_Index, ...]:
        found = self._model_indexes.get(model)
        if found is None:
            table = str(model.__dict__.get("__tablename__") or getattr(model, "__tablename__", ""))
            found = self._model_indexes[model] = tuple(
                _Index(index, f"{table}.{index.column}", index.bits or self._bits)
                for index in indexes_of(model)
            )
        return found

    def column(self, model: type, attribute: str) -> str:
        """The ciphertext column behind an encrypted attribute."""
        return self._field(model, attribute).column

    def seal(self, model: type, attribute: str, row_id: uuid.UUID, value: Any) -> bytes | None:
        """The token ``setattr(row, attribute, value)`` would store."""
        if value is None or value == "":
            return None
        found = self._field(model, attribute)
        aad = found.aad_prefix + str(row_id).encode("ascii")
        return self.ring.encrypt(found.encode(value), aad)

    def open(self, model: type, attribute: str, row_id: uuid.UUID, token: bytes | None) -> Any:
        """The plain value of a stored token, as reading the attribute would give it."""
        if token is None:
            return None
        descriptor = self._descriptor(model, attribute)
        plain = self.ring.decrypt(bytes(token), descriptor.aad(_RowId(str(row_id))))
        return descriptor.codec.decode(plain)

    def seal_into(
        self,
        row: dict[str, Any],
        model: type,
        row_id: uuid.UUID,
        values: dict[str, Any],
        *,
        recurring: bool = True,
    ) -> None:
        """Fill ``row`` with the ciphertext and blind-index columns for ``values``.

        ``values`` names every encrypted attribute of the model that feeds an
        index (missing ones count as empty), as the ORM would see them.
        ``recurring=False`` says the indexed values are unique (references),
        so remembering their indexes would only use memory.
        """
        ring = self.ring
        encrypt = ring.encrypt
        fields = self._fields
        id_text = str(row_id).encode("ascii")
        for attribute, value in values.items():
            found = fields.get((model, attribute)) or self._field(model, attribute)
            row[found.column] = (
                None
                if value is None or value == ""
                else encrypt(found.encode(value), found.aad_prefix + id_text)
            )
        version = ring.active
        cache = self._indexes
        for each in self._indexes_of(model):
            index = each.index
            sources = tuple(values.get(source) for source in index.sources)
            key = (each.name, version, sources)
            if recurring and key in cache:
                row[index.column] = cache[key]
                continue
            # BlindIndex.compute, with the ring and the width looked up once per run.
            normalised = index.normalise(*sources)
            value = (
                None
                if normalised is None
                else ring.blind(version, each.name, normalised, each.bits)
            )
            if recurring:
                if len(cache) > 500_000:  # bound the memory on huge runs
                    cache.clear()
                cache[key] = value
            row[index.column] = value

    def token_rows(
        self, model: type, row_id: uuid.UUID, values: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """The name-part index rows the ORM would give this row (see ``TokenIndex``).

        Each row is ``id``, both owner columns (one of them empty), ``kind`` and
        ``digest``, made by ``TokenIndex.compute`` itself; the digests of a
        recurring name are remembered, like the column indexes above.
        """
        indexes = token_indexes_of(model)
        if not indexes:
            return []
        relation = token_relationship(model)
        table = relation.mapper.local_table
        name = token_table_of(model)
        (owner,) = relation.remote_side
        version = self.ring.active
        rows: list[dict[str, Any]] = []
        for index in indexes:
            value = values.get(index.source)
            key = (f"{name}.{index.kind}", version, (value,))
            digests = self._tokens.get(key)
            if digests is None:
                if len(self._tokens) > 500_000:  # bound the memory on huge runs
                    self._tokens.clear()
                digests = sorted(index.compute(name, value, version))
                self._tokens[key] = digests
            # Every owner column (person or alias) is named, the others empty,
            # as a COPY or executemany needs the same keys in every row.
            blank = {c.name: None for c in table.c if c.foreign_keys}
            rows.extend(
                {
                    **blank,
                    "id": uuid.UUID(int=self._token_ids.getrandbits(128), version=4),
                    owner.name: row_id,
                    "kind": index.kind,
                    "digest": d,
                }
                for d in digests
            )
        return rows


@dataclass(frozen=True)
class _RowId:
    """Stands in for a model instance where only its id is needed (the associated data)."""

    id: str
