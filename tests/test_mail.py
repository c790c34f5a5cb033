"""The mail seam: the development outbox and the production refusal."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from emarac import mail
from emarac.config import ConfigurationError, Environment, Settings


def test_outbox_writes_one_sortable_json_file_per_message(tmp_path, clock):
    outbox = mail.OutboxSender(tmp_path / "outbox")
    outbox.send("first@example.test", "One", "Body one")
    outbox.send("second@example.test", "Two", "Body two")  # same app time: the clock stands
    files = sorted((tmp_path / "outbox").glob("*.json"))
    assert len(files) == 2
    assert json.loads(files[0].read_text()) == {
        "to": "first@example.test",
        "subject": "One",
        "body": "Body one",
        "sent_at": "2026-11-02T09:00:00+00:00",
    }
    assert [m.to for m in outbox.messages()] == ["first@example.test", "second@example.test"]
    assert outbox.messages()[0].sent_at == datetime(2026, 11, 2, 9, tzinfo=UTC)
    assert files[0].stat().st_mode & 0o077 == 0  # the bodies hold sign-in links


def test_send_mail_never_logs_the_body(app, caplog):
    with caplog.at_level("INFO"):
        mail.send_mail("someone@example.test", "A link", "https://example.test/secret-link")
    assert "mail sent" in caplog.text  # the log is captured, so the next lines can fail
    assert "secret-link" not in caplog.text
    assert "someone@example.test" not in caplog.text


def test_production_refuses_the_outbox(tmp_path):
    settings = Settings(environment=Environment.PRODUCTION, instance_path=tmp_path)
    with pytest.raises(ConfigurationError, match="EMARAC_MAIL_BACKEND is outbox"):
        settings.check_production()


def test_an_unknown_backend_is_refused(tmp_path):
    settings = Settings(instance_path=tmp_path, mail_backend="pigeon")
    with pytest.raises(ConfigurationError, match="EMARAC_MAIL_BACKEND"):
        mail.make_sender(settings)


def test_smtp_sender_speaks_starttls_to_the_relay(monkeypatch):
    from emarac import mail
    from emarac.config import Settings

    sent = {}

    class FakeSMTP:
        def __init__(self, host, port, timeout):
            sent["relay"] = (host, port)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def starttls(self, context):
            sent["tls"] = True

        def login(self, user, password):
            sent["login"] = user

        def send_message(self, message):
            sent["to"] = message["To"]
            sent["subject"] = message["Subject"]

    monkeypatch.setattr(mail.smtplib, "SMTP", FakeSMTP)
    settings = Settings(mail_backend="smtp", smtp_host="relay.example.test", smtp_username="svc")
    mail.make_sender(settings).send("pat@example.test", "Hello", "Body")
    assert sent == {
        "relay": ("relay.example.test", 587),
        "tls": True,
        "login": "svc",
        "to": "pat@example.test",
        "subject": "Hello",
    }
