"""Management indicators: repeat rate, volume, quarterly return, factors, process.

Managers see depersonalised aggregates only (DOMAIN.md, "Indicators managers
ask for"). The package's parts:

- ``periods``: the periods a manager can choose and the ``Filters`` every
  indicator takes;
- ``definitions``: what each indicator counts, with the result classes and
  the suppression of small numbers;
- ``queries``: the indicators as set-based SQL inside the database;
- ``report``: the dashboard's figures, trends and exports built from them.

The definitions are written out once, in the docstring of ``definitions``.
The same figures counted in plain Python (the oracle the SQL is tested
against) live with the tests, in ``tests/indicators/oracle.py``.
"""

from emarac.indicators.periods import (
    Filters,
    Period,
    PeriodKind,
    parse_period,
    previous_period,
    quarters_between,
)

__all__ = [
    "Filters",
    "Period",
    "PeriodKind",
    "parse_period",
    "previous_period",
    "quarters_between",
]
