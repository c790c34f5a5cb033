"""Outgoing email behind one small interface.

Services call :func:`send_mail`; ``create_app`` chooses the sender from
``EMARAC_MAIL_BACKEND``. Development and tests use :class:`OutboxSender`, which
writes each message to a file under ``<instance>/outbox/`` so nothing leaves
the machine and tests read what a user would have received. Production refuses
the outbox (:meth:`Settings.check_production`): a real sender plugs in here.

Message bodies carry one-time sign-in links, so they are never logged.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import smtplib
import ssl
import time
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

from flask import Flask, current_app

from emarac.clock import utcnow
from emarac.config import ConfigurationError, Settings

log = logging.getLogger(__name__)

EXTENSION_KEY = "emarac.mail"
OUTBOX = "outbox"
SMTP = "smtp"
BACKENDS = (OUTBOX, SMTP)


class MailSender(Protocol):
    def send(self, to: str, subject: str, body: str) -> None: ...


@dataclass(frozen=True)
class Message:
    to: str
    subject: str
    body: str
    sent_at: datetime


class OutboxSender:
    """Writes each message as a JSON file; names sort in the order they were sent."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def send(self, to: str, subject: str, body: str) -> None:
        sent_at = utcnow()
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        # The app's clock may stand still (tests fix it), so the wall clock in
        # nanoseconds breaks ties and keeps the names in the order of writing.
        name = f"{sent_at:%Y%m%dT%H%M%S.%fZ}-{time.time_ns():020d}-{secrets.token_hex(3)}"
        text = json.dumps(
            {"to": to, "subject": subject, "body": body, "sent_at": sent_at.isoformat()},
            indent=2,
        )
        # Written aside, then renamed: a reader never sees half a message.
        partial = self.directory / f".{name}.tmp"
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        partial.replace(self.directory / f"{name}.json")

    def messages(self) -> list[Message]:
        """Every message in the outbox, oldest first."""
        return read_outbox(self.directory)


class SmtpSender:
    """Sends through an SMTP relay over STARTTLS (the relay is the organisation's own)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def send(self, to: str, subject: str, body: str) -> None:
        message = EmailMessage()
        message["From"] = self.settings.mail_from
        message["To"] = to
        message["Subject"] = subject
        message.set_content(body)
        host = self.settings.smtp_host or "localhost"
        with smtplib.SMTP(host, self.settings.smtp_port, timeout=10) as smtp:
            smtp.starttls(context=ssl.create_default_context())
            if self.settings.smtp_username:
                smtp.login(self.settings.smtp_username, self.settings.smtp_password or "")
            smtp.send_message(message)


def read_outbox(directory: Path) -> list[Message]:
    if not directory.is_dir():
        return []
    found = []
    for path in sorted(directory.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        found.append(
            Message(
                to=data["to"],
                subject=data["subject"],
                body=data["body"],
                sent_at=datetime.fromisoformat(data["sent_at"]),
            )
        )
    return found


def outbox_directory(settings: Settings) -> Path:
    return settings.instance_path / "outbox"


def make_sender(settings: Settings) -> MailSender:
    if settings.mail_backend == OUTBOX:
        return OutboxSender(outbox_directory(settings))
    if settings.mail_backend == SMTP:
        return SmtpSender(settings)
    raise ConfigurationError(f"EMARAC_MAIL_BACKEND must be one of: {', '.join(BACKENDS)}")


def init_app(app: Flask, settings: Settings) -> None:
    app.extensions[EXTENSION_KEY] = make_sender(settings)


def send_mail(to: str, subject: str, body: str) -> None:
    """Send through the app's sender. Logs that a message went, never to whom or what."""
    sender: MailSender = current_app.extensions[EXTENSION_KEY]
    sender.send(to, subject, body)
    log.info("mail sent: backend=%s", type(sender).__name__)
