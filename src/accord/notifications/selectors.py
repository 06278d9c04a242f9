"""Reading notifications: a person's inbox and unread count, and the instance's outbox."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Count, QuerySet

from accord.notifications.models import Message, Notification, Preference

if TYPE_CHECKING:
    from accord.access import Viewer


def inbox(user: Viewer) -> QuerySet[Notification]:
    """The notifications `user` may read: their own, newest first."""
    return Notification.objects.visible_to(user)


def unread_count(user: Viewer) -> int:
    """How many of `user`'s notifications are unread (0 for a visitor)."""
    return inbox(user).filter(read_at__isnull=True).count()


def outbox(user: Viewer) -> QuerySet[Message]:
    """The messages `user` may read in the outbox: all of them for the secretariat."""
    return Message.objects.visible_to(user)


def notification_for(user: Viewer, notification_id: int) -> Notification | None:
    """One of `user`'s own notifications; None for anyone else's, as for none at all."""
    return inbox(user).filter(pk=notification_id).first()


def outbox_in_state(user: Viewer, state: str | None) -> QuerySet[Message]:
    """The outbox, newest first, only messages in `state` when it names one."""
    messages = outbox(user)
    if state in Message.State.values:
        messages = messages.filter(state=state)
    return messages


def outbox_counts(user: Viewer) -> dict[str, int]:
    """How many messages of the outbox are in each state (zero for none)."""
    rows = outbox(user).order_by().values_list("state").annotate(n=Count("pk"))
    counts = dict.fromkeys(Message.State.values, 0)
    counts.update(dict(rows))
    return counts


@dataclass(frozen=True)
class MessageState:
    """Where one message stands: queued, sent, kept or failed, after how many attempts,
    and the server's last refusal."""

    state: str
    attempts: int
    last_error: str


def message_states(message_ids: Iterable[int | None]) -> dict[int, MessageState]:
    """The state of each message by id (ids without a message are left out), for an app
    that keeps the ids of the messages it sent and shows where they stand."""
    ids = {message_id for message_id in message_ids if message_id is not None}
    rows = Message.objects.filter(pk__in=ids).values_list("pk", "state", "attempts", "last_error")
    return {pk: MessageState(state, attempts, error) for pk, state, attempts, error in rows}


def delivery_of(user: Viewer) -> str:
    """How `user` chose to be emailed; immediate when they never chose."""
    if user is None or user.pk is None:
        return Preference.Delivery.IMMEDIATE
    chosen = Preference.objects.filter(user_id=user.pk).values_list("delivery", flat=True).first()
    return chosen or Preference.Delivery.IMMEDIATE
