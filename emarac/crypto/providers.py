"""Key-encryption keys (KEKs): where the key that wraps the data keys comes from.

The app only ever asks a provider to wrap or unwrap a data key, so a cloud KMS
or an HSM can replace the file or environment provider by implementing the
same three members; the KEK itself then never enters this process.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
from pathlib import Path
from typing import Protocol

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from emarac.config import DEV_KEY_MARKER

_WRAP_AAD = b"emarac-data-key-wrap-v1"


class KeyProvider(Protocol):
    """Wraps and unwraps data keys. ``key_id`` names the KEK (never the key itself)."""

    key_id: str

    def wrap(self, dek: bytes) -> bytes: ...

    def unwrap(self, blob: bytes) -> bytes: ...


class KeyUnavailable(RuntimeError):
    """The key-encryption key is missing or cannot unwrap a data key."""


def _parse_kek(text: str) -> bytes:
    text = text.strip()
    if text.startswith(DEV_KEY_MARKER + ":"):
        text = text.split(":", 1)[1]
    try:
        key = base64.b64decode(text, validate=True)
    except ValueError as exc:
        raise KeyUnavailable("the key-encryption key is not valid base64") from exc
    if len(key) != 32:
        raise KeyUnavailable("the key-encryption key must be 32 bytes")
    return key


class _LocalKek:
    """A KEK held in this process: AES-256-GCM key wrapping with a fresh nonce."""

    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)
        self.key_id = "kek-" + hashlib.sha256(b"emarac-kek-id" + key).hexdigest()[:16]

    def wrap(self, dek: bytes) -> bytes:
        nonce = secrets.token_bytes(12)
        return nonce + self._aead.encrypt(nonce, dek, _WRAP_AAD)

    def unwrap(self, blob: bytes) -> bytes:
        from cryptography.exceptions import InvalidTag

        try:
            return self._aead.decrypt(blob[:12], blob[12:], _WRAP_AAD)
        except InvalidTag as exc:
            raise KeyUnavailable("this key-encryption key cannot unwrap the data key") from exc


class FileKeyProvider(_LocalKek):
    def __init__(self, path: Path) -> None:
        if not path.exists():
            raise KeyUnavailable("the key-encryption key file does not exist")
        super().__init__(_parse_kek(path.read_text(encoding="ascii")))


class EnvKeyProvider(_LocalKek):
    def __init__(self, var_name: str) -> None:
        value = os.environ.get(var_name)
        if not value:
            raise KeyUnavailable(f"{var_name} is empty")
        super().__init__(_parse_kek(value))


def generate_kek_text(*, dev: bool) -> str:
    encoded = base64.b64encode(secrets.token_bytes(32)).decode("ascii")
    return f"{DEV_KEY_MARKER}:{encoded}" if dev else encoded


def generate_dev_kek(path: Path) -> bool:
    """Write a development KEK (owner-only) if the file is absent; True if written."""
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(generate_kek_text(dev=True) + "\n")
    return True
