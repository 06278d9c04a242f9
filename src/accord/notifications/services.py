"""Telling people: inbox notifications, and the email sent for them or kept in the outbox.

Every app above calls `notify` (people with accounts) or `email_address` (an address
without one, such as an invitee). Email goes out from a task after the transaction
commits, with retries; a message whose sending is refused for good is marked failed
and audited, never dropped. Those who chose a daily digest get one email a day
(`send_digests`, from the scheduler in `accord.worker`).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accord.access import Permission, has_perm
from accord.audit.services import record_event
from accord.errors import Conflict, Invalid, NotAllowed, NotFound
from accord.notifications import mail
from accord.notifications.models import Message, Notification, Preference
from accord.notifications.selectors import delivery_of

if TYPE_CHECKING:
    from accord.accounts.models import User

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
# Waits before each retry: 1, 4, 16 and 64 minutes.
RETRY_BASE = timedelta(minutes=1)
LOCAL_BASE_URL = "http://127.0.0.1:8000"
# A queued message this far past its next attempt lost its task: the scheduler re-queues it.
OVERDUE = timedelta(minutes=10)
# A task may run a little before the moment it was queued for (clocks differ).
EARLY = timedelta(seconds=10)
SWEEP_BATCH = 500
SECRET_WIPED = "[This message carried a one-time link; it was removed once delivered.]"  # noqa: S105


def absolute_url(path: str) -> str:
    """`path` on this site as a link that works in an email (from ACCORD_BASE_URL, else
    the address `accord serve` listens on by default)."""
    base = settings.ACCORD_BASE_URL or LOCAL_BASE_URL
    return f"{base}/{path.lstrip('/')}"


# Telling people ------------------------------------------------------------------------


@transaction.atomic
def notify(
    *,
    recipients: Iterable[User],
    kind: str,
    subject: str,
    body: str,
    link: str = "",
    key: str = "",
) -> list[Notification]:
    """Tell each active recipient once: in the inbox, and by email if they want it now.

    `kind` names the event (`commitments:document:reject`); `link` is a path on this
    site. Recipients named twice are told once. With `key` naming the event told of
    (`evidence:verdict:fail:17`), a recipient already told of it is not told again.
    Returns the notifications made.
    """
    _check_site_path(link)
    told: list[Notification] = []
    seen: set[int] = set()
    for user in recipients:
        if not user.is_active or user.pk in seen:
            continue
        seen.add(user.pk)
        note = _tell(user, kind=kind, subject=subject, body=body, link=link, key=key)
        if note is not None:
            told.append(note)
    return told


def _tell(user: User, **fields: str) -> Notification | None:
    key = fields["key"][:200]
    if key and Notification.objects.filter(recipient=user, key=key).exists():
        return None
    try:
        with transaction.atomic():  # a savepoint: losing a race must not undo the caller
            note = Notification.objects.create(
                recipient=user,
                kind=fields["kind"],
                subject=_one_line(fields["subject"]),
                body=fields["body"],
                link=fields["link"][:500],
                key=key,
            )
    except IntegrityError:  # told a moment ago, by a second delivery of the same event
        return None
    if delivery_of(user) == Preference.Delivery.IMMEDIATE:
        _queue(to=user.email, subject=note.subject, body=_email_body(note), kind=note.kind)
        Notification.objects.filter(pk=note.pk).update(emailed_at=note.created_at)
    return note


def _check_site_path(link: str) -> None:
    # Inbox entries link here: only a path on this site, never a script or another site.
    if link and (not link.startswith("/") or link.startswith("//") or "\\" in link):
        raise ValueError(f"a notification links to a path on this site, not {link!r}")
    if any(ord(char) < 33 for char in link):
        raise ValueError("a notification's link has no spaces or control characters")


def _email_body(note: Notification) -> str:
    lines = [note.body]
    if note.link:
        lines += ["", absolute_url(note.link)]
    return "\n".join([*lines, "", _footer()])


def _footer() -> str:
    preferences = absolute_url(reverse("notifications:preferences"))
    return (
        f"-- \nYou are told of this by {settings.ACCORD_INSTANCE_NAME}. "
        f"Choose how you are emailed: {preferences}"
    )


@transaction.atomic
def email_address(
    *, to: str, subject: str, body: str, kind: str, carries_secret: bool = False
) -> Message:
    """Email an address that may have no account (an invitation, a reset link).

    `carries_secret` marks a body holding a one-time link: it is wiped once delivered.
    """
    return _queue(to=to, subject=subject, body=body, kind=kind, carries_secret=carries_secret)


@transaction.atomic
def keep_email(*, to: str, subject: str, body: str) -> Message:
    """Keep in the outbox an email handed to Django's mail framework on an instance
    without SMTP (`mail.OutboxBackend`): it is never sent, and never lost."""
    return Message.objects.create(
        to_address=to[:254],
        subject=_one_line(subject),
        body=body,
        kind="django:mail:send",
        state=Message.State.KEPT,
    )


def _one_line(subject: str) -> str:
    # A subject is one header line: a line break in it would make the email unsendable.
    return " ".join(subject.split())[:200]


def _queue(*, to: str, subject: str, body: str, kind: str, carries_secret: bool = False) -> Message:
    message = Message.objects.create(
        to_address=to,
        subject=_one_line(subject),
        body=body,
        kind=kind,
        carries_secret=carries_secret,
        next_attempt_at=timezone.now(),
    )
    transaction.on_commit(functools.partial(_enqueue_delivery, message.pk), robust=True)
    return message


def _enqueue_delivery(message_id: int, run_after: datetime | None = None) -> None:
    from accord.notifications.tasks import deliver_message_task

    task = deliver_message_task
    if run_after is not None:
        if not task.get_backend().supports_defer:
            # This backend runs tasks only at once; the scheduler re-queues it when due.
            return
        task = task.using(run_after=run_after)
    task.enqueue(message_id)


# Delivering ----------------------------------------------------------------------------


@transaction.atomic
def deliver_message(*, message_id: int, now: datetime | None = None) -> Message | None:
    """Send one queued message, or keep it in the outbox when there is no SMTP server.

    Idempotent: a message already sent, kept or failed is left as it is, and so is one
    whose next attempt is still to come (a task delivered twice). A refused attempt is
    retried later, up to MAX_ATTEMPTS, then marked failed and audited.
    """
    message = Message.objects.select_for_update().filter(pk=message_id).first()
    if message is None or message.state != Message.State.QUEUED:
        return message
    moment = now or timezone.now()
    if message.next_attempt_at is not None and message.next_attempt_at > moment + EARLY:
        return message
    if not mail.smtp_configured():
        message.state, message.next_attempt_at = Message.State.KEPT, None
        message.save(update_fields=["state", "next_attempt_at"])
        return message
    try:
        mail.send(message)
    except Exception as exc:  # any refusal by the server or the network is retried
        return _refused(message, exc, moment)
    message.state, message.sent_at, message.last_error = Message.State.SENT, moment, ""
    if message.carries_secret:
        message.body = SECRET_WIPED
    message.attempts += 1
    message.next_attempt_at = None
    message.save(
        update_fields=["state", "sent_at", "last_error", "body", "attempts", "next_attempt_at"]
    )
    return message


def _refused(message: Message, exc: Exception, moment: datetime) -> Message:
    message.attempts += 1
    message.last_error = f"{type(exc).__name__}: {exc}"[:500]
    if message.attempts >= MAX_ATTEMPTS:
        message.state, message.next_attempt_at = Message.State.FAILED, None
        record_event(
            tag="notifications:message:fail",
            target=message,
            data={"kind": message.kind, "attempts": message.attempts, "error": message.last_error},
        )
    else:
        message.next_attempt_at = moment + RETRY_BASE * 4 ** (message.attempts - 1)
    message.save(update_fields=["attempts", "last_error", "state", "next_attempt_at"])
    if message.state == Message.State.QUEUED:
        wait = message.next_attempt_at - moment  # type: ignore[operator]
        logger.warning("email %s refused (%s); retrying in %s", message.pk, exc, wait)
        transaction.on_commit(
            functools.partial(_enqueue_delivery, message.pk, message.next_attempt_at),
            robust=True,
        )
    return message


def requeue_overdue_messages(*, now: datetime, limit: int = SWEEP_BATCH) -> int:
    """Queue again the delivery of each message whose task never came (the queue lost
    it, or cannot wait); returns how many. Safe to run anywhere, often: delivery is
    idempotent."""
    overdue = Message.objects.filter(
        state=Message.State.QUEUED, next_attempt_at__lte=now - OVERDUE
    ).order_by("next_attempt_at")
    ids = list(overdue.values_list("pk", flat=True)[:limit])
    for message_id in ids:
        _enqueue_delivery(message_id)
    return len(ids)


@transaction.atomic
def resend_message(*, message: Message, actor: Any, now: datetime | None = None) -> Message:
    """The secretariat sends a failed message again, once SMTP works: a fresh round of
    attempts. Raises Conflict for a message that did not fail or without SMTP."""
    if not has_perm(actor, Permission.OUTBOX_RESEND, message):
        raise NotAllowed("Only the secretariat sends messages again.")
    locked = Message.objects.select_for_update().get(pk=message.pk)
    if locked.state != Message.State.FAILED:
        raise Conflict(f"Only a failed message is sent again; this one is {locked.state}.")
    if not mail.smtp_configured():
        raise Conflict("This instance has no SMTP server (ACCORD_EMAIL_URL); nothing can be sent.")
    record_event(
        tag="notifications:message:resend",
        actor=actor,
        target=locked,
        data={"kind": locked.kind, "attempts": locked.attempts, "error": locked.last_error},
    )
    locked.state, locked.attempts = Message.State.QUEUED, 0
    locked.next_attempt_at = now or timezone.now()
    locked.save(update_fields=["state", "attempts", "next_attempt_at"])
    transaction.on_commit(functools.partial(_enqueue_delivery, locked.pk), robust=True)
    return locked


@transaction.atomic
def read_outbox_message(*, message_id: int, actor: Any) -> Message:
    """One message of the outbox, for the secretariat. Reading a one-time link that was
    not wiped yet (kept, queued or failed) is audited: whoever reads it could use it."""
    message = Message.objects.visible_to(actor).filter(pk=message_id).first()
    if message is None:
        raise NotFound("No such message.")
    if message.carries_secret and message.body != SECRET_WIPED:
        record_event(
            tag="notifications:message:read",
            actor=actor,
            target=message,
            data={"kind": message.kind, "to": message.to_address},
        )
    return message


# The inbox -----------------------------------------------------------------------------


@transaction.atomic
def mark_read(*, notification: Notification, actor: Any, now: datetime | None = None) -> None:
    """The recipient has read one notification."""
    if not has_perm(actor, Permission.NOTIFICATION_VIEW, notification):
        raise NotFound("No such notification.")
    Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
        read_at=now or timezone.now()
    )


@transaction.atomic
def mark_all_read(*, actor: Any, now: datetime | None = None) -> int:
    """The recipient has read their whole inbox; returns how many were unread."""
    unread = Notification.objects.visible_to(actor).filter(read_at__isnull=True)
    return unread.update(read_at=now or timezone.now())


@transaction.atomic
def set_delivery(*, actor: Any, delivery: str, now: datetime | None = None) -> Preference:
    """How `actor` wants to be emailed: each notification, a daily digest, or never."""
    if not has_perm(actor, Permission.NOTIFICATION_VIEW):
        raise NotAllowed("Sign in to choose how you are emailed.")
    if delivery not in Preference.Delivery.values:
        raise Invalid("Choose how you want to be emailed.", field="delivery")
    preference, _ = Preference.objects.select_for_update().get_or_create(user=actor)
    if preference.delivery != delivery:
        before = preference.delivery
        preference.delivery, preference.changed_at = delivery, now or timezone.now()
        preference.save(update_fields=["delivery", "changed_at"])
        record_event(
            tag="notifications:preference:update",
            actor=actor,
            target=preference,
            data={"from": before, "to": delivery},
        )
    return preference


# Daily digests -------------------------------------------------------------------------


def digest_due_at(now: datetime) -> datetime:
    """The latest moment a daily digest was due, at or before `now` (ACCORD_DIGEST_HOUR)."""
    today = now.astimezone(timezone.get_current_timezone()).replace(
        hour=settings.ACCORD_DIGEST_HOUR, minute=0, second=0, microsecond=0
    )
    return today if today <= now else today - timedelta(days=1)


def send_digests(*, now: datetime) -> int:
    """Email each person who chose a daily digest the notifications not emailed yet;
    returns how many digests were queued. Each person in a transaction of their own.

    Idempotent: a person served since the latest digest moment is skipped, so running it
    twice, or from two schedulers, sends one digest a day.
    """
    due = digest_due_at(now)
    waiting = Preference.objects.filter(delivery=Preference.Delivery.DIGEST, user__is_active=True)
    waiting = waiting.exclude(last_digest_at__gte=due).order_by("pk")
    return sum(
        _send_digest(preference_id, now=now, due=due)
        for preference_id in waiting.values_list("pk", flat=True)
    )


@transaction.atomic
def _send_digest(preference_id: int, *, now: datetime, due: datetime) -> bool:
    preference = Preference.objects.select_for_update().select_related("user").get(pk=preference_id)
    served = preference.last_digest_at is not None and preference.last_digest_at >= due
    if preference.delivery != Preference.Delivery.DIGEST or served:
        return False
    preference.last_digest_at = now
    preference.save(update_fields=["last_digest_at"])
    notes = list(
        Notification.objects.filter(
            recipient=preference.user,
            emailed_at__isnull=True,
            read_at__isnull=True,
            created_at__gt=preference.changed_at,
            created_at__lte=now,
        ).order_by("created_at", "id")
    )
    if not notes:
        return False
    subject = f"{settings.ACCORD_INSTANCE_NAME}: {_count(len(notes))} since the last digest"
    body = _digest_body(notes)
    _queue(to=preference.user.email, subject=subject, body=body, kind="notifications:digest:send")
    Notification.objects.filter(pk__in=[note.pk for note in notes]).update(emailed_at=now)
    return True


def _count(n: int) -> str:
    return "1 notification" if n == 1 else f"{n} notifications"


def _digest_body(notes: Sequence[Notification]) -> str:
    parts = [f"What happened since the last digest, oldest first ({_count(len(notes))}):"]
    for note in notes:
        entry = [f"* {note.subject} ({note.created_at:%d %b %Y %H:%M} UTC)", note.body]
        if note.link:
            entry.append(absolute_url(note.link))
        parts.append("\n".join(entry))
    parts.append(f"Your inbox: {absolute_url(reverse('notifications:inbox'))}")
    return "\n\n".join([*parts, _footer()])
