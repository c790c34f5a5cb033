"""Administration of agencies (system admins) and users (agency admins)."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from emarac.agencies import services
from emarac.agencies.forms import (
    AgencyForm,
    AreaForm,
    ConfirmForm,
    InviteUserForm,
    NewAreaForm,
    ProtocolStatusForm,
    UserRolesForm,
    role_choices,
)
from emarac.agencies.models import Agency, AgencyKind, Area, Role, User
from emarac.protocol import policy
from emarac.protocol.guard import get_or_404

bp = Blueprint("agencies", __name__, url_prefix="/admin")


def _agency_or_404(agency_id: uuid.UUID) -> Agency:
    return get_or_404(Agency, agency_id, may=lambda actor, _: policy.may_manage_agencies(actor))


def _managed_agency_or_404(agency_id: uuid.UUID) -> Agency:
    return get_or_404(Agency, agency_id, may=policy.may_manage_users_of)


def _managed_user_or_404(user_id: uuid.UUID) -> User:
    return get_or_404(User, user_id, may=policy.may_manage_user)


def _offered_roles(agency: Agency) -> frozenset[Role]:
    return policy.grantable_roles(current_user, agency)


@bp.route("/")
@login_required
def index() -> Any:
    if policy.may_manage_agencies(current_user):
        return redirect(url_for("agencies.list_agencies"))
    if policy.may_manage_users_of(current_user, current_user.agency):
        return redirect(url_for("agencies.users", agency_id=current_user.agency_id))
    raise policy.NotAllowed("agency", current_user.agency_id)


@bp.route("/agencies", methods=["GET", "POST"])
@login_required
def list_agencies() -> Any:
    if not policy.may_manage_agencies(current_user):
        abort(404)
    form = AgencyForm()
    areas = services.all_areas(by=current_user)
    form.offer_areas(areas)
    if form.validate_on_submit():
        try:
            agency = services.create_agency(
                name=form.name.data or "",
                kind=AgencyKind(form.kind.data),
                area_id=form.area_id(),
                signed_on=form.signed_on.data,
                by=current_user,
            )
        except services.Invalid as problem:
            getattr(form, problem.field).errors = [problem.message]
        else:
            flash(f"Agency added: {agency.name}", "success")
            return redirect(url_for("agencies.list_agencies"))
    return render_template(
        "agencies/list.html",
        agencies=services.all_agencies(by=current_user),
        form=form,
        has_areas=bool(areas),
    )


@bp.route("/areas", methods=["GET", "POST"])
@login_required
def areas() -> Any:
    """The MARAC areas, and a form to add one: the only way an area comes to exist."""
    if not policy.may_manage_agencies(current_user):
        abort(404)
    form = NewAreaForm()
    if form.validate_on_submit():
        try:
            area = services.create_area(
                name=form.name.data or "", population=form.population(), by=current_user
            )
        except services.Invalid as problem:
            getattr(form, problem.field).errors = [problem.message]
        else:
            flash(f"Area added: {area.name}", "success")
            return redirect(url_for("agencies.areas"))
    return render_template(
        "agencies/areas.html", areas=services.all_areas(by=current_user), form=form
    )


@bp.route("/agencies/<uuid:agency_id>", methods=["GET", "POST"])
@login_required
def agency(agency_id: uuid.UUID) -> Any:
    if not policy.may_manage_agencies(current_user):
        abort(404)
    agency = _agency_or_404(agency_id)
    form = ProtocolStatusForm()
    if not form.is_submitted():
        form.signed_on.data = agency.isp_signed_on
        form.status.data = "suspended" if agency.suspended_at else "active"
    if form.validate_on_submit():
        services.set_protocol_status(
            agency,
            signed_on=form.signed_on.data,
            suspended=form.status.data == "suspended",
            by=current_user,
        )
        flash("Protocol status saved", "success")
        return redirect(url_for("agencies.agency", agency_id=agency.id))
    return render_template("agencies/agency.html", agency=agency, form=form)


@bp.route("/agencies/<uuid:agency_id>/users")
@login_required
def users(agency_id: uuid.UUID) -> Any:
    agency = _managed_agency_or_404(agency_id)
    return render_template(
        "agencies/users.html", agency=agency, users=services.users_of(agency, by=current_user)
    )


@bp.route("/agencies/<uuid:agency_id>/users/invite", methods=["GET", "POST"])
@login_required
def invite(agency_id: uuid.UUID) -> Any:
    agency = _managed_agency_or_404(agency_id)
    form = InviteUserForm()
    offered = _offered_roles(agency)
    form.roles.choices = role_choices(offered)
    if form.validate_on_submit():
        try:
            invited = services.invite_user(
                email=form.email.data or "",
                full_name=form.full_name.data or "",
                agency=agency,
                roles={Role(r) for r in form.roles.data or []},
                by=current_user,
                reason=form.reason.data,
            )
        except services.Invalid as problem:
            getattr(form, problem.field).errors = [problem.message]
        else:
            return render_template(
                "agencies/invited.html", user=invited, lifetime=services.INVITATION_LIFETIME
            )
    return render_template(
        "agencies/invite.html",
        agency=agency,
        form=form,
        asks_reason=any(policy.role_needs_reason(r) for r in offered),
    )


@bp.route("/users/<uuid:user_id>", methods=["GET", "POST"])
@login_required
def user(user_id: uuid.UUID) -> Any:
    target = _managed_user_or_404(user_id)
    form = UserRolesForm()
    choice = services.role_choice(target, by=current_user)
    # Roles this administrator cannot manage are not shown, so they are kept as held.
    form.roles.choices = role_choices(choice.offered)
    if not form.is_submitted():
        form.roles.data = [r.value for r in choice.ticked]
    if form.validate_on_submit():
        try:
            services.update_roles(
                target,
                roles={Role(r) for r in form.roles.data or []} | choice.held_elsewhere,
                by=current_user,
                reason=form.reason.data,
            )
        except services.Invalid as problem:
            getattr(form, problem.field).errors = [problem.message]
        else:
            flash("Roles saved", "success")
            return redirect(url_for("agencies.user", user_id=target.id))
    return render_template(
        "agencies/user.html",
        target=target,
        form=form,
        confirm=ConfirmForm(),
        may_change_roles=policy.may_change_roles_of(current_user, target),
        held_elsewhere=sorted(choice.held_elsewhere),
        asks_reason=any(policy.role_needs_reason(r) for r in choice.offered),
        may_replace_authenticator=policy.may_replace_authenticator(current_user, target),
    )


@bp.route("/users/<uuid:user_id>/suspend", methods=["POST"])
@login_required
def suspend(user_id: uuid.UUID) -> Any:
    target = _managed_user_or_404(user_id)
    if ConfirmForm().validate_on_submit():
        services.set_suspended(target, suspended=target.suspended_at is None, by=current_user)
        flash("Account suspended" if target.suspended_at else "Account reactivated", "success")
    return redirect(url_for("agencies.user", user_id=target.id))


@bp.route("/users/<uuid:user_id>/reset", methods=["POST"])
@login_required
def reset(user_id: uuid.UUID) -> Any:
    target = _managed_user_or_404(user_id)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("agencies.user", user_id=target.id))
    services.reset_password(target, by=current_user)
    return render_template(
        "agencies/invited.html", user=target, lifetime=services.INVITATION_LIFETIME, reset=True
    )


@bp.route("/users/<uuid:user_id>/authenticator", methods=["POST"])
@login_required
def replace_authenticator(user_id: uuid.UUID) -> Any:
    target = _managed_user_or_404(user_id)
    if ConfirmForm().validate_on_submit():
        services.replace_authenticator(target, by=current_user)
        flash(
            f"Authenticator reset. {target.full_name} will set up a new one at their next "
            "sign-in; we have emailed them to say so.",
            "success",
        )
    return redirect(url_for("agencies.user", user_id=target.id))


@bp.route("/areas/<uuid:area_id>", methods=["GET", "POST"])
@login_required
def area(area_id: uuid.UUID) -> Any:
    """An area's settings: the population the cases-per-10,000-women indicator uses."""
    found = get_or_404(Area, area_id, may=lambda actor, _: policy.may_manage_agencies(actor))
    form = AreaForm()
    if not form.is_submitted():
        population = found.adult_female_population
        form.adult_female_population.data = f"{population:,}" if population else ""
    if form.validate_on_submit():
        services.set_area_population(found, form.population(), by=current_user)
        flash("Area settings saved", "success")
        return redirect(url_for("agencies.areas"))
    return render_template("agencies/area.html", area=found, form=form)
