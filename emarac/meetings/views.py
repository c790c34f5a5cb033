"""Meetings: one blueprint, its pages split by concern.

- ``agenda_views``: the list, creating a meeting, its page, building, ordering,
  releasing and printing the agenda, each agency's research, closing.
- ``conference_views``: the confidentiality statement and conference mode, one
  case at a time: the discussion, the agreed risk and the actions.
- ``attendance_views``: the register by agency, and the apologies agencies send.
- ``minutes_views``: producing the minutes, reading, listing and printing them.

Importing this module registers every route on :data:`bp`.
"""

from __future__ import annotations

from emarac.meetings import agenda_views, attendance_views, conference_views, minutes_views
from emarac.meetings.blueprint import bp

__all__ = ["agenda_views", "attendance_views", "bp", "conference_views", "minutes_views"]
