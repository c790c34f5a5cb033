"""Searching for people."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    url_for,
)
from flask_limiter import RequestLimit
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required

from emarac.agencies.forms import ConfirmForm
from emarac.clock import utcnow
from emarac.config import current_settings
from emarac.extensions import limiter
from emarac.people import corrections, services
from emarac.people.forms import CorrectionForm, SearchForm
from emarac.people.models import Person
from emarac.protocol import policy
from emarac.protocol.guard import get_or_404

bp = Blueprint("people", __name__, url_prefix="/people")


def _search_limit() -> str:
    return current_settings().search_rate_limit


def _signed_in_user_key() -> str:
    """Searches are counted per user, wherever they sign in from."""
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return get_remote_address()


def _too_many_searches(limit: RequestLimit) -> Response:
    """The search page again, saying why nothing was searched."""
    page = render_template("people/search.html", form=SearchForm(), result=None, throttled=True)
    return make_response(page, 429)


@bp.route("/search", methods=["GET", "POST"])
@limiter.limit(
    _search_limit, key_func=_signed_in_user_key, methods=["POST"], on_breach=_too_many_searches
)
@login_required
def search() -> Any:
    if not policy.may_search_people(current_user):
        raise policy.NotAllowed("person", purpose="search refused")
    form = SearchForm()
    result = None
    cases_by_person: dict[Any, list[Any]] = {}
    if form.validate_on_submit():
        result = services.search_people(current_user, form.query())
        if result.people:
            cases_by_person = services.records_of(current_user, [p.id for p in result.people])
    return render_template(
        "people/search.html",
        form=form,
        result=result,
        cases_by_person=cases_by_person,
        may_break_glass=policy.may_ask_for_emergency_access(current_user),
        may_create_case=policy.may_create_case(current_user),
    )


def _visible_person_or_404(person_id: uuid.UUID) -> Person:
    return get_or_404(Person, person_id, may=policy.may_view_person)


@bp.route("/<uuid:person_id>")
@login_required
def show(person_id: uuid.UUID) -> Any:
    """A person's record, their cases, and (for coordinators) possible duplicates to merge."""
    person = _visible_person_or_404(person_id)
    page = services.open_person(person, by=current_user)
    return render_template(
        "people/show.html",
        person=person,
        cases=services.records_of(current_user, [person.id]).get(person.id, []),
        may_merge=page.may_merge,
        may_export=policy.may_export_subject_access(current_user, person),
        duplicates=page.duplicates,
        merges=page.merges,
        undo_until=lambda m: m.merged_at + timedelta(days=services.MERGE_UNDO_DAYS),
        now=utcnow(),
        corrections=corrections.corrections_of(person),
        may_correct=policy.may_correct_person(current_user, person),
    )


@bp.route("/<uuid:person_id>/correct", methods=["GET", "POST"])
@login_required
def correct(person_id: uuid.UUID) -> Any:
    """Correct a person's name or date of birth; the previous values stay on the record."""
    person = get_or_404(Person, person_id, may=policy.may_correct_person)
    # What is stored fills the form; on a POST what was typed replaces it.
    form = CorrectionForm(
        data={
            "given_name": person.given_name,
            "family_name": person.family_name,
            "date_of_birth": person.date_of_birth,
        }
    )
    if form.validate_on_submit():
        changed = corrections.correct_person(person, form.correction(), by=current_user)
        flash("Details corrected" if changed else "Nothing was changed", "success")
        return redirect(url_for("people.show", person_id=person.id))
    return render_template("people/correct.html", person=person, form=form)


@bp.route("/<uuid:person_id>/merge/<uuid:other_id>", methods=["POST"])
@login_required
def merge(person_id: uuid.UUID, other_id: uuid.UUID) -> Any:
    if not policy.may_merge_people(current_user):
        abort(404)
    keep = _visible_person_or_404(person_id)
    other = _visible_person_or_404(other_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.merge_people(keep, other, by=current_user)
    except ValueError as problem:
        flash(f"The records were not merged. {problem}.")
    else:
        flash("Records merged. You can undo this for 30 days.", "success")
    return redirect(url_for("people.show", person_id=person_id))


@bp.route("/merges/<uuid:merge_id>/undo", methods=["POST"])
@login_required
def undo(merge_id: uuid.UUID) -> Any:
    record = services.find_merge(merge_id)
    if record is None or not policy.may_merge_people(current_user):
        abort(404)
    _visible_person_or_404(record.kept_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.undo_merge(record, by=current_user)
    except ValueError:
        flash("This merge can no longer be undone.")
    else:
        flash("Merge undone.", "success")
    return redirect(url_for("people.show", person_id=record.kept_id))
