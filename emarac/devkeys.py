"""Development keys, generated into instance/ on first run and never committed."""

from __future__ import annotations

import audit
from emarac.config import ConfigurationError, Settings
from emarac.crypto.providers import generate_dev_kek


def ensure_dev_keys(settings: Settings) -> list[str]:
    """Create any missing development key; returns the names of those created."""
    if settings.is_production:
        raise ConfigurationError("Refused: development keys are never made in production mode")
    created: list[str] = []
    settings.instance_path.mkdir(parents=True, exist_ok=True)
    settings.resolved_secret_key()
    if settings.kek_file is not None and not settings.kek_file.exists():
        generate_dev_kek(settings.kek_file)
        created.append("key-encryption key")
    if (
        settings.audit_signing_key is not None
        and settings.audit_public_key is not None
        and not settings.audit_signing_key.exists()
    ):
        audit.generate_keypair(settings.audit_signing_key, settings.audit_public_key)
        created.append("audit checkpoint signing key")
    if settings.audit_checkpoint_dir is not None:
        settings.audit_checkpoint_dir.mkdir(parents=True, exist_ok=True)
    return created
