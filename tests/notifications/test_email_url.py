"""ACCORD_EMAIL_URL: one URL says where email goes and how it is protected."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from accord.settings.email_url import EmailServer, mailers, parse_email_url, sender

SRC = Path(__file__).resolve().parents[2] / "src"


@pytest.mark.parametrize(
    ("url", "server"),
    [
        (
            "smtp://mailer:secret@mail.example.org:587",
            EmailServer("mail.example.org", 587, "starttls", "mailer", "secret"),
        ),
        # STARTTLS is the default for smtp://, on any port, and may be said outright.
        ("smtp://mail.example.org", EmailServer("mail.example.org", 587, "starttls")),
        (
            "smtp://mail.example.org:2525?starttls=1",
            EmailServer("mail.example.org", 2525, "starttls"),
        ),
        (
            "smtp://mail.example.org:25?tls=starttls",
            EmailServer("mail.example.org", 25, "starttls"),
        ),
        ("smtps://mail.example.org", EmailServer("mail.example.org", 465, "tls")),
        (
            "smtps://u:p@mail.example.org:4650?tls=tls",
            EmailServer("mail.example.org", 4650, "tls", "u", "p"),
        ),
        ("smtp://127.0.0.1:25?tls=none", EmailServer("127.0.0.1", 25, "none")),
        ("smtp://localhost?starttls=0", EmailServer("localhost", 25, "none")),
        ("SMTP://Relay.Example.org:25?tls=none", EmailServer("relay.example.org", 25, "none")),
        # A user name and password are percent-decoded.
        (
            "smtp://apikey%40example.org:p%40ss%3Aw%2Frd%25@mail.example.org:587",
            EmailServer("mail.example.org", 587, "starttls", "apikey@example.org", "p@ss:w/rd%"),
        ),
        ("smtp://u:pw@[::1]:25?tls=none", EmailServer("::1", 25, "none", "u", "pw")),
        ("smtp://u:pw@localhost:25?tls=none", EmailServer("localhost", 25, "none", "u", "pw")),
    ],
)
def test_urls_name_the_server_and_its_protection(url: str, server: EmailServer) -> None:
    assert parse_email_url(url) == server


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://mail.example.org", "scheme must be smtp://"),
        ("mail.example.org:587", "scheme must be smtp://"),
        ("smtp://", "names no host"),
        ("smtp://mail.example.org:99999", "Port out of range"),
        ("smtp://mail.example.org:port", "Port could not be cast"),
        ("smtp://u:secret@[::1:25", "Invalid IPv6 URL"),
        ("smtp://mail.example.org/inbox", "no path"),
        ("smtp://mail.example.org?tls=maybe", "tls= takes"),
        ("smtp://mail.example.org?starttls=sometimes", "starttls= takes 1 or 0"),
        ("smtp://mail.example.org?tls=none&starttls=1", "disagree"),
        ("smtp://mail.example.org?tls=tls", "implicit TLS is smtps://"),
        ("smtps://mail.example.org?tls=none", "smtps:// is implicit TLS"),
        ("smtp://mail.example.org?ssl=1", "unknown option 'ssl'"),
        # A password in the clear goes only to a relay on this machine.
        ("smtp://u:secret@mail.example.org:25?tls=none", "in the clear"),
    ],
)
def test_a_bad_url_is_refused_saying_why_and_never_showing_the_password(
    url: str, says: str
) -> None:
    with pytest.raises(ImproperlyConfigured, match="ACCORD_EMAIL_URL") as refused:
        parse_email_url(url)
    assert says in str(refused.value)
    assert "secret" not in str(refused.value)


def test_the_url_becomes_djangos_default_mailer() -> None:
    configured = mailers("smtps://u%40x:p@mail.example.org", timeout=12, ca_bundle="/etc/ca.pem")
    assert configured == {
        "default": {
            "BACKEND": "accord.notifications.mail.SmtpBackend",
            "OPTIONS": {
                "host": "mail.example.org",
                "port": 465,
                "username": "u@x",
                "password": "p",
                "use_tls": False,
                "use_ssl": True,
                "timeout": 12,
                "ca_bundle": "/etc/ca.pem",
            },
        }
    }
    starttls = mailers("smtp://mail.example.org", timeout=30)["default"]["OPTIONS"]
    assert (starttls["use_tls"], starttls["use_ssl"]) == (True, False)
    assert "ca_bundle" not in starttls


def test_without_a_url_djangos_mail_is_kept_in_the_outbox() -> None:
    assert mailers("", timeout=30) == {
        "default": {"BACKEND": "accord.notifications.mail.OutboxBackend"}
    }


@pytest.mark.parametrize("value", ["Accord <accord@example.org>", "accord@example.org"])
def test_the_sender_is_an_address(value: str) -> None:
    assert sender(value) == value


@pytest.mark.parametrize("value", ["accord", "", "a@b.example\nBcc: x@y.example"])
def test_a_sender_that_is_no_address_is_refused(value: str) -> None:
    with pytest.raises(ImproperlyConfigured, match="ACCORD_EMAIL_FROM"):
        sender(value)


def _settings_with(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    code = (
        "import accord.settings as s; "
        "print(s.ACCORD_EMAIL_ENABLED, s.MAILERS['default']['BACKEND'], s.DEFAULT_FROM_EMAIL)"
    )
    environment = {**os.environ, "PYTHONPATH": str(SRC), "ACCORD_DATA_DIR": str(tmp_path), **env}
    return subprocess.run(
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True, check=False
    )


def test_the_settings_read_the_environment(tmp_path: Path) -> None:
    unset = _settings_with(tmp_path, ACCORD_EMAIL_URL="")
    assert unset.stdout.split() == [
        "False", "accord.notifications.mail.OutboxBackend", "accord@localhost",
    ]  # fmt: skip
    smtp = _settings_with(
        tmp_path,
        ACCORD_EMAIL_URL="smtp://u:p@mail.example.org:587",
        ACCORD_EMAIL_FROM="coalition@example.org",
    )
    assert smtp.stdout.split() == [
        "True", "accord.notifications.mail.SmtpBackend", "coalition@example.org",
    ]  # fmt: skip
    bad = _settings_with(tmp_path, ACCORD_EMAIL_URL="smtp://u:hunter2@mail.example.org?tls=bad")
    assert bad.returncode != 0
    assert (
        "ImproperlyConfigured: ACCORD_EMAIL_URL (host mail.example.org) is not usable" in bad.stderr
    )
    assert "hunter2" not in bad.stderr
