"""What the indicators keep worked out: each agenda item's facts, and whose are out of date.

A repeat, a factor or a young perpetrator is decided from a victim's whole
history (every referral, incident, assessment and person record behind a
hearing), which at a big partnership's size took seconds to work out on each
reading of the dashboard. ``hearing_fact`` keeps that decision for every agenda
item, so an indicator only counts rows; ``indicator_stale_victim`` lists the
victims whose records changed since (a row with no victim: every one), written
in the same transaction as the change. ``emarac.indicators.facts`` says how
both are kept.

Only statistics are held here: flags and counts, never a name or a date.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Date, ForeignKey, Integer, Table, Uuid

from emarac.indicators.definitions import CRITERIA, FACTORS
from emarac.models_base import Base

# One column per factor, named after it: ``factor_pregnancy`` and so on; and per
# referral criterion: ``criterion_repeat`` and so on.
FACTOR_COLUMNS = {name: f"factor_{name}" for name in FACTORS}
CRITERION_COLUMNS = {code: f"criterion_{code}" for code in CRITERIA}


# What the indicators need to know of one agenda item, from its victim's records. A
# table rather than a class: it is only ever written and read a whole set at a time.
hearing_fact = Table(
    "hearing_fact",
    Base.metadata,
    Column("item_id", Uuid, ForeignKey("agenda_item.id", ondelete="CASCADE"), primary_key=True),
    # Copied from the item, its meeting, referral and case, so the indicators read
    # this table alone. No foreign keys: the item's own cascades its deletion here.
    Column("meeting_id", Uuid, nullable=False),
    Column("area_id", Uuid, nullable=False, comment="the meeting's area"),
    Column("held_on", Date, nullable=False, index=True),
    Column("heard", Boolean, nullable=False, comment="definitions, Hearing"),
    Column("referral_id", Uuid),
    Column("referred_on", Date, comment="the referral's first submission"),
    Column("referring_agency_id", Uuid, comment="definitions, Referring agency of a hearing"),
    Column("is_repeat", Boolean, nullable=False, comment="referred under the repeat rule"),
    Column(
        "young_perpetrators",
        Integer,
        nullable=False,
        comment="perpetrators on the case aged 17 or under at the hearing",
    ),
    Column("children", Integer, nullable=False, comment="children living in the household"),
    Column("invited_agencies", Integer, nullable=False, comment="agencies invited to the meeting"),
    Column(
        "research_received",
        Integer,
        nullable=False,
        comment="research sections on the case at the meeting, from agencies invited to it",
    ),
    Column("victim_bame", Boolean, nullable=False),
    Column("victim_lgbt", Boolean, nullable=False),
    Column("victim_disabled", Boolean, nullable=False),
    Column("victim_male", Boolean, nullable=False),
    Column("victim_aged_16_17", Boolean, nullable=False, comment="at the hearing"),
    *[Column(column, Boolean, nullable=False) for column in FACTOR_COLUMNS.values()],
    # The criteria the item's referral met (none, for an item with no referral).
    *[Column(column, Boolean, nullable=False) for column in CRITERION_COLUMNS.values()],
)


# Victims whose records changed since their facts were worked out; a row with no
# victim stands for every one. No foreign key: the victim's record may be gone by
# the time the facts catch up.
stale_victim = Table(
    "indicator_stale_victim",
    Base.metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("victim_id", Uuid),
)
