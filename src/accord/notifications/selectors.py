"""Reading notifications: a person's inbox and unread count, and the instance's outbox."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from accord.notifications.models import Message, Notification

if TYPE_CHECKING:
    from accord.access import Viewer


def inbox(user: Viewer) -> QuerySet[Notification]:
    """The notifications `user` may read: their own, newest first."""
    return Notification.objects.visible_to(user)


def unread_count(user: Viewer) -> int:
    return inbox(user).filter(read_at__isnull=True).count()


def outbox(user: Viewer) -> QuerySet[Message]:
    """The messages `user` may read in the outbox: all of them for the secretariat."""
    return Message.objects.visible_to(user)
