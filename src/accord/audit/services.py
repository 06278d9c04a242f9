"""Writing to the audit log. Every service that changes something that matters calls
`record_event` inside its own transaction, so the event and the change commit together.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from accord.audit.hashing import GENESIS_HASH, event_digest
from accord.audit.models import ChainHead, Event


def _actor_label(actor: Any) -> str:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return "system"
    return str(actor.email)


def _normalise(data: dict[str, Any] | None) -> dict[str, Any]:
    # Round-trip through JSON so the stored form and the hashed form are identical.
    normalised: dict[str, Any] = json.loads(json.dumps(data or {}, cls=DjangoJSONEncoder))
    return normalised


@transaction.atomic
def record_event(
    *,
    tag: str,
    actor: Any = None,
    target: models.Model | None = None,
    organisation: Any = None,
    data: dict[str, Any] | None = None,
) -> Event:
    """Append one event (`tag` reads `app:subject:action`) to the chain."""
    if tag.count(":") != 2:
        raise ValueError(f"audit tag {tag!r} must read app:subject:action")
    head, _ = ChainHead.objects.select_for_update().get_or_create(
        id=1, defaults={"seq": 0, "hash": GENESIS_HASH}
    )
    fields: dict[str, Any] = {
        "seq": head.seq + 1,
        "occurred_at": timezone.now(),
        "actor_label": _actor_label(actor),
        "tag": tag,
        "object_type": target._meta.label_lower if target is not None else "",
        "object_id": str(target.pk) if target is not None else "",
        "organisation_id": organisation.pk if organisation is not None else None,
        "data": _normalise(data),
        "prev_hash": head.hash,
    }
    digest = event_digest(**fields)
    actor_obj = actor if getattr(actor, "is_authenticated", False) else None
    event = Event.objects.create(actor=actor_obj, hash=digest, **fields)
    ChainHead.objects.filter(id=1).update(seq=event.seq, hash=digest)
    return event
