"""The audit trail screen for system administrators and coordinators."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, render_template, request, url_for
from flask_login import current_user, login_required

from emarac.auditlog import services
from emarac.auditlog.forms import AuditFilterForm
from emarac.auth.sessions import fresh_login_required
from emarac.protocol import policy
from emarac.query_args import page_number

bp = Blueprint("auditlog", __name__, url_prefix="/audit")


def _form() -> tuple[AuditFilterForm, services.AuditFilter]:
    form = AuditFilterForm(request.args)
    choices = services.filter_choices(current_user)
    form.user_id.choices = [("", "Anyone")] + [(str(i), n) for i, n in choices.users]
    form.agency_id.choices = [("", "Any agency")] + [(str(i), n) for i, n in choices.agencies]
    if request.args and not form.validate():
        return form, services.AuditFilter(user_id="-invalid-")
    return form, services.AuditFilter(
        user_id=form.user_id.data or None,
        agency_id=form.agency_id.data or None,
        action=form.action.data or None,
        object_type=form.object_type.data or None,
        object_id=form.object_id.data or None,
        date_from=form.date_from.data,
        date_to=form.date_to.data,
    )


@bp.route("/")
@login_required
def index() -> Any:
    if not policy.may_read_audit(current_user):
        abort(404)
    form, flt = _form()
    page = services.search(current_user, flt, page=page_number(request.args))
    args: dict[str, Any] = {k: v for k, v in request.args.items() if k != "page"}
    return render_template(
        "auditlog/index.html",
        form=form,
        page=page,
        names=services.names_for(page.rows),
        export_url=url_for("auditlog.export", **args),
        page_url=lambda n: url_for("auditlog.index", page=n, **args),
    )


@bp.route("/export.csv")
@login_required
@fresh_login_required
def export() -> Any:
    if not policy.may_read_audit(current_user):
        abort(404)
    form, flt = _form()
    if form.errors:
        abort(400)
    body = services.export_csv(current_user, flt)
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="audit-trail.csv"'},
    )
