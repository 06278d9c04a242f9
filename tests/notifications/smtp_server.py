"""A real SMTP server on loopback for the tests (aiosmtpd), with a throwaway CA (trustme).

`running(...)` starts one in a thread of its own and yields a `Server` that records
every message it accepted, with whether the session was encrypted and who signed in.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

USER, PASSWORD = "mailer@example.org", "p@ss:w/rd%"
# The same, percent-encoded for a URL.
USERINFO = "mailer%40example.org:p%40ss%3Aw%2Frd%25"


@dataclass
class Received:
    message: EmailMessage
    envelope_from: str
    envelope_to: list[str]
    encrypted: bool
    signed_in_as: str | None


@dataclass
class Server:
    port: int
    ca_bundle: str
    refuse_with: str | None = None
    received: list[Received] = field(default_factory=list)

    def url(self, scheme: str = "smtp", *, userinfo: str = "", query: str = "") -> str:
        at = f"{userinfo}@" if userinfo else ""
        return f"{scheme}://{at}127.0.0.1:{self.port}" + (f"?{query}" if query else "")


class _Handler:
    def __init__(self, server: Server) -> None:
        self.server = server

    async def handle_RCPT(
        self, _server: Any, _session: Any, envelope: Any, address: str, _options: Any
    ) -> str:
        if self.server.refuse_with:
            return self.server.refuse_with
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, smtp: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.server.received.append(
            Received(
                message=parsed,
                envelope_from=envelope.mail_from,
                envelope_to=list(envelope.rcpt_tos),
                # After STARTTLS, or from the first byte: the transport is TLS.
                encrypted=smtp.transport.get_extra_info("ssl_object") is not None,
                signed_in_as=getattr(session, "signed_in_as", None),
            )
        )
        return "250 Message accepted"


def _authenticator(
    _smtp: Any, session: Any, _envelope: Any, _mechanism: str, data: Any
) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
        USER.encode(),
        PASSWORD.encode(),
    )
    if ok:
        session.signed_in_as = USER
    return AuthResult(success=ok, handled=False)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _server_context(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    return context


@contextlib.contextmanager
def running(
    tmp_path: Path,
    *,
    security: str = "none",
    auth: bool = False,
    ca: trustme.CA | None = None,
) -> Iterator[Server]:
    """An SMTP server on 127.0.0.1: `security` none, starttls (required) or tls
    (implicit); with `auth`, sign-in is required (over TLS only). Its certificate is
    from `ca`, or a new CA; `Server.ca_bundle` is that CA's certificate file."""
    ca = ca or trustme.CA()
    bundle = tmp_path / f"ca-{id(ca)}.pem"
    ca.cert_pem.write_to_path(str(bundle))
    server = Server(port=free_port(), ca_bundle=str(bundle))
    options: dict[str, Any] = {"hostname": "127.0.0.1", "port": server.port, "ready_timeout": 60}
    if security == "starttls":
        options |= {"tls_context": _server_context(ca), "require_starttls": True}
    elif security == "tls":
        options["ssl_context"] = _server_context(ca)
    if auth:
        options |= {
            "authenticator": _authenticator,
            "auth_required": True,
            # aiosmtpd knows STARTTLS only; on implicit TLS every byte is encrypted already.
            "auth_require_tls": security == "starttls",
        }
    controller = Controller(_Handler(server), **options)
    controller.start()
    try:
        yield server
    finally:
        controller.stop()
