"""Ciphertexts and blind indexes for rows written without the ORM.

The generator writes plain dictionaries with Core inserts, so it cannot rely on
the model descriptors firing on attribute assignment. It calls the very same
pieces instead: the descriptor's codec and associated data
(``table.column:row-id``) and the model's :class:`~emarac.crypto.fields.BlindIndex`
definitions, under the key ring in use. A value written here therefore
decrypts through ``Person.family_name`` and is found by the people search,
exactly like one typed into a form.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from emarac.crypto.fields import Encrypted, indexes_of
from emarac.crypto.keyring import KeyRing, current_keyring


@dataclass(frozen=True)
class _RowId:
    """Stands in for a model instance where only its id is needed (the AAD).

    The id is kept as its text, which is what the AAD is formatted from, so a
    row with many encrypted fields formats its UUID once.
    """

    id: str


class Sealer:
    """Encrypts field values and computes blind indexes as the ORM would."""

    def __init__(self, ring: KeyRing | None = None) -> None:
        self.ring = ring or current_keyring()
        self._descriptors: dict[tuple[type, str], Encrypted] = {}
        # Blind indexes of recurring values (surnames, birth dates, postcodes),
        # each computed once by the real code: HMAC is deterministic per key.
        self._indexes: dict[tuple[str, str, tuple[Any, ...]], str | None] = {}

    def _descriptor(self, model: type, attribute: str) -> Encrypted:
        key = (model, attribute)
        found = self._descriptors.get(key)
        if found is None:
            candidate = model.__dict__.get(attribute)
            if not isinstance(candidate, Encrypted):
                raise KeyError(f"{model.__name__}.{attribute} is not an encrypted attribute")
            found = self._descriptors[key] = candidate
        return found

    def column(self, model: type, attribute: str) -> str:
        """The ciphertext column behind an encrypted attribute."""
        return self._descriptor(model, attribute).column

    def seal(self, model: type, attribute: str, row_id: uuid.UUID, value: Any) -> bytes | None:
        """The token ``setattr(row, attribute, value)`` would store."""
        if value is None or value == "":
            return None
        return self._seal(model, attribute, _RowId(str(row_id)), value)

    def _seal(self, model: type, attribute: str, row: _RowId, value: Any) -> bytes | None:
        if value is None or value == "":
            return None
        descriptor = self._descriptor(model, attribute)
        return self.ring.encrypt(descriptor.codec.encode(value), descriptor.aad(row))

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
        row_key = _RowId(str(row_id))
        for attribute, value in values.items():
            row[self.column(model, attribute)] = self._seal(model, attribute, row_key, value)
        table = str(model.__dict__.get("__tablename__") or getattr(model, "__tablename__", ""))
        version = self.ring.active
        for index in indexes_of(model):
            sources = tuple(values.get(source) for source in index.sources)
            if not recurring:
                row[index.column] = index.compute(table, list(sources), version)
                continue
            key = (table, index.column, sources)
            if key not in self._indexes:
                if len(self._indexes) > 500_000:  # bound the memory on huge runs
                    self._indexes.clear()
                self._indexes[key] = index.compute(table, list(sources), version)
            row[index.column] = self._indexes[key]
