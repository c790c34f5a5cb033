"""Operator commands: ``flask emarac ...``."""

from __future__ import annotations

import sys
from datetime import date
from typing import Any

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from emarac import mail
from emarac.agencies import services as agency_services
from emarac.agencies.models import Agency, AgencyKind, Role, User
from emarac.auth import totp
from emarac.clock import utcnow
from emarac.config import ConfigurationError, current_settings
from emarac.crypto.cli import keys
from emarac.devkeys import ensure_dev_keys
from emarac.extensions import db
from emarac.retention.cli import retention
from emarac.risk.services import publish_version
from emarac.schema import ensure_data_key, set_up_data


@click.group("emarac")
def emarac_cli() -> None:
    """eMARAC operator commands."""


@emarac_cli.command("init-dev")
@with_appcontext
def init_dev() -> None:
    """Generate any missing development key under instance/ (refused in production)."""
    try:
        created = ensure_dev_keys(current_settings())
    except ConfigurationError as problem:
        raise click.ClickException(str(problem)) from problem
    click.echo("Created: " + ", ".join(created) if created else "Development keys are in place")


@emarac_cli.command("setup")
@with_appcontext
def setup() -> None:
    """Make the first data key and publish the default risk checklist (after `flask db upgrade`)."""
    set_up_data()
    click.echo("The data key and the risk checklist are in place")


@emarac_cli.command("create-agency")
@click.argument("name")
@click.option("--kind", type=click.Choice([k.value for k in AgencyKind]), required=True)
@click.option("--area", required=True, help="The MARAC area the agency belongs to.")
@click.option(
    "--signed", is_flag=True, help="The agency has signed the information-sharing protocol today."
)
@with_appcontext
def create_agency(name: str, kind: str, area: str, signed: bool) -> None:
    """Add a partner agency."""
    try:
        agency = agency_services.create_agency(
            name=name,
            kind=AgencyKind(kind),
            area_id=agency_services.get_or_create_area(area).id,
            signed_on=date.today() if signed else None,
        )
    except agency_services.Invalid as problem:
        raise click.ClickException(problem.message) from problem
    click.echo(f"Created agency {agency.id} ({agency.protocol_status})")


@emarac_cli.command("create-user")
@click.argument("email")
@click.option("--agency", "agency_name", required=True, help="The agency's exact name.")
@click.option(
    "--role", "roles", multiple=True, required=True, type=click.Choice([r.value for r in Role])
)
@click.option("--name", "full_name", default=None, help="Full name (defaults to the email).")
@click.option(
    "--password-stdin",
    is_flag=True,
    required=True,
    help="Read the password from standard input (never from the command line).",
)
@with_appcontext
def create_user(
    email: str,
    agency_name: str,
    roles: tuple[str, ...],
    full_name: str | None,
    password_stdin: bool,
) -> None:
    """Create an account and print its TOTP provisioning URI once."""
    agency = db.session.scalar(select(Agency).where(Agency.name == agency_name))
    if agency is None:
        raise click.ClickException("No agency has that name")
    password = sys.stdin.readline().rstrip("\n") if password_stdin else ""
    ensure_data_key()
    try:
        user = agency_services.create_user(
            email=email,
            full_name=full_name or email,
            agency=agency,
            roles={Role(r) for r in roles},
            password=password,
        )
    except agency_services.Invalid as problem:
        db.session.rollback()
        raise click.ClickException(problem.message) from problem
    secret = totp.new_secret()
    user.totp_secret = secret
    user.totp_confirmed_at = utcnow()
    db.session.commit()
    click.echo(f"Created user {user.id}")
    click.echo("Add this to an authenticator app now; it is not shown again:")
    click.echo(totp.provisioning_uri(secret, user.email))


@emarac_cli.command("publish-checklist")
@click.argument("label")
@click.argument("questions_file", type=click.File("r", encoding="utf-8"))
@with_appcontext
def publish_checklist(label: str, questions_file: Any) -> None:
    """Publish a new risk checklist version from a JSON list of questions.

    Each item: {"section": "core|stalking|honour", "code": "...", "text": "...",
    "factor": null or a factor name}. Old assessments keep their own version.
    """
    import json

    try:
        items = json.load(questions_file)
        questions = [(q["section"], q["code"], q["text"], q.get("factor")) for q in items]
        version = publish_version(label, questions, by=None)
    except (ValueError, KeyError, TypeError) as problem:
        raise click.ClickException(f"Not published: {problem}") from problem
    click.echo(f"Published checklist {version.label} with {len(questions)} questions")


@emarac_cli.command("demo")
@with_appcontext
def demo() -> None:
    """Load a synthetic partnership and print its logins."""
    from emarac import demo as demo_data

    try:
        logins = demo_data.load()
    except demo_data.RefusedError as problem:
        raise click.ClickException(str(problem)) from problem
    demo_data.print_logins(logins)


@emarac_cli.command("demo-code")
@click.argument("email")
@with_appcontext
def demo_code(email: str) -> None:
    """Print the current TOTP code of a demo account (never for real accounts)."""
    if current_settings().is_production:
        raise click.ClickException("Refused in production mode")
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not user.is_demo or not user.totp_secret:
        raise click.ClickException("Refused: not a demo account")
    click.echo(totp.code_for_now(user.totp_secret))


@emarac_cli.command("synth")
@click.option("--cases", type=click.IntRange(min=1), default=1000, show_default=True)
@click.option("--incidents", type=click.IntRange(min=0), default=10_000, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True)
@with_appcontext
def synth(cases: int, incidents: int, seed: int) -> None:
    """Generate a synthetic partnership at scale (refused in production)."""
    from emarac.synth import SynthError, generate

    if current_settings().is_production:
        raise click.ClickException("Refused: synthetic data is never generated in production mode")
    ensure_data_key()
    try:
        summary = generate(db.engine, cases=cases, incidents=incidents, seed=seed, progress=True)
    except SynthError as problem:
        raise click.ClickException(str(problem)) from problem
    for table, count in summary.rows.items():
        click.echo(f"{table:20} {count:>12,}")
    click.echo(
        f"{summary.cases:,} cases and {summary.incidents:,} incidents (seed {seed}) in "
        f"{summary.seconds:.1f} s: {summary.incidents_per_second:,.0f} incidents a second; "
        f"{summary.repeat_rate:.0%} of {summary.hearings:,} hearings were repeats"
    )


@emarac_cli.command("outbox")
@click.option("--last", is_flag=True, help="Print the newest message in full, with its links.")
@click.option("--to", "to", default=None, metavar="EMAIL", help="Only messages to this address.")
@with_appcontext
def outbox(last: bool, to: str | None) -> None:
    """List the mail the development outbox has sent (time, to, subject)."""
    settings = current_settings()
    if settings.mail_backend != mail.OUTBOX:
        raise click.ClickException("Mail is not going to the outbox (EMARAC_MAIL_BACKEND)")
    messages = mail.read_outbox(mail.outbox_directory(settings))
    if to is not None:
        messages = [m for m in messages if m.to.lower() == to.strip().lower()]
    if not messages:
        click.echo("The outbox is empty" if to is None else f"No messages to {to}")
        return
    if last:
        newest = messages[-1]
        click.echo(f"Sent:    {newest.sent_at:%Y-%m-%d %H:%M:%S} UTC")
        click.echo(f"To:      {newest.to}")
        click.echo(f"Subject: {newest.subject}")
        click.echo("")
        click.echo(newest.body)
        return
    for message in messages:
        click.echo(f"{message.sent_at:%Y-%m-%d %H:%M:%S}  {message.to}  {message.subject}")


@emarac_cli.group("audit")
def audit_cli() -> None:
    """The audit ledger: its sequencer and signed checkpoints."""


@audit_cli.command("checkpoint")
@click.option(
    "--every",
    type=click.IntRange(min=0),
    is_flag=False,
    flag_value=0,
    default=None,
    metavar="SECONDS",
    help="Keep running: sign the head every SECONDS when it moved "
    "(--every alone or 0: EMARAC_AUDIT_CHECKPOINT_SECONDS). Stops on SIGTERM or Ctrl-C.",
)
@click.option("--max-runs", type=click.IntRange(min=1), default=None, hidden=True)
@with_appcontext
def audit_checkpoint(every: int | None, max_runs: int | None) -> None:
    """Sign a checkpoint of the audit ledger's head (once, or as a job with --every)."""
    import audit
    from emarac.auditing import checkpoint_now, run_checkpoint_job

    try:
        if every is None:
            made = checkpoint_now()
            click.echo(f"Checkpoint at seq {made.seq}" if made else "Nothing new to checkpoint")
            return
        seconds = every or current_settings().audit_checkpoint_seconds
        click.echo(f"Signing audit checkpoints every {seconds} s when the ledger moved")
        with audit.stop_on_signals() as stop:
            signed = run_checkpoint_job(
                every=seconds, max_runs=max_runs, stop=stop, report=click.echo
            )
    except audit.LedgerDiverged as problem:
        raise click.ClickException(
            f"Refused to sign: {problem}; run `python -m audit verify`"
        ) from problem
    except RuntimeError as problem:
        raise click.ClickException(str(problem)) from problem
    click.echo(f"Stopped after signing {signed} checkpoints")


@audit_cli.command("sequence")
@with_appcontext
def audit_sequence() -> None:
    """Chain committed audit events still waiting for the sequencer (after a crash, say)."""
    from emarac.auditing import sequence_pending

    click.echo(f"Chained {sequence_pending()} pending events")


emarac_cli.add_command(keys)
emarac_cli.add_command(retention)
