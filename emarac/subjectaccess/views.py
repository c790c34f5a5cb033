"""Subject access: find the person, read what the export holds, download it."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, Response, render_template, request
from flask_login import current_user, login_required

from emarac.auth.sessions import fresh_login_required
from emarac.people.models import Person
from emarac.protocol import policy
from emarac.protocol.guard import get_or_404
from emarac.protocol.policy import NotAllowed
from emarac.subjectaccess import services
from emarac.subjectaccess.forms import CaseLookupForm

bp = Blueprint("subjectaccess", __name__, url_prefix="/subject-access")


@bp.route("/")
@login_required
def start() -> Any:
    """The data-protection officer's way in: the people of a case, by its reference."""
    if not policy.may_read_disclosures(current_user):
        raise NotAllowed("subject_access")
    form = CaseLookupForm(request.args)
    searched = bool(request.args) and form.validate()
    people = (
        services.people_on_case(form.reference.data or "", by=current_user) if searched else None
    )
    return render_template("subjectaccess/start.html", form=form, people=people, searched=searched)


def _person_or_404(person_id: uuid.UUID) -> Person:
    return get_or_404(Person, person_id, may=policy.may_export_subject_access)


@bp.route("/<uuid:person_id>")
@login_required
def explain(person_id: uuid.UUID) -> Any:
    person = _person_or_404(person_id)
    counts = services.preview(person, by=current_user)
    return render_template(
        "subjectaccess/explain.html", person=person, counts=counts, left_out=services.LEFT_OUT
    )


@bp.route("/<uuid:person_id>/export.zip")
@login_required
@fresh_login_required
def download(person_id: uuid.UUID) -> Any:
    person = _person_or_404(person_id)
    body = services.export(person, by=current_user)
    return Response(
        body,
        mimetype="application/zip",
        headers={"Content-Disposition": 'attachment; filename="subject-access.zip"'},
    )
