"""The one source of the current time, so tests can move it without sleeping."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

_now: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731 - swappable clock


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return _now()


def today() -> date:
    return utcnow().date()


def set_clock(now: Callable[[], datetime] | None) -> None:
    """Replace the clock (tests); ``None`` restores the real one."""
    global _now
    _now = now if now is not None else (lambda: datetime.now(UTC))


def as_utc(value: datetime) -> datetime:
    """Treat a naive datetime (as SQLite returns them) as UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
