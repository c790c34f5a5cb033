"""Synthetic partnerships at any scale, for demonstrations, tests and benchmarks.

:func:`generate` writes areas, agencies, staff, people, cases, incidents,
assessments, referrals, meetings and actions with Core bulk inserts, through
the real field encryption and blind indexes. Nothing it writes describes a
real person: every surname ends in "-Synth" and every record is marked
``is_demo``.
"""

from emarac.synth.generator import Summary, SynthError, generate

__all__ = ["Summary", "SynthError", "generate"]
