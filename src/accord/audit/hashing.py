"""How an audit event is sealed: HMAC-SHA256, keyed by ACCORD_AUDIT_KEY, over a
canonical JSON form of the event and the seal of the event before it.

The key lives outside the database (environment or data directory), so write access to
the database alone is not enough to forge a consistent chain.
"""

import hashlib
import hmac
import json
from datetime import datetime
from typing import Any

from django.conf import settings

GENESIS_HASH = "0" * 64


def event_digest(
    *,
    seq: int,
    occurred_at: datetime,
    actor_label: str,
    tag: str,
    object_type: str,
    object_id: str,
    organisation_id: int | None,
    data: dict[str, Any],
    prev_hash: str,
) -> str:
    canonical = json.dumps(
        {
            "seq": seq,
            "occurred_at": occurred_at.isoformat(timespec="microseconds"),
            "actor": actor_label,
            "tag": tag,
            "object_type": object_type,
            "object_id": object_id,
            "organisation_id": organisation_id,
            "data": data,
            "prev_hash": prev_hash,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    key = settings.ACCORD_AUDIT_KEY.encode()
    return hmac.new(key, canonical.encode(), hashlib.sha256).hexdigest()
