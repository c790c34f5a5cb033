"""The disclosure register, for the area's coordinators and data-protection officers."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, render_template, request, url_for
from flask_login import current_user, login_required

from emarac.auth.sessions import fresh_login_required
from emarac.disclosures import services
from emarac.disclosures.forms import RegisterFilterForm
from emarac.query_args import page_number

bp = Blueprint("disclosures", __name__, url_prefix="/disclosures")


def _form() -> tuple[RegisterFilterForm, services.RegisterFilter | None]:
    form = RegisterFilterForm(request.args)
    asked = request.args.get("case_reference") or request.args.get("recipient")
    if asked and not form.validate():
        return form, None
    return form, services.RegisterFilter(
        case_reference=form.case_reference.data or None, recipient=form.recipient.data or None
    )


@bp.route("/")
@login_required
def index() -> Any:
    form, flt = _form()
    page = services.search(
        current_user,
        flt or services.RegisterFilter(case_reference="-"),
        page=page_number(request.args),
    )
    args: dict[str, Any] = {k: v for k, v in request.args.items() if k != "page"}
    return render_template(
        "disclosures/index.html",
        form=form,
        page=page,
        export_url=url_for("disclosures.export", **args),
        page_url=lambda n: url_for("disclosures.index", page=n, **args),
    )


@bp.route("/export.csv")
@login_required
@fresh_login_required
def export() -> Any:
    form, flt = _form()
    body = services.export_csv(current_user, flt or services.RegisterFilter(case_reference="-"))
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="disclosure-register.csv"'},
    )
