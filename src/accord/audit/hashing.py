"""How an audit event is hashed: SHA-256 over a canonical JSON form."""

import hashlib
import json
from datetime import datetime
from typing import Any

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
    return hashlib.sha256(canonical.encode()).hexdigest()
