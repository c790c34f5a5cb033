"""Two years of synthetic MARAC history for the demo area, so its indicators show numbers.

Without history the demo manager's dashboard reads "<5" everywhere: the
handful of hand-made demo cases are too few for any figure to be published.
The synthetic generator (``emarac.synth``) adds past cases, referrals,
meetings, hearings and actions to the demo area, with the demo's own agencies
and staff, through the same field encryption as every other record. The
generated names end in "-Synth" and every row is marked as demo data.

Loaded once, after the demo's own cases and meeting: a meeting of the area
held more than ``LOADED_IF_HELD_BEFORE_DAYS`` ago means the history is there.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from emarac.agencies.models import Area
from emarac.clock import today
from emarac.extensions import db
from emarac.meetings.models import Meeting
from emarac.synth import Summary, generate

HISTORY_DAYS = 2 * 365
# About 90 hearings a quarter (some 17 a year per 10,000 women of the demo
# population): the default period's cases heard, repeat rate and main
# referring agencies are all above the suppression threshold. Generating them
# takes about a second on SQLite (the whole demo about 6).
HISTORY_CASES = 600
HISTORY_INCIDENTS = 2100
HISTORY_SEED = 20_261_203
LOADED_IF_HELD_BEFORE_DAYS = 60


def load(area_name: str) -> Summary | None:
    """Add the history to the area once; returns what was written (None when already there)."""
    area_id = db.session.scalar(select(Area.id).where(Area.name == area_name))
    if area_id is None:
        return None
    held_long_ago = db.session.scalar(
        select(Meeting.id)
        .where(
            Meeting.area_id == area_id,
            Meeting.held_on < today() - timedelta(days=LOADED_IF_HELD_BEFORE_DAYS),
        )
        .limit(1)
    )
    if held_long_ago is not None:
        return None
    summary = generate(
        db.session.connection(),
        cases=HISTORY_CASES,
        incidents=HISTORY_INCIDENTS,
        seed=HISTORY_SEED,
        area_id=area_id,
        window_days=HISTORY_DAYS,
    )
    db.session.commit()
    return summary
