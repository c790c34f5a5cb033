"""eMARAC: one secure, shared record for each high-risk domestic abuse victim.

:func:`create_app` is the only place things are wired together; read it as the
table of contents of the application.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask

from emarac.config import PROJECT_ROOT, Settings


def create_app(config: Settings | None = None, **overrides: Any) -> Flask:
    settings = config if config is not None else Settings.from_env()
    settings.check_production()
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
        instance_path=str(settings.instance_path),
    )
    configure(app, settings, overrides)
    register_proxy_fix(app, settings)
    register_logging(app)
    register_extensions(app)
    register_templating(app)
    register_blueprints(app)
    register_hooks(app)
    register_errorhandlers(app)
    register_security_headers(app)
    register_request_hooks(app)
    register_commands(app)
    return app


def configure(app: Flask, settings: Settings, overrides: dict[str, Any]) -> None:
    app.extensions["emarac.settings"] = settings
    settings.instance_path.mkdir(parents=True, exist_ok=True)
    app.config.update(
        SECRET_KEY=settings.resolved_secret_key(),
        SQLALCHEMY_DATABASE_URI=settings.database_url,
        SQLALCHEMY_ENGINE_OPTIONS=_engine_options(settings),
        SESSION_COOKIE_NAME="emarac_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.is_production,
        REMEMBER_COOKIE_DURATION=0,
        WTF_CSRF_TIME_LIMIT=settings.absolute_timeout_seconds,
        RATELIMIT_STORAGE_URI=settings.redis_url or "memory://",
        RATELIMIT_HEADERS_ENABLED=False,
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
        PREFERRED_URL_SCHEME="https" if settings.is_production else "http",
        TESTING=settings.is_testing,
    )
    app.config.update(overrides)


def register_proxy_fix(app: Flask, settings: Settings) -> None:
    """Behind ``EMARAC_TRUSTED_PROXIES`` proxies, see the client's address and scheme.

    ProxyFix rewrites ``REMOTE_ADDR`` from the Nth address from the right of
    X-Forwarded-For, so the sign-in throttle (keyed on ``request.remote_addr``)
    and the ledger's client address name the real client, not the proxy. Without
    a trusted proxy nothing is wrapped: forwarded headers are then only what a
    client chose to send, and are ignored.

    X-Forwarded-Host is not trusted: set-password links are built from the
    request's host, and a proxy that passes a client's X-Forwarded-Host through
    untouched would let anyone point those links at their own site. The proxy
    forwards the Host it has checked instead (nginx: ``proxy_set_header Host
    $host`` with a ``server_name``).
    """
    hops = settings.trusted_proxies
    if hops > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=0, x_port=0, x_prefix=0
        )


def _engine_options(settings: Settings) -> dict[str, Any]:
    url = settings.database_url
    if url.startswith("sqlite"):
        # Wait for the writer lock instead of failing at once under concurrent requests.
        return {"connect_args": {"timeout": 30}}
    if url.startswith("postgresql"):
        # JIT compilation costs more than it saves on this app's short queries and
        # made the indicator queries slower, not faster, in the scale benchmark.
        # Each request holds at most one pooled connection (the audit checkpoint
        # signed after a commit waits until the request's session has let go of
        # its own), so size the pool to the threads a worker runs.
        return {
            "pool_pre_ping": True,
            "pool_size": settings.db_pool_size,
            "max_overflow": settings.db_max_overflow,
            "pool_timeout": settings.db_pool_timeout,
            "connect_args": {"options": "-c jit=off"},
        }
    return {"pool_pre_ping": True}


def register_logging(app: Flask) -> None:
    from emarac.logging_setup import configure_logging

    configure_logging(app)


def register_extensions(app: Flask) -> None:
    from emarac import auditing, passwords
    from emarac.agencies.models import User
    from emarac.extensions import csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    # Batch mode lets SQLite (which cannot ALTER most things) run the same migrations.
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Sign in to use eMARAC."
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        import uuid

        try:
            return db.session.get(User, uuid.UUID(user_id))
        except ValueError:
            return None

    from emarac.schema import import_models

    import_models()
    auditing.init_app(app)
    passwords.init_app(app, testing=app.extensions["emarac.settings"].is_testing)
    _init_crypto(app)
    _init_mail(app)


def _init_crypto(app: Flask) -> None:
    from emarac.crypto import keyring

    keyring.init_app(app)


def _init_mail(app: Flask) -> None:
    from emarac import mail

    mail.init_app(app, app.extensions["emarac.settings"])


def register_templating(app: Flask) -> None:
    from emarac.main.navigation import nav_items
    from emarac.templating import register_templating as register

    register(app)
    app.context_processor(lambda: {"nav_items": nav_items(), "service_name": "eMARAC"})


def register_blueprints(app: Flask) -> None:
    from emarac.actions.views import bp as actions_bp
    from emarac.agencies.views import bp as agencies_bp
    from emarac.auditlog.views import bp as auditlog_bp
    from emarac.auth.views import bp as auth_bp
    from emarac.cases.emergency_views import bp as emergency_bp
    from emarac.cases.incident_views import bp as incident_bp
    from emarac.cases.views import bp as cases_bp
    from emarac.disclosures.views import bp as disclosures_bp
    from emarac.idva.views import bp as idva_bp
    from emarac.indicators.views import bp as indicators_bp
    from emarac.main.views import bp as main_bp
    from emarac.meetings.views import bp as meetings_bp
    from emarac.notifications.views import bp as notifications_bp
    from emarac.people.views import bp as people_bp
    from emarac.referrals.reported_views import bp as reported_bp
    from emarac.referrals.views import bp as referrals_bp
    from emarac.retention.views import bp as retention_bp
    from emarac.risk.settings_views import bp as area_settings_bp
    from emarac.risk.views import bp as risk_bp
    from emarac.subjectaccess.views import bp as subjectaccess_bp

    blueprints = (
        main_bp,
        auth_bp,
        agencies_bp,
        auditlog_bp,
        disclosures_bp,
        cases_bp,
        emergency_bp,
        incident_bp,
        people_bp,
        risk_bp,
        area_settings_bp,
        referrals_bp,
        reported_bp,
        meetings_bp,
        actions_bp,
        idva_bp,
        notifications_bp,
        indicators_bp,
        retention_bp,
        subjectaccess_bp,
    )
    for bp in blueprints:
        app.register_blueprint(bp)


def register_hooks(app: Flask) -> None:
    """Higher layers plug into lower ones, for this app only: the one list of them all.

    A lower layer declares a hook (``emarac.hooks``) where it must show or wait
    for something of a later feature; docs/architecture.md says why each exists.
    """
    from emarac import hooks
    from emarac.actions import services as actions
    from emarac.agencies import services as agencies
    from emarac.cases import activity, lifecycle
    from emarac.cases import person_links as case_links
    from emarac.cases import services as cases
    from emarac.idva import services as idva
    from emarac.incidents import services as incidents
    from emarac.indicators import facts as indicator_facts
    from emarac.meetings import outcomes
    from emarac.meetings import pack as meeting_pack
    from emarac.meetings import services as meetings
    from emarac.notifications import services as notifications
    from emarac.people import services as people
    from emarac.referrals import pack_facts, repeats
    from emarac.referrals import services as referrals
    from emarac.risk import services as risk

    hooks.init_app(app)
    # records: any row written about a case moves the case up the case list.
    activity.init_app(app)
    # reporting: any change to what an indicator decides a hearing from marks its victim.
    indicator_facts.init_app(app)
    # accounts: every role given or removed is told to those who must know.
    agencies.role_changes.connect(app, notifications.role_changed)
    # records: people are found and merged across the cases and incidents that name them.
    people.reference_lookups.connect(app, case_links.victims_with_reference)
    people.reference_lookups.connect(app, incidents.victims_with_reference)
    people.known_hints.connect(app, case_links.known_hints)
    for link in (*case_links.PERSON_LINKS, *incidents.PERSON_LINKS):
        people.person_links.connect(app, link)
    people.merge_conflicts.connect(app, case_links.merge_conflict)
    people.records_of_people.connect(app, cases.cases_of_people)
    # the MARAC cycle: the case page lists assessments and referrals; a transferred case
    # takes its waiting referrals and repeats along; a recorded incident may make the case a
    # repeat, which joins the triage queue.
    cases.timeline_sources.connect(app, risk.TIMELINE)
    cases.timeline_sources.connect(app, referrals.TIMELINE)
    cases.after_transfer.connect(app, referrals.follow_transfer)
    # the case page says where its referral stands and lists the meetings it was on.
    cases.referral_state.connect(app, referrals.referral_state)
    cases.hearings_of.connect(app, meetings.hearings_of)
    incidents.after_record.connect(app, repeats.flag_repeat)
    meetings.agenda_sources.connect(app, referrals.accepted_onto)
    # cases deferred at an earlier meeting join the area's next agenda.
    meetings.agenda_sources.connect(app, outcomes.deferred_onto)
    # each agenda case's research pack shows the referral that put it there.
    meeting_pack.pack_referrals.connect(app, pack_facts.referral_facts)
    # the case list can be narrowed to the cases on the area's next meeting.
    cases.next_meeting_cases.connect(app, meetings.next_meeting_cases)
    # an IDVA's caseload shows the date each case is next heard.
    idva.next_hearings.connect(app, meetings.next_hearings)
    # a case is heard at a meeting, and cannot close while its actions are open.
    lifecycle.hearings.connect(app, meetings.was_heard)
    lifecycle.open_actions.connect(app, actions.open_action_count)
    # the action tracker is narrowed by the meeting that agreed the actions.
    actions.meeting_titles.connect(app, meetings.titles_of)


def register_errorhandlers(app: Flask) -> None:
    from emarac.errors import register

    register(app)


def register_security_headers(app: Flask) -> None:
    from emarac.security import register

    register(app)


def register_request_hooks(app: Flask) -> None:
    from emarac.auth.sessions import enforce_session

    app.before_request(enforce_session)


def register_commands(app: Flask) -> None:
    from emarac.cli import emarac_cli

    app.cli.add_command(emarac_cli)


logging.getLogger(__name__).addHandler(logging.NullHandler())
