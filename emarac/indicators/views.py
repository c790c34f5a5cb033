"""The managers' dashboard, the quarterly return and their CSV exports.

Filters travel in the query string (a period code and ids, never personal
data), so a page can be bookmarked and its export asks for the same figures.
Exports need a fresh sign-in and, like every view here, are audited.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from flask import Blueprint, Response, abort, render_template, request, url_for
from flask_login import current_user, login_required
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput
from wtforms import SelectField, SubmitField
from wtforms.validators import ValidationError

from emarac.auth.sessions import fresh_login_required
from emarac.bounds import EARLIEST_REPORTING
from emarac.clock import today
from emarac.forms import BaseForm, DateWithin, GovDateField
from emarac.indicators import report, services
from emarac.indicators.periods import (
    Period,
    financial_year,
    latest_reporting_day,
    month_period,
    parse_period,
    previous_period,
    quarters_between,
    whole_months,
)
from emarac.protocol import policy

bp = Blueprint("indicators", __name__, url_prefix="/indicators")

CUSTOM = "custom"


def _latest() -> date:
    return latest_reporting_day(today())


class FilterForm(BaseForm):
    class Meta:
        csrf = False  # a GET form that only reads

    period = SelectField("Period", widget=GovSelect(), choices=[], validate_choice=False)
    start = GovDateField(
        "From",
        validators=[DateWithin(EARLIEST_REPORTING, _latest, what="The first day of the range")],
    )
    end = GovDateField(
        "To",
        validators=[DateWithin(EARLIEST_REPORTING, _latest, what="The last day of the range")],
    )
    area = SelectField("Area", widget=GovSelect(), choices=[], validate_choice=False)
    agency = SelectField("Referring agency", widget=GovSelect(), choices=[], validate_choice=False)
    submit = SubmitField("Show figures", widget=GovSubmitInput())

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if self.period.data != CUSTOM:  # the dates are only read for a custom range
            self.start.errors = []
            self.end.errors = []
            return not (self.period.errors or self.area.errors or self.agency.errors)
        return valid

    def validate_start(self, field: Any) -> None:
        if self.period.data == CUSTOM and field.data is None:
            raise ValidationError("Enter the first day of the range")

    def validate_end(self, field: Any) -> None:
        if self.period.data != CUSTOM:
            return
        if field.data is None:
            raise ValidationError("Enter the last day of the range")
        if self.start.data and field.data < self.start.data:
            raise ValidationError("Enter a last day on or after the first day")


def period_choices(on: date) -> list[tuple[str, str]]:
    """Recent quarters, financial years and months, newest first, then a custom range."""
    quarters = [quarters_between(on, on)[0]]
    while len(quarters) < 8:
        quarters.append(previous_period(quarters[-1]))
    first_fy = on.year if on.month >= 4 else on.year - 1
    years = [financial_year(first_fy - n) for n in range(3)]
    months = []
    year, month = on.year, on.month
    for _ in range(12):
        months.append(month_period(year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    choices = [(p.code, f"Quarter: {p.label}") for p in quarters]
    choices += [(p.code, f"Financial year: {p.label}") for p in years]
    choices += [(p.code, f"Month: {p.label}") for p in months]
    return [*choices, (CUSTOM, "A range of dates (enter below)")]


def _form() -> tuple[FilterForm, Period | None, uuid.UUID | None, uuid.UUID | None]:
    form = FilterForm(request.args)
    now = today()
    form.period.choices = period_choices(now)
    areas = services.areas()
    form.area.choices = [("", "All areas"), *((str(i), n) for i, n in areas)]
    area_id = _uuid(form.area.data, {i for i, _ in areas})
    agencies = services.referring_agencies(area_id)
    form.agency.choices = [("", "All referring agencies"), *((str(i), n) for i, n in agencies)]
    agency_id = _uuid(form.agency.data, {i for i, _ in agencies})
    if not form.period.data:
        form.period.data = report.default_period(now).code
    if not form.validate():
        return form, None, area_id, agency_id
    if form.period.data == CUSTOM:
        return form, whole_months(form.start.data, form.end.data), area_id, agency_id
    try:
        return form, parse_period(form.period.data or "", latest=_latest()), area_id, agency_id
    except ValueError as problem:
        form.period.errors = [str(problem)]
        return form, None, area_id, agency_id


def _uuid(raw: str | None, allowed: set[uuid.UUID]) -> uuid.UUID | None:
    try:
        value = uuid.UUID(raw or "")
    except ValueError:
        return None
    return value if value in allowed else None


def _guard() -> None:
    if not policy.may_view_indicators(current_user):
        raise policy.NotAllowed("indicators")


@bp.route("/")
@login_required
def dashboard() -> Any:
    _guard()
    form, period, area_id, agency_id = _form()
    if period is None:
        return render_template("indicators/dashboard.html", form=form, board=None), 400
    board = services.dashboard(by=current_user, period=period, area_id=area_id, agency_id=agency_id)
    return render_template(
        "indicators/dashboard.html",
        form=form,
        board=board,
        return_csv=url_for("indicators.export", table="return", **_args(form, period)),
        trends_csv=url_for("indicators.export", table="trends", **_args(form, period)),
        print_url=url_for("indicators.return_print", **_args(form, period)),
    )


def _args(form: FilterForm, period: Period) -> dict[str, Any]:
    """The query string that asks for the same figures again."""
    args: dict[str, Any] = {
        "period": period.code,
        "area": form.area.data or "",
        "agency": form.agency.data or "",
    }
    return {k: v for k, v in args.items() if v}


def _period_from_args() -> tuple[Period, uuid.UUID | None, uuid.UUID | None]:
    """Exports and the print view take a period code (a custom range is one too)."""
    _, _, area_id, agency_id = _form()
    try:
        period = parse_period(request.args.get("period", ""), latest=_latest())
    except ValueError:
        abort(400)
    return period, area_id, agency_id


@bp.route("/export/<any(return, trends):table>.csv")
@login_required
@fresh_login_required
def export(table: str) -> Any:
    _guard()
    period, area_id, agency_id = _period_from_args()
    body = services.export_csv(
        by=current_user, table=table, period=period, area_id=area_id, agency_id=agency_id
    )
    filename = f"marac-{table}-{period.code.replace('/', '-to-')}.csv"
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.route("/return/print")
@login_required
def return_print() -> Any:
    _guard()
    period, area_id, agency_id = _period_from_args()
    table, area_name = services.return_for_print(
        by=current_user, period=period, area_id=area_id, agency_id=agency_id
    )
    return render_template(
        "indicators/return_print.html", period=period, table=table, area_name=area_name
    )
