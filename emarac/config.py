"""Settings read from ``EMARAC_*`` environment variables.

Development gets safe, local defaults (SQLite and keys under ``instance/``).
Production has no defaults for secrets: :func:`Settings.check_production`
refuses to start with development keys or without a key.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE = PROJECT_ROOT / "instance"

# Development key files start with this marker so that production mode can
# recognise and refuse them however they were copied around.
DEV_KEY_MARKER = "emarac-dev-key"


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TESTING = "testing"
    PRODUCTION = "production"


class ConfigurationError(RuntimeError):
    """The settings are unsafe or incomplete; the app must not start."""


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(f"EMARAC_{name}")
    return value if value not in (None, "") else default


def _env_int(name: str, default: int) -> int:
    raw = _env(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigurationError(f"EMARAC_{name} must be a whole number") from exc


def _env_count(name: str, default: int) -> int:
    value = _env_int(name, default)
    if value < 0:
        raise ConfigurationError(f"EMARAC_{name} must be 0 or more")
    return value


@dataclass
class Settings:
    """Everything the app reads from its environment, typed."""

    environment: Environment = Environment.DEVELOPMENT
    instance_path: Path = DEFAULT_INSTANCE
    database_url: str = ""
    secret_key: str | None = None
    kek_file: Path | None = None
    kek_env_var: str | None = None
    audit_signing_key: Path | None = None
    audit_public_key: Path | None = None
    audit_checkpoint_dir: Path | None = None
    audit_checkpoint_every: int = 1000
    audit_checkpoint_seconds: int = 60
    db_pool_size: int = 5
    db_max_overflow: int = 10
    db_pool_timeout: int = 30
    redis_url: str | None = None
    # Reverse proxies in front of the app that append X-Forwarded-For. 0 (no
    # proxy) ignores forwarded headers, so a client cannot choose its address.
    trusted_proxies: int = 0
    login_rate_limit: str = "30 per minute"
    search_rate_limit: str = "30 per minute"
    idle_timeout_seconds: int = 15 * 60
    absolute_timeout_seconds: int = 8 * 60 * 60
    fresh_login_seconds: int = 5 * 60
    lockout_threshold: int = 5
    lockout_seconds: int = 15 * 60
    blind_index_bits: int = 32
    service_name: str = "eMARAC"
    retention_years: int = 6
    mail_backend: str = "outbox"
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: str | None = None
    mail_from: str = "eMARAC <no-reply@emarac.invalid>"
    extra: dict[str, object] = field(default_factory=dict)

    @classmethod
    def from_env(cls) -> Settings:
        try:
            environment = Environment(_env("ENV", Environment.DEVELOPMENT.value) or "")
        except ValueError as exc:
            raise ConfigurationError(
                "EMARAC_ENV must be development, testing or production"
            ) from exc
        instance = Path(_env("INSTANCE_PATH", str(DEFAULT_INSTANCE)) or DEFAULT_INSTANCE)
        dev_like = environment is not Environment.PRODUCTION

        def key_path(name: str, dev_default: str) -> Path | None:
            raw = _env(name)
            if raw:
                return Path(raw)
            return instance / dev_default if dev_like else None

        kek_env_var = _env("KEK_ENV_VAR")
        return cls(
            environment=environment,
            instance_path=instance,
            database_url=_env("DATABASE_URL", f"sqlite:///{instance / 'emarac.db'}") or "",
            secret_key=_env("SECRET_KEY"),
            kek_file=None if kek_env_var else key_path("KEK_FILE", "kek.key"),
            kek_env_var=kek_env_var,
            audit_signing_key=key_path("AUDIT_SIGNING_KEY", "audit-signing.pem"),
            audit_public_key=key_path("AUDIT_PUBLIC_KEY", "audit-signing.pub.pem"),
            audit_checkpoint_dir=key_path("AUDIT_CHECKPOINT_DIR", "audit-checkpoints"),
            audit_checkpoint_every=_env_int("AUDIT_CHECKPOINT_EVERY", 1000),
            audit_checkpoint_seconds=_env_int("AUDIT_CHECKPOINT_SECONDS", 60),
            db_pool_size=_env_int("DB_POOL_SIZE", 5),
            db_max_overflow=_env_int("DB_MAX_OVERFLOW", 10),
            db_pool_timeout=_env_int("DB_POOL_TIMEOUT", 30),
            redis_url=_env("REDIS_URL"),
            trusted_proxies=_env_count("TRUSTED_PROXIES", 0),
            login_rate_limit=_env("LOGIN_RATE_LIMIT", "30 per minute") or "30 per minute",
            search_rate_limit=_env("SEARCH_RATE_LIMIT", "30 per minute") or "30 per minute",
            idle_timeout_seconds=_env_int("IDLE_TIMEOUT_SECONDS", 15 * 60),
            absolute_timeout_seconds=_env_int("ABSOLUTE_TIMEOUT_SECONDS", 8 * 60 * 60),
            blind_index_bits=_env_int("BLIND_INDEX_BITS", 32),
            retention_years=_env_int("RETENTION_YEARS", 6),
            mail_backend=_env("MAIL_BACKEND", "outbox") or "outbox",
            smtp_host=_env("SMTP_HOST"),
            smtp_port=_env_int("SMTP_PORT", 587),
            smtp_username=_env("SMTP_USERNAME"),
            smtp_password=_env("SMTP_PASSWORD"),
            mail_from=_env("MAIL_FROM", "eMARAC <no-reply@emarac.invalid>")
            or "eMARAC <no-reply@emarac.invalid>",
        )

    @property
    def is_production(self) -> bool:
        return self.environment is Environment.PRODUCTION

    @property
    def is_testing(self) -> bool:
        return self.environment is Environment.TESTING

    def resolved_secret_key(self) -> str:
        """The session-signing secret; in development one is made once under instance/."""
        if self.secret_key:
            return self.secret_key
        if self.is_production:
            raise ConfigurationError("EMARAC_SECRET_KEY must be set in production")
        path = self.instance_path / "secret_key"
        if not path.exists():
            import secrets

            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(f"{DEV_KEY_MARKER}:{secrets.token_urlsafe(48)}\n", encoding="ascii")
            path.chmod(0o600)
        return path.read_text(encoding="ascii").strip()

    def check_production(self) -> None:
        """Refuse to run in production with development or missing secrets."""
        if not self.is_production:
            return
        problems: list[str] = []
        if not self.secret_key:
            problems.append("EMARAC_SECRET_KEY is not set")
        elif self.secret_key.startswith(DEV_KEY_MARKER):
            problems.append("EMARAC_SECRET_KEY is a development key")
        if self.kek_file is None and self.kek_env_var is None:
            problems.append("no key-encryption key: set EMARAC_KEK_FILE or EMARAC_KEK_ENV_VAR")
        if self.kek_file is not None:
            if not self.kek_file.exists():
                problems.append("EMARAC_KEK_FILE does not exist")
            elif self.kek_file.read_text(encoding="ascii", errors="replace").startswith(
                DEV_KEY_MARKER
            ):
                problems.append("EMARAC_KEK_FILE is a development key")
        if self.kek_env_var is not None:
            value = os.environ.get(self.kek_env_var, "")
            if not value:
                problems.append(f"{self.kek_env_var} (the key-encryption key) is empty")
            elif value.startswith(DEV_KEY_MARKER):
                problems.append(f"{self.kek_env_var} holds a development key")
        if self.audit_signing_key is None or not self.audit_signing_key.exists():
            problems.append("EMARAC_AUDIT_SIGNING_KEY must name an existing key file")
        if self.audit_checkpoint_dir is None:
            problems.append("EMARAC_AUDIT_CHECKPOINT_DIR must be set")
        if self.database_url.startswith("sqlite"):
            problems.append("EMARAC_DATABASE_URL must point at PostgreSQL in production")
        if self.mail_backend == "outbox":
            # The outbox keeps set-password links in files on the server; users
            # would never receive them and anyone reading the disk could use them.
            problems.append("EMARAC_MAIL_BACKEND is outbox, which only writes mail to files")
        if self.mail_backend == "smtp" and not self.smtp_host:
            problems.append("EMARAC_SMTP_HOST must be set for EMARAC_MAIL_BACKEND=smtp")
        if problems:
            raise ConfigurationError("Refusing to start in production: " + "; ".join(problems))


def current_settings() -> Settings:
    """The running app's settings (inside an app context)."""
    from flask import current_app

    settings: Settings = current_app.extensions["emarac.settings"]
    return settings
