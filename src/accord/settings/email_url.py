"""`ACCORD_EMAIL_URL`: the instance's SMTP server as one URL, read into Django's MAILERS.

- `smtp://user:password@host:587` submits with STARTTLS (the default for `smtp://`);
- `smtps://user:password@host:465` uses TLS from the first byte (implicit TLS);
- `smtp://host:25?tls=none` talks in the clear, for a relay on the same machine.

The user name and password are percent-decoded (`%40` for `@`). Without a URL, Django's
default mailer keeps whatever it is given in the notifications outbox, so no email is
ever lost and nothing reaches for a server that is not there. Imports nothing of the
apps: settings are read before they are.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from email.utils import parseaddr
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

SMTP_BACKEND = "accord.notifications.mail.SmtpBackend"
OUTBOX_BACKEND = "accord.notifications.mail.OutboxBackend"
SECURITY = ("starttls", "tls", "none")
_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}


@dataclass(frozen=True)
class EmailServer:
    """Where and how to hand email over. `security` is starttls, tls (implicit) or none."""

    host: str
    port: int
    security: str
    username: str = ""
    password: str = ""


def parse_email_url(url: str) -> EmailServer:
    """The server `url` names; ImproperlyConfigured saying what is wrong with it."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise _bad(url, str(exc)) from exc
    if parts.scheme not in ("smtp", "smtps"):
        raise _bad(url, "the scheme must be smtp:// (STARTTLS) or smtps:// (implicit TLS)")
    if not parts.hostname:
        raise _bad(url, "it names no host")
    if parts.path not in ("", "/") or parts.fragment:
        raise _bad(url, "it may have no path or fragment")
    security = _security(url, parts.scheme, parts.query)
    server = EmailServer(
        host=parts.hostname,
        port=port or {"tls": 465, "none": 25}.get(security, 587),
        security=security,
        username=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
    )
    if server.password and security == "none" and not _loopback(server.host):
        raise _bad(url, "a password is sent in the clear only to a relay on this machine")
    return server


def _security(url: str, scheme: str, query: str) -> str:
    options = dict(parse_qsl(query, keep_blank_values=True))
    unknown = set(options) - {"tls", "starttls"}
    if unknown:
        raise _bad(url, f"unknown option {sorted(unknown)[0]!r} (known: tls, starttls)")
    tls = options.get("tls", "").lower()
    if tls and tls not in SECURITY:
        raise _bad(url, f"tls= takes {', '.join(SECURITY)}")
    if "starttls" in options:
        flag = options["starttls"].lower()
        if flag not in _TRUE | _FALSE:
            raise _bad(url, "starttls= takes 1 or 0")
        wanted = "starttls" if flag in _TRUE else "none"
        if tls and tls != wanted:
            raise _bad(url, "tls= and starttls= disagree")
        tls = wanted
    if scheme == "smtps":
        if tls not in ("", "tls"):
            raise _bad(url, "smtps:// is implicit TLS; use smtp:// for STARTTLS or none")
        return "tls"
    if tls == "tls":
        raise _bad(url, "implicit TLS is smtps://")
    return tls or "starttls"


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _bad(url: str, reason: str) -> ImproperlyConfigured:
    # The URL may hold a password: name only its host.
    try:
        shown = urlsplit(url.strip()).hostname
    except ValueError:
        shown = None
    where = f" (host {shown})" if shown else ""
    return ImproperlyConfigured(f"ACCORD_EMAIL_URL{where} is not usable: {reason}.")


def mailers(url: str, *, timeout: float, ca_bundle: str | None = None) -> dict[str, Any]:
    """Django's MAILERS for `url`: the SMTP server, or the outbox when `url` is empty."""
    if not url.strip():
        return {"default": {"BACKEND": OUTBOX_BACKEND}}
    server = parse_email_url(url)
    options: dict[str, Any] = {
        "host": server.host,
        "port": server.port,
        "username": server.username,
        "password": server.password,
        "use_tls": server.security == "starttls",
        "use_ssl": server.security == "tls",
        "timeout": timeout,
    }
    if ca_bundle:
        options["ca_bundle"] = ca_bundle
    return {"default": {"BACKEND": SMTP_BACKEND, "OPTIONS": options}}


def sender(value: str) -> str:
    """ACCORD_EMAIL_FROM, checked: an address, with a display name or without."""
    _name, address = parseaddr(value)
    if "@" not in address or "\n" in value or "\r" in value:
        raise ImproperlyConfigured(
            f"ACCORD_EMAIL_FROM must be an email address, such as "
            f"'Accord <accord@example.org>', not {value!r}."
        )
    return value
