"""The notifications' background tasks (django.tasks): deliver one message, send the
day's digests. Both are idempotent: delivered twice, they do the work once."""

from __future__ import annotations

from django.tasks import task
from django.utils import timezone

from accord.notifications import services


@task
def deliver_message_task(message_id: int) -> str:
    """Send or keep one queued message; returns its state afterwards."""
    message = services.deliver_message(message_id=message_id)
    return message.state if message else "missing"


@task
def send_digests_task() -> int:
    """Queue the daily digest of everyone who chose one; returns how many."""
    return services.send_digests(now=timezone.now())
