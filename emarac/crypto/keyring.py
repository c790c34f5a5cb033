"""The key ring: unwrapped data keys by version, and the AEAD around them.

Token format (every encrypted value)::

    0x01 | key version (4 bytes, big-endian) | nonce (12 bytes) | ciphertext || tag

The associated data binds a value to ``table.column:row-id``: a ciphertext
copied to another row or column fails to decrypt instead of showing the wrong
person's data.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import secrets
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from os import urandom
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import Flask, current_app, has_app_context
from sqlalchemy import Connection, Engine, insert, select

from emarac.crypto.models import DataKey, KeyState
from emarac.crypto.providers import EnvKeyProvider, FileKeyProvider, KeyProvider
from emarac.extensions import db

__all__ = ["KeyProvider", "KeyRing", "DecryptionError"]

FORMAT = 0x01
HEADER = 5
NONCE = 12
_SEALED = HEADER + NONCE  # where the ciphertext starts
_SHORTEST = _SEALED + 16  # a GCM tag and nothing else


class DecryptionError(Exception):
    """A value does not decrypt where it is: wrong place, wrong key, or tampered."""


def version_of(token: bytes) -> int:
    if len(token) < _SHORTEST or token[0] != FORMAT:
        raise DecryptionError("not an eMARAC ciphertext")
    return int.from_bytes(token[1:HEADER], "big")


def version_prefix(version: int) -> bytes:
    return bytes([FORMAT]) + version.to_bytes(4, "big")


Blinder = Callable[[str], str]


class KeyRing:
    # Slots: every encrypt and decrypt reads a few attributes, and a slot is
    # read faster than an instance dict entry (part of keeping the ring within
    # 1.5x of the bare AES-GCM call, issue 18).
    __slots__ = (
        "_aead",
        "_sealers",
        "_openers",
        "_raw",
        "_index_keys",
        "_blinders",
        "active",
        "loaded_at",
        "encryptions",
        "decryptions",
    )

    def __init__(self, keys: dict[int, bytes], active: int) -> None:
        if active not in keys:
            raise ValueError("the active key version is not in the ring")
        self._aead = {v: AESGCM(k) for v, k in keys.items()}
        # Built once so each call does one dict look-up: (header, encrypt) by
        # version for encrypting, decrypt by header bytes for decrypting.
        self._sealers = {v: (version_prefix(v), aead.encrypt) for v, aead in self._aead.items()}
        self._openers = {version_prefix(v): aead.decrypt for v, aead in self._aead.items()}
        self._raw = dict(keys)
        self._index_keys: dict[tuple[int, str], bytes] = {}
        self._blinders: dict[tuple[int, str, int], Blinder] = {}
        self.active = active
        self.loaded_at = time.monotonic()
        self.encryptions = 0  # counters let tests prove what was (not) decrypted
        self.decryptions = 0

    @property
    def versions(self) -> list[int]:
        return sorted(self._aead)

    def encrypt(self, plaintext: bytes, aad: bytes, *, version: int | None = None) -> bytes:
        prefix, seal = self._sealers[self.active if version is None else version]
        nonce = urandom(NONCE)  # what secrets.token_bytes calls, without the wrapper
        self.encryptions += 1
        return prefix + nonce + seal(nonce, plaintext, aad)

    def encrypt_many(self, plaintexts: Sequence[bytes], aads: Sequence[bytes]) -> list[bytes]:
        """``encrypt`` of each plaintext with its associated data, under the active key.

        The nonces are read from the system's random source in one call for the
        whole list rather than one each: every read is a system call that also
        lets go of the GIL, and a rotation encrypts values by the hundred
        thousand (issue 18). Each nonce is still 96 random bits of its own.
        """
        prefix, seal = self._sealers[self.active]
        nonces = urandom(NONCE * len(plaintexts))
        self.encryptions += len(plaintexts)
        sealed = []
        for start, plaintext, aad in zip(
            range(0, len(nonces), NONCE), plaintexts, aads, strict=True
        ):
            nonce = nonces[start : start + NONCE]
            sealed.append(prefix + nonce + seal(nonce, plaintext, aad))
        return sealed

    def decrypt(self, token: bytes, aad: bytes) -> bytes:
        open_ = self._openers.get(token[:HEADER])
        if open_ is None:
            v = version_of(token)  # raises for what is not a ciphertext at all
            raise DecryptionError(f"no data key version {v} is loaded")
        self.decryptions += 1
        try:
            return open_(token[HEADER:_SEALED], token[_SEALED:], aad)
        except (InvalidTag, ValueError) as exc:
            # The length is checked here, after the fact, to keep it off the
            # path of every good value: a token too short to hold a nonce and
            # a tag never opens (GCM refuses a short nonce or a missing tag).
            version_of(token)
            where = aad.decode("ascii", errors="replace")
            raise DecryptionError(
                f"value does not belong to {where} (moved, tampered with, or wrong key)"
            ) from exc

    def index_key(self, version: int, name: str) -> bytes:
        """A blind-index key per version and index, derived apart from encryption use."""
        cached = self._index_keys.get((version, name))
        if cached is None:
            cached = HKDF(
                algorithm=hashes.SHA256(),
                length=32,
                salt=b"emarac-blind-index-v1",
                info=name.encode(),
            ).derive(self._raw[version])
            self._index_keys[(version, name)] = cached
        return cached

    def blinder(self, version: int, name: str, bits: int) -> Blinder:
        """The blind index ``name`` under key ``version`` as a function of the normalised value.

        The key is derived once per ring; loops over many values (rotation,
        token indexes) look the function up once and call it per value.
        """
        found = self._blinders.get((version, name, bits))
        if found is None:
            found = _blinder(self.index_key(version, name), version, bits)
            self._blinders[(version, name, bits)] = found
        return found

    def blind(self, version: int, name: str, normalised: str, bits: int) -> str:
        return self.blinder(version, name, bits)(normalised)


def _blinder(key: bytes, version: int, bits: int) -> Blinder:
    """The value is "<version>:" then the top ``bits`` bits of the HMAC in zero-padded hex."""
    if not 0 < bits <= 64:
        raise ValueError("a blind index keeps between 1 and 64 bits")
    digest = _hmac_sha256(key)
    if bits % 8 == 0:
        # Whole bytes: their hex is exactly the zero-padded hex of the top bits,
        # without the int round trip.
        prefix, size = f"{version}:", bits // 8

        def blind_bytes(normalised: str) -> str:
            return prefix + digest(normalised.encode())[:size].hex()

        return blind_bytes
    template, shift = f"{version}:%0{(bits + 3) // 4}x", 64 - bits

    def blind_bits(normalised: str) -> str:
        return template % (int.from_bytes(digest(normalised.encode())[:8]) >> shift)

    return blind_bits


def _hmac_sha256(key: bytes) -> Callable[[bytes], bytes]:
    """HMAC-SHA256 under ``key`` (RFC 2104) as a function of the message.

    The two padded key blocks are hashed once, here, and each call resumes from
    copies of those states: about 1.4 us a call against 3.8 us for
    ``hmac.digest``, which hashes both blocks again every time (rotation makes
    one call per index per row; issue 18). The output is the same HMAC, byte
    for byte, as ``hmac.digest(key, message, hashlib.sha256)``; a test pins it.
    The two states are only ever copied, never updated, so threads may share them.
    """
    block = 64  # SHA-256's block size
    if len(key) > block:
        key = hashlib.sha256(key).digest()
    key = key.ljust(block, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in key))
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))

    def hmac_sha256(message: bytes) -> bytes:
        h = inner.copy()
        h.update(message)
        o = outer.copy()
        o.update(h.digest())
        return o.digest()

    return hmac_sha256


# --- loading and storing keys --------------------------------------------------


def provider_for(settings: Any) -> KeyProvider:
    if settings.kek_env_var:
        return EnvKeyProvider(settings.kek_env_var)
    return FileKeyProvider(settings.kek_file)


def load(conn: Connection, provider: KeyProvider) -> KeyRing | None:
    rows = conn.execute(select(DataKey.version, DataKey.wrapped_key, DataKey.state)).all()
    if not rows:
        return None
    keys = {int(v): provider.unwrap(bytes(w)) for v, w, s in rows if s != KeyState.RETIRED}
    active = max(int(v) for v, _, s in rows if s == KeyState.ACTIVE)
    return KeyRing(keys, active)


def add_version(conn: Connection, provider: KeyProvider) -> int:
    """Store a new data key as the active one; older active keys become decrypt-only."""
    from sqlalchemy import func, update

    newest = conn.execute(select(func.max(DataKey.version))).scalar() or 0
    version = int(newest) + 1
    conn.execute(
        update(DataKey).where(DataKey.state == KeyState.ACTIVE).values(state=KeyState.DECRYPT_ONLY)
    )
    conn.execute(
        insert(DataKey).values(
            version=version,
            wrapped_key=provider.wrap(secrets.token_bytes(32)),
            kek_id=provider.key_id,
            state=KeyState.ACTIVE,
        )
    )
    return version


def ensure(engine: Engine, provider: KeyProvider) -> KeyRing:
    """Load the ring, creating the first data key (in its own transaction) if none exists."""
    with engine.begin() as conn:
        ring = load(conn, provider)
        if ring is None:
            add_version(conn, provider)
            ring = load(conn, provider)
    if ring is None:  # pragma: no cover - add_version just stored one
        raise RuntimeError("no data key could be created")
    return ring


# --- the ring in use -------------------------------------------------------------

_override: contextvars.ContextVar[KeyRing | None] = contextvars.ContextVar(
    "emarac_keyring", default=None
)
_lock = threading.Lock()
# A serving process picks up a rotation's new key within this many seconds;
# `keys rotate` keeps passing over the data until no old-key value is left.
RELOAD_SECONDS = 60
_EXT = "emarac.keyring"


@contextlib.contextmanager
def use_keyring(ring: KeyRing) -> Iterator[KeyRing]:
    """Use ``ring`` outside an app (scripts, tests on a plain engine)."""
    token = _override.set(ring)
    try:
        yield ring
    finally:
        _override.reset(token)


def init_app(app: Flask) -> None:
    app.extensions[_EXT] = None


def current_keyring() -> KeyRing:
    ring = _override.get()
    if ring is not None:
        return ring
    if not has_app_context():
        raise RuntimeError("no key ring: use inside the app or within use_keyring()")
    app = current_app
    ring = app.extensions.get(_EXT)
    if ring is None or time.monotonic() - ring.loaded_at > RELOAD_SECONDS:
        with _lock:
            ring = app.extensions.get(_EXT)
            if ring is None or time.monotonic() - ring.loaded_at > RELOAD_SECONDS:
                ring = ensure(db.engine, provider_for(app.extensions["emarac.settings"]))
                app.extensions[_EXT] = ring
    return ring


def reload_keyring() -> None:
    """Forget the loaded ring (after rotation, or for a fresh test database)."""
    if has_app_context():
        current_app.extensions[_EXT] = None


def blind_index_bits() -> int:
    if has_app_context():
        return int(current_app.extensions["emarac.settings"].blind_index_bits)
    return 16
