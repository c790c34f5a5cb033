"""Management indicators: repeat rate, volume, quarterly return, factors, process.

Managers see depersonalised aggregates only (DOMAIN.md, "Indicators managers
ask for"). The package has four parts:

- ``periods``: the periods a manager can choose and the ``Filters`` every
  indicator takes;
- ``maths``: the definitions, as pure functions over plain rows, with the
  result classes and the suppression of small numbers;
- ``rows``: loads those plain rows from the database, never a personal field;
- ``queries``: the same indicators as set-based SQL inside the database, for
  dashboards at scale.

The definitions are written out once, in the docstring of ``maths``.
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
