"""The mail interface: hand one message to the instance's SMTP server, if it has one.

Django's mail framework does the SMTP (STARTTLS or implicit TLS, from the settings
that `ACCORD_EMAIL_URL` sets). Without a server the message stays in the outbox.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

if TYPE_CHECKING:
    from accord.notifications.models import Message


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
        connection=get_connection(timeout=settings.ACCORD_EMAIL_TIMEOUT),
    )
    email.send(fail_silently=False)
