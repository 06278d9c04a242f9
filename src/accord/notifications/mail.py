"""The mail interface: hand one message to the instance's SMTP server, if it has one.

Django's mail framework does the SMTP, through the default mailer that
`ACCORD_EMAIL_URL` configures (`accord.settings.email_url`): STARTTLS, implicit TLS or,
for a relay on the same machine, neither. Without a server the message stays in the
outbox, and so does anything else handed to Django's mail: `OutboxBackend`.
"""

from __future__ import annotations

import ssl
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.smtp import EmailBackend
from django.utils.functional import cached_property

if TYPE_CHECKING:
    from accord.notifications.models import Message

MAILER = "default"


def smtp_configured() -> bool:
    """Whether the instance sends email, or keeps it in the outbox."""
    return bool(settings.ACCORD_EMAIL_ENABLED)


def send(message: Message) -> None:
    """Hand `message` to the SMTP server; raises what the server or network raised."""
    email = EmailMessage(
        subject=message.subject,
        body=message.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.to_address],
        # RFC 3834: written by a machine, so out-of-office replies are not sent back.
        headers={"Auto-Submitted": "auto-generated"},
    )
    connection = mailers[MAILER]
    try:
        connection.send_messages([email])
    finally:
        # Django leaves a connection refused half-way (at sign-in, say) open.
        connection.close()


class SmtpBackend(EmailBackend):
    """Django's SMTP backend that verifies the server's certificate against
    ACCORD_EMAIL_CA_BUNDLE when one is set (a relay with a private CA's certificate),
    else against the system's trusted CAs, as Django does."""

    def __init__(self, *, ca_bundle: str | None = None, **options: Any) -> None:
        self.ca_bundle = ca_bundle
        super().__init__(**options)

    @cached_property
    def ssl_context(self) -> ssl.SSLContext:
        if not self.ca_bundle:
            context: ssl.SSLContext = super().ssl_context
            return context
        context = ssl.create_default_context(cafile=self.ca_bundle)
        if self.ssl_certfile:
            context.load_cert_chain(self.ssl_certfile, self.ssl_keyfile)
        return context


class OutboxBackend(BaseEmailBackend):
    """Django's default mailer without SMTP: each recipient's copy is kept in the outbox
    the secretariat reads, so mail sent through Django itself is never lost either."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        from accord.notifications.services import keep_email

        for email in email_messages:
            for address in email.recipients():
                keep_email(to=address, subject=str(email.subject), body=str(email.body))
        return len(email_messages)
