"""Who may read what: each person their own inbox; the secretariat the outbox.

Notifications sit below accounts, so the outbox is granted by the instance-wide
permission rather than a role.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from accord.access import (
    Permission,
    Viewer,
    active,
    declare,
    everything_if,
    instance_admin,
)

if TYPE_CHECKING:
    # The querysets' type parameters.
    from accord.notifications.models import Message, Notification  # noqa: F401


class NotificationQuerySet(QuerySet["Notification"]):
    def visible_to(self, user: Viewer) -> NotificationQuerySet:
        if user is None or not active(user):
            return self.none()
        return self.filter(recipient_id=user.pk)


class MessageQuerySet(QuerySet["Message"]):
    def visible_to(self, user: Viewer) -> MessageQuerySet:
        return self if instance_admin(user) else self.none()


declare(
    Permission.NOTIFICATION_VIEW,
    owner=__name__,
    allows=active,
    scopes={"notifications.Notification": lambda objects, user: objects.visible_to(user)},
)
declare(
    Permission.OUTBOX_VIEW,
    owner=__name__,
    allows=instance_admin,
    scopes={"notifications.Message": everything_if(instance_admin)},
)
declare(
    Permission.OUTBOX_RESEND,
    owner=__name__,
    allows=instance_admin,
    scopes={"notifications.Message": everything_if(instance_admin)},
)
