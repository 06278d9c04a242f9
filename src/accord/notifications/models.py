"""Notifications in the inbox, and the messages sent (or kept) for them.

Notifications sit below accounts: a recipient is named by the user model's string
label, and the app reads only what every user has (an email address, `is_active`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from accord.notifications.rules import MessageQuerySet, NotificationQuerySet


class Notification(models.Model):
    """One thing a person is told, shown in their inbox until they read it."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=60)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    link = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # When the notification went out by email, alone or in a digest; null until then.
    emailed_at = models.DateTimeField(null=True, blank=True)
    # Names the event told of (`evidence:verdict:fail:17`), so telling of it again, from
    # a daily job or a hook delivered twice, tells nobody twice. Blank: no such name.
    key = models.CharField(max_length=200, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [models.Index(fields=("recipient", "read_at"))]
        constraints = [
            models.UniqueConstraint(
                fields=("recipient", "key"),
                condition=~models.Q(key=""),
                name="notification_told_once",
            )
        ]

    def __str__(self) -> str:
        return self.subject


class Message(models.Model):
    """One email: sent through SMTP when the instance has a server, else kept here.

    The outbox is the embedded default: without SMTP nothing is dropped, and the
    secretariat reads the kept messages. A message that carries a secret (an invitation
    or reset link) has its body wiped once an SMTP server has accepted it.
    """

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENT = "sent", "Sent"
        KEPT = "kept", "Kept in the outbox"
        FAILED = "failed", "Failed"

    to_address = models.EmailField()
    subject = models.CharField(max_length=200)
    body = models.TextField()
    kind = models.CharField(max_length=60)
    carries_secret = models.BooleanField(default=False)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    # When a queued message is next tried; the scheduler re-queues those long overdue,
    # so a task lost by the queue never leaves a message behind.
    next_attempt_at = models.DateTimeField(null=True, blank=True)

    objects = MessageQuerySet.as_manager()

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [
            models.Index(fields=("state", "created_at")),
            models.Index(fields=("state", "next_attempt_at")),
        ]

    def __str__(self) -> str:
        return f"{self.subject} to {self.to_address}"


class Preference(models.Model):
    """How a person wants to be emailed; the inbox always has everything."""

    class Delivery(models.TextChoices):
        IMMEDIATE = "immediate", "Email each notification as it happens"
        DIGEST = "digest", "Email one daily digest"
        NONE = "none", "Do not email me (inbox only)"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    delivery = models.CharField(max_length=10, choices=Delivery.choices, default=Delivery.IMMEDIATE)
    # A digest holds what came after the person chose digests, not a backlog from before.
    changed_at = models.DateTimeField(default=timezone.now)
    last_digest_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user_id}: {self.delivery}"
