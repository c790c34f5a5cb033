"""Small fixes on top of govuk-frontend-wtf's widgets."""

from __future__ import annotations

from typing import Any

from govuk_frontend_wtf.wtforms_widgets import GovDateInput


class DateInput(GovDateInput):
    """GOV.UK day/month/year inputs that also render when the form omitted the date.

    The upstream widget expects exactly three raw values; a GET form submitted
    without the date (or a tampered POST) would otherwise crash rendering.
    """

    def map_gov_params(self, field: Any, **kwargs: Any) -> Any:
        raw = field.raw_data
        if raw is not None and len(raw) != 3:
            field.raw_data = None
            try:
                return super().map_gov_params(field, **kwargs)
            finally:
                field.raw_data = raw
        return super().map_gov_params(field, **kwargs)
