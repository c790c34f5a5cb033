"""What every part of the generator shares: the random stream, "now", the rows."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from emarac.synth.batch import Batch
from emarac.synth.sealing import Sealer

WINDOW_DAYS = 3 * 365  # data spans the three years before now
_CLEAR = ~((0xF000 << 64) | (0xC000 << 48)) & ((1 << 128) - 1)
_VERSION_4 = (0x4000 << 64) | (0x8000 << 48)


@dataclass
class Context:
    """One generation run. Every random choice comes from ``rng``, so a seed fixes the data."""

    seed: int
    rng: random.Random
    now: datetime
    sealer: Sealer
    batch: Batch = field(default_factory=Batch)
    window_days: int = WINDOW_DAYS

    @property
    def today(self) -> date:
        return self.now.date()

    @property
    def start(self) -> date:
        return self.today - timedelta(days=self.window_days)

    def new_id(self) -> uuid.UUID:
        """A version-4 UUID drawn from the seeded stream, not from the system.

        The same value as ``uuid.UUID(int=..., version=4)``: the version and
        variant bits are set here so the constructor has less to check.
        """
        return uuid.UUID(int=(self.rng.getrandbits(128) & _CLEAR) | _VERSION_4)

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def at(self, day: date, *, earliest_hour: int = 0, latest_hour: int = 23) -> datetime:
        """A moment on ``day`` (UTC), never later than now."""
        moment = datetime.combine(
            day,
            time(self.rng.randint(earliest_hour, latest_hour), self.rng.randint(0, 59)),
            tzinfo=UTC,
        )
        return min(moment, self.now)

    def day_between(self, first: date, last: date) -> date:
        if last <= first:
            return first
        return first + timedelta(days=self.rng.randint(0, (last - first).days))
