"""Telling people: inbox notifications, and the email sent for them or kept in the outbox.

Every app above calls `notify` (people with accounts) or `email_address` (an address
without one, such as an invitee). Email goes out from a task after the transaction
commits, with retries; a message whose sending is refused for good is marked failed
and audited, never dropped.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accord.access import Permission, has_perm
from accord.audit.services import record_event
from accord.errors import NotFound
from accord.notifications import mail
from accord.notifications.models import Message, Notification, Preference

if TYPE_CHECKING:
    from accord.accounts.models import User

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
# Waits before each retry: 1, 4, 16 and 64 minutes.
RETRY_BASE = timedelta(minutes=1)
LOCAL_BASE_URL = "http://127.0.0.1:8000"
SECRET_WIPED = "[This message carried a one-time link; it was removed once delivered.]"  # noqa: S105


def absolute_url(path: str) -> str:
    """`path` on this site as a link that works in an email (from ACCORD_BASE_URL, else
    the address `accord serve` listens on by default)."""
    base = settings.ACCORD_BASE_URL or LOCAL_BASE_URL
    return f"{base}/{path.lstrip('/')}"


def delivery_of(user: User) -> str:
    """How `user` wants to be emailed (immediate unless they chose otherwise)."""
    preference = Preference.objects.filter(user=user).first()
    return preference.delivery if preference else Preference.Delivery.IMMEDIATE


@transaction.atomic
def notify(
    *,
    recipients: Iterable[User],
    kind: str,
    subject: str,
    body: str,
    link: str = "",
) -> list[Notification]:
    """Tell each active recipient once: in the inbox, and by email if they want it now.

    `kind` names the event (`commitments:document:reject`); `link` is a path on this
    site. Recipients named twice are told once.
    """
    told: list[Notification] = []
    seen: set[int] = set()
    for user in recipients:
        if not user.is_active or user.pk in seen:
            continue
        seen.add(user.pk)
        note = Notification.objects.create(
            recipient=user, kind=kind, subject=subject[:200], body=body, link=link[:500]
        )
        if delivery_of(user) == Preference.Delivery.IMMEDIATE:
            _queue(to=user.email, subject=note.subject, body=_with_link(body, link), kind=kind)
            Notification.objects.filter(pk=note.pk).update(emailed_at=note.created_at)
        told.append(note)
    return told


@transaction.atomic
def email_address(
    *, to: str, subject: str, body: str, kind: str, carries_secret: bool = False
) -> Message:
    """Email an address that may have no account (an invitation, a reset link).

    `carries_secret` marks a body holding a one-time link: it is wiped once delivered.
    """
    return _queue(to=to, subject=subject, body=body, kind=kind, carries_secret=carries_secret)


def _with_link(body: str, link: str) -> str:
    return f"{body}\n\n{absolute_url(link)}" if link else body


def _queue(*, to: str, subject: str, body: str, kind: str, carries_secret: bool = False) -> Message:
    message = Message.objects.create(
        to_address=to, subject=subject[:200], body=body, kind=kind, carries_secret=carries_secret
    )
    transaction.on_commit(functools.partial(_enqueue_delivery, message.pk), robust=True)
    return message


def _enqueue_delivery(message_id: int, run_after: datetime | None = None) -> None:
    from accord.notifications.tasks import deliver_message_task

    task = deliver_message_task.using(run_after=run_after) if run_after else deliver_message_task
    task.enqueue(message_id)


@transaction.atomic
def deliver_message(*, message_id: int, now: datetime | None = None) -> Message | None:
    """Send one queued message, or keep it in the outbox when there is no SMTP server.

    Idempotent: a message already sent, kept or failed is left as it is. A refused
    attempt is retried later, up to MAX_ATTEMPTS, then marked failed and audited.
    """
    message = Message.objects.select_for_update().filter(pk=message_id).first()
    if message is None or message.state != Message.State.QUEUED:
        return message
    moment = now or timezone.now()
    if not mail.smtp_configured():
        message.state = Message.State.KEPT
        message.save(update_fields=["state"])
        return message
    try:
        mail.send(message)
    except Exception as exc:  # any refusal by the server or the network is retried
        return _refused(message, exc, moment)
    message.state, message.sent_at, message.last_error = Message.State.SENT, moment, ""
    if message.carries_secret:
        message.body = SECRET_WIPED
    message.attempts += 1
    message.save(update_fields=["state", "sent_at", "last_error", "body", "attempts"])
    return message


def _refused(message: Message, exc: Exception, moment: datetime) -> Message:
    message.attempts += 1
    message.last_error = f"{type(exc).__name__}: {exc}"[:500]
    if message.attempts >= MAX_ATTEMPTS:
        message.state = Message.State.FAILED
        record_event(
            tag="notifications:message:fail",
            target=message,
            data={"kind": message.kind, "attempts": message.attempts, "error": message.last_error},
        )
    message.save(update_fields=["attempts", "last_error", "state"])
    if message.state == Message.State.QUEUED:
        wait = RETRY_BASE * 4 ** (message.attempts - 1)
        logger.warning("email %s refused (%s); retrying in %s", message.pk, exc, wait)
        transaction.on_commit(
            functools.partial(_enqueue_delivery, message.pk, moment + wait), robust=True
        )
    return message


@transaction.atomic
def mark_read(*, notification: Notification, actor: Any, now: datetime | None = None) -> None:
    """The recipient has read one notification."""
    if not has_perm(actor, Permission.NOTIFICATION_VIEW, notification):
        raise NotFound("No such notification.")
    Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
        read_at=now or timezone.now()
    )


@transaction.atomic
def mark_all_read(*, actor: User, now: datetime | None = None) -> int:
    """The recipient has read their whole inbox; returns how many were unread."""
    unread = Notification.objects.filter(recipient=actor, read_at__isnull=True)
    return unread.update(read_at=now or timezone.now())
