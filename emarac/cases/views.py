"""Case pages: the list, opening a case (with check answers), the case, its people, timeline."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from emarac.auditlog import services as auditlog
from emarac.cases import services
from emarac.cases.forms import CaseFilterForm
from emarac.cases.models import Relationship
from emarac.incidents import services as incident_services
from emarac.incidents.forms import IncidentForm
from emarac.people import services as people_services
from emarac.people.forms import ChildForm, PerpetratorForm, VictimForm
from emarac.protocol import policy
from emarac.query_args import last_page, page_number

bp = Blueprint("cases", __name__, url_prefix="/cases")


def _case_or_404(case_id: uuid.UUID, *, edit: bool = False) -> Any:
    if edit:
        return services.editable_case(current_user, case_id)
    return services.get_case(current_user, case_id)


@bp.route("/")
@login_required
def index() -> Any:
    if not policy.may_search_people(current_user):
        abort(404)
    page = page_number(request.args)
    form = CaseFilterForm(request.args)
    valid = form.validate()
    flt = services.CaseFilter(
        status=form.status.data or None,
        mine=bool(form.mine.data),
        repeat=bool(form.repeat.data),
        next_meeting=bool(form.next_meeting.data),
    )
    cases, total = services.visible_cases(current_user, flt, page=page) if valid else ([], 0)
    args: dict[str, Any] = {k: v for k, v in request.args.items() if k not in ("page", "submit")}
    return render_template(
        "cases/index.html",
        form=form,
        filtered=flt.in_use,
        cases=cases,
        total=total,
        page=page,
        pages=last_page(total, services.CASES_PER_PAGE),
        page_url=lambda n: url_for("cases.index", page=n, **args),
        may_create=policy.may_create_case(current_user),
    ), (200 if valid else 400)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> Any:
    """Victim details, then check answers (with possible duplicates), then create."""
    if not policy.may_create_case(current_user):
        abort(404)
    form = VictimForm()
    stage = request.form.get("stage")
    if request.method == "POST" and stage == "change":
        return render_template("cases/new.html", form=form)
    if form.validate_on_submit():
        details = form.details()
        if stage == "confirm":
            case = services.open_case_for(
                details, by=current_user, use_person=request.form.get("use_person", "")
            )
            flash(f"Case {case.reference} opened", "success")
            return redirect(url_for("cases.show", case_id=case.id))
        matches = people_services.possible_matches(details, actor=current_user)
        return render_template(
            "cases/check.html",
            form=form,
            details=details,
            known=matches.known,
            hidden_matches=matches.hidden,
        )
    return render_template("cases/new.html", form=form)


@bp.route("/<uuid:case_id>")
@login_required
def show(case_id: uuid.UUID) -> Any:
    found = _case_or_404(case_id)
    if found.erased_on is not None:
        # Erased at retention review: its personal values are gone; say so and nothing more.
        services.record_view(found, shown=("reference", "erased_on"))
        return render_template("cases/erased.html", case=found)
    restricted = policy.may_see_restricted(current_user, found)
    may_edit = policy.may_edit_case(current_user, found)
    shown = [
        "reference",
        "status",
        "victim",
        "perpetrators",
        "children",
        "timeline",
        "referral",
        "hearings",
    ]
    if restricted:
        shown.append("restricted_fields")
    # Record the view (which commits) before loading what the page shows, so
    # the commit does not expire the loaded rows and force a query per row.
    services.record_view(found, shown=tuple(shown))
    case = services.load_for_page(case_id)
    entries, total = services.timeline(case, per_page=10)
    access: list[auditlog.AccessEntry] = []
    if policy.may_see_access_log(current_user, case):
        access = auditlog.access_panel("marac_case", case.id)
    return render_template(
        "cases/show.html",
        transfers=services.transfers_of(case),
        may_transfer=policy.may_transfer_case(current_user, case),
        may_exclude=policy.may_manage_exclusions(current_user, case),
        may_close=policy.may_close_case(current_user, case) and case.is_open,
        case=case,
        restricted=restricted,
        entries=entries,
        timeline_total=total,
        may_edit=may_edit,
        access=access,
        emergency=policy.live_emergency_access(current_user, case),
        may_record_incident=policy.may_record_incident(current_user, case.victim),
        may_refer=policy.may_refer_case(current_user, case),
        may_read_idva=policy.may_read_idva_record(current_user, case),
        referral=services.referral_of(case),
        hearings=services.hearings(case),
    )


@bp.route("/<uuid:case_id>/timeline")
@login_required
def timeline(case_id: uuid.UUID) -> Any:
    case = _case_or_404(case_id)
    services.record_view(case, shown=("timeline",))
    page = page_number(request.args)
    entries, total = services.timeline(case, page=page, per_page=50)
    return render_template(
        "cases/timeline.html",
        case=case,
        entries=entries,
        total=total,
        page=page,
        pages=last_page(total, 50),
        emergency=policy.live_emergency_access(current_user, case),
    )


@bp.route("/<uuid:case_id>/perpetrators/new", methods=["GET", "POST"])
@login_required
def add_perpetrator(case_id: uuid.UUID) -> Any:
    case = _case_or_404(case_id, edit=True)
    form = PerpetratorForm()
    title = "Add a perpetrator"
    if form.validate_on_submit():
        details = form.details()
        matches = services.matches_to_check(case, details, by=current_user, stage=_stage())
        if matches is not None:
            return _check_matches(case, form, title, matches)
        services.add_perpetrator_for(
            case,
            details,
            by=current_user,
            relationship=Relationship(form.relationship.data),
            use_person=request.form.get("use_person", ""),
        )
        flash("Perpetrator added", "success")
        return redirect(url_for("cases.show", case_id=case.id))
    return render_template("cases/person_form.html", case=case, form=form, title=title)


def _stage() -> str:
    return request.form.get("stage", "")


def _check_matches(case: Any, form: Any, title: str, matches: Any) -> Any:
    """The form again, with the people this one may already be, to choose from."""
    return render_template(
        "cases/person_form.html",
        case=case,
        form=form,
        title=title,
        known=matches.known,
        hidden_matches=matches.hidden,
    )


@bp.route("/<uuid:case_id>/children/new", methods=["GET", "POST"])
@login_required
def add_child(case_id: uuid.UUID) -> Any:
    case = _case_or_404(case_id, edit=True)
    form = ChildForm()
    title = "Add a child or dependant"
    if form.validate_on_submit():
        details = form.details()
        matches = services.matches_to_check(case, details, by=current_user, stage=_stage())
        if matches is not None:
            return _check_matches(case, form, title, matches)
        services.add_child_for(
            case,
            details,
            by=current_user,
            school=form.school.data or None,
            lives_in_household=bool(form.lives_in_household.data),
            use_person=request.form.get("use_person", ""),
        )
        flash("Child added", "success")
        return redirect(url_for("cases.show", case_id=case.id))
    return render_template("cases/person_form.html", case=case, form=form, title=title)


@bp.route("/<uuid:case_id>/incidents/new", methods=["GET", "POST"])
@login_required
def add_incident(case_id: uuid.UUID) -> Any:
    case = _case_or_404(case_id)
    if not policy.may_record_incident(current_user, case.victim):
        abort(404)
    case = services.load_for_page(case_id)
    form = IncidentForm()
    form.perpetrator_id.choices = [("", "Not known")] + [
        (str(p.person_id), p.person.display_name) for p in case.perpetrators
    ]
    if form.validate_on_submit():
        perpetrators = {str(p.person_id): p.person for p in case.perpetrators}
        details = form.details(perpetrators)
        incident_services.record_incident(by=current_user, victim=case.victim, details=details)
        flash("Incident recorded", "success")
        return redirect(url_for("cases.show", case_id=case.id))
    return render_template("cases/incident_form.html", case=case, form=form)


@bp.route("/<uuid:case_id>/transfer", methods=["GET", "POST"])
@login_required
def transfer(case_id: uuid.UUID) -> Any:
    from emarac.cases.forms import TransferForm

    case = _case_or_404(case_id)
    if not policy.may_transfer_case(current_user, case):
        abort(404)
    form = TransferForm()
    areas = services.transfer_destinations(case)
    form.to_area.choices = [("", "Choose an area")] + [(str(i), n) for i, n in areas]
    if form.validate_on_submit():
        services.transfer_case(
            case,
            to_area_id=uuid.UUID(form.to_area.data),
            by=current_user,
            reason=form.reason.data or "",
        )
        flash(f"{case.reference} transferred", "success")
        return redirect(url_for("cases.index"))
    return render_template("cases/transfer.html", case=case, form=form)


@bp.route("/<uuid:case_id>/must-not-receive", methods=["GET", "POST"])
@login_required
def exclusions(case_id: uuid.UUID) -> Any:
    """The case's "must not receive" list: who never gets its minutes or research."""
    from emarac.cases import closure
    from emarac.cases.forms import ExclusionForm

    case = _case_or_404(case_id)
    if not policy.may_manage_exclusions(current_user, case):
        abort(404)
    form = ExclusionForm()
    form.target.choices = [("", "Choose a person or an agency")] + closure.exclusion_choices(case)
    if form.validate_on_submit():
        try:
            closure.add_exclusion(
                case, by=current_user, choice=form.target.data or "", reason=form.reason.data or ""
            )
        except ValueError as problem:
            form.target.errors = [str(problem)]
        else:
            flash("Added to the must-not-receive list", "success")
            return redirect(url_for("cases.exclusions", case_id=case.id))
    services.record_view(case, shown=("must_not_receive",))
    return render_template(
        "cases/exclusions.html", case=case, form=form, exclusions=closure.exclusions_of(case.id)
    )


@bp.route("/<uuid:case_id>/must-not-receive/<uuid:exclusion_id>/remove", methods=["POST"])
@login_required
def remove_exclusion(case_id: uuid.UUID, exclusion_id: uuid.UUID) -> Any:
    from emarac.agencies.forms import ConfirmForm
    from emarac.cases import closure

    case = _case_or_404(case_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    closure.remove_exclusion(case, exclusion_id, by=current_user)
    flash("Removed from the must-not-receive list", "success")
    return redirect(url_for("cases.exclusions", case_id=case.id))


@bp.route("/<uuid:case_id>/close", methods=["POST"])
@login_required
def close(case_id: uuid.UUID) -> Any:
    """The coordinator closes a heard case once its actions are finished."""
    from emarac.agencies.forms import ConfirmForm
    from emarac.cases import closure

    case = _case_or_404(case_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        closure.close_case(case, by=current_user)
    except ValueError as problem:
        flash(f"The case cannot close yet: {problem}")
    else:
        flash(f"{case.reference} closed; retention review on {case.review_on:%-d %B %Y}", "success")
    return redirect(url_for("cases.show", case_id=case.id))
