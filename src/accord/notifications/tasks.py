"""The notifications' background task: deliver one message (django.tasks)."""

from __future__ import annotations

from django.tasks import task

from accord.notifications import services


@task
def deliver_message_task(message_id: int) -> str:
    """Send or keep one queued message; returns its state afterwards."""
    message = services.deliver_message(message_id=message_id)
    return message.state if message else "missing"
