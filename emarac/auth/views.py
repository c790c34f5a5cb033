"""Sign-in, second factor, enrolment, re-authentication and sign-out pages."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from emarac.agencies import services as agency_services
from emarac.agencies.models import User
from emarac.auth import services, sessions, totp
from emarac.auth.forms import CodeForm, EnrolForm, ReauthenticateForm, SetPasswordForm, SignInForm
from emarac.config import current_settings
from emarac.extensions import limiter

bp = Blueprint("auth", __name__)

# A locked account gets these too: the sign-in pages never say that an account
# exists or is locked (its owner is told by a notice and an email instead).
BAD_CREDENTIALS = "Enter a correct email address and password"
BAD_CODE = "Enter a correct security code"
# Only for someone already signed in whose re-authentication locked their own account.
LOCKED = (
    "This account is locked after too many failed attempts. "
    "Try again in 15 minutes or contact your agency administrator."
)
NOT_PERMITTED = (
    "This account cannot sign in. Your account or your agency's information-sharing "
    "agreement may be suspended: contact your agency administrator."
)


def _login_limit() -> str:
    return current_settings().login_rate_limit


def _safe_next(target: str | None) -> str:
    """Only same-site paths, so a crafted link cannot bounce a user elsewhere."""
    if target:
        parts = urlsplit(target)
        if (
            not parts.scheme
            and not parts.netloc
            and target.startswith("/")
            and not target.startswith("//")
            # Browsers read a backslash as a slash, so /\\evil.example is another site.
            and "\\" not in target
        ):
            return target
    return url_for("main.home")


def _pre_auth_user() -> User | None:
    return services.user_by_id(sessions.pre_auth_user_id())


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login() -> Any:
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = SignInForm()
    if form.validate_on_submit():
        check = services.check_password(form.email.data or "", form.password.data or "")
        if check.result is services.SignInResult.OK and check.user is not None:
            sessions.start_pre_auth(check.user)
            if check.user.totp_confirmed_at is None:
                return redirect(url_for("auth.enrol"))
            back = request.args.get("next")
            return redirect(url_for("auth.second_factor", next=_safe_next(back) if back else None))
        # NOT_PERMITTED is told only after the right password; LOCKED never is.
        if check.result is services.SignInResult.NOT_PERMITTED:
            form.email.errors = [NOT_PERMITTED]
        else:
            form.email.errors = [BAD_CREDENTIALS]
        form.password.data = ""
    return render_template("auth/sign_in.html", form=form)


@bp.route("/sign-in/security-code", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def second_factor() -> Any:
    user = _pre_auth_user()
    if user is None or user.totp_confirmed_at is None:
        flash("Sign in again.")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if form.validate_on_submit():
        result = services.check_second_factor(user, form.code.data or "")
        if result is services.SignInResult.OK:
            services.complete_sign_in(user)
            sessions.start_session(user)
            return redirect(_safe_next(request.args.get("next")))
        form.code.errors = [BAD_CODE]
        form.code.data = ""
    return render_template("auth/security_code.html", form=form)


@bp.route("/sign-in/set-up-authenticator", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def enrol() -> Any:
    user = _pre_auth_user()
    if user is None or user.totp_confirmed_at is not None:
        flash("Sign in again.")
        return redirect(url_for("auth.login"))
    secret = services.begin_enrolment(user)
    form = EnrolForm()
    if form.validate_on_submit():
        codes = services.confirm_enrolment(user, form.code.data or "")
        if codes is not None:
            services.complete_sign_in(user)
            sessions.start_session(user)
            # Shown once, straight from this response: the codes are never stored
            # in plain text and never put in the (readable) session cookie.
            return render_template("auth/recovery_codes.html", codes=codes)
        form.code.errors = [BAD_CODE]
        form.code.data = ""
    uri = totp.provisioning_uri(secret, user.email)
    return render_template("auth/enrol.html", form=form, qr_svg=totp.qr_svg(uri), secret=secret)


@bp.route("/reauthenticate", methods=["GET", "POST"])
@login_required
@limiter.limit(_login_limit, methods=["POST"])
def reauthenticate() -> Any:
    form = ReauthenticateForm()
    if form.validate_on_submit():
        check = services.check_password(current_user.email, form.password.data or "")
        if check.result is services.SignInResult.OK:
            result = services.check_second_factor(current_user, form.code.data or "")
            if result is services.SignInResult.OK:
                services.reauthenticated(current_user)
                sessions.mark_fresh()
                return redirect(_safe_next(request.args.get("next")))
            form.code.errors = [BAD_CODE]
        else:
            form.password.errors = ["Enter your correct password"]
        if current_user.is_locked():
            sessions.end_session()
            flash(LOCKED)
            return redirect(url_for("auth.login"))
    return render_template("auth/reauthenticate.html", form=form)


@bp.route("/session", methods=["GET"])
def session_status() -> Any:
    """For the timeout warning: is this session alive, and for how long (not activity)."""
    return {"signed_in": current_user.is_authenticated, "seconds_left": sessions.seconds_left()}


@bp.route("/session/renew", methods=["POST"])
@login_required
def renew_session() -> Any:
    """ "Stay signed in": the request itself renews the session (sessions.enforce_session)."""
    return {"signed_in": True, "seconds_left": sessions.seconds_left()}


@bp.route("/sign-out", methods=["POST"])
def logout() -> Any:
    if current_user.is_authenticated:
        services.sign_out(current_user._get_current_object())
    sessions.end_session()
    flash("You have signed out.")
    return redirect(url_for("auth.login"))


@bp.route("/set-password/<token>", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def set_password(token: str) -> Any:
    user = agency_services.user_for_password_token(token)
    if user is None:
        abort(404)
    form = SetPasswordForm()
    if form.validate_on_submit():
        problems = agency_services.set_password_with_token(token, form.password.data or "")
        if not problems:
            sessions.end_session()
            # After a reset the authenticator is kept: sign-in asks for its code,
            # never offers enrolment (only an unconfirmed authenticator is enrolled).
            if user.totp_confirmed_at is not None:
                flash("Your password is set. Sign in with it and your authenticator app.")
            else:
                flash("Your password is set. Sign in to set up your authenticator app.")
            return redirect(url_for("auth.login"))
        form.password.errors = problems
    return render_template("auth/set_password.html", form=form, email=user.email)
