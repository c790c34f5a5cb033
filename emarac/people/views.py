"""Searching for people."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template
from flask_login import current_user, login_required
from sqlalchemy import select

from emarac.cases.models import Case, CaseChild, CasePerpetrator
from emarac.extensions import db
from emarac.people import services
from emarac.people.forms import SearchForm
from emarac.protocol import policy

bp = Blueprint("people", __name__, url_prefix="/people")


@bp.route("/search", methods=["GET", "POST"])
@login_required
def search() -> Any:
    if not policy.may_search_people(current_user):
        abort(404)
    form = SearchForm()
    hits = None
    cases_by_person: dict[Any, list[Case]] = {}
    if form.validate_on_submit():
        hits = services.search_people(current_user, form.query())
        visible_ids = [h.person.id for h in hits if h.visible]
        if visible_ids:
            cases_by_person = _visible_cases_of(visible_ids)
    return render_template(
        "people/search.html", form=form, hits=hits, cases_by_person=cases_by_person
    )


def _visible_cases_of(person_ids: list[Any]) -> dict[Any, list[Case]]:
    """Each found person's cases that the user may see, in three queries in all."""
    found: dict[Any, list[Case]] = {}
    links = [
        select(Case.victim_id, Case.id).where(Case.victim_id.in_(person_ids)),
        select(CasePerpetrator.person_id, CasePerpetrator.case_id).where(
            CasePerpetrator.person_id.in_(person_ids)
        ),
        select(CaseChild.person_id, CaseChild.case_id).where(CaseChild.person_id.in_(person_ids)),
    ]
    pairs = [row for query in links for row in db.session.execute(query)]
    case_ids = {case_id for _, case_id in pairs}
    cases = {
        c.id: c
        for c in db.session.scalars(
            select(Case).where(Case.id.in_(case_ids), policy.case_filter(current_user))
        )
    }
    for person_id, case_id in pairs:
        if case_id in cases:
            found.setdefault(person_id, []).append(cases[case_id])
    return found
