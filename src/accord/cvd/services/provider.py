"""The instance's own disclosure key: replacing it (by hand, or by the scheduler before it
expires) is a step the audit log records."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db import transaction

from accord.audit.services import record_event
from accord.cvd import signing

if TYPE_CHECKING:
    from accord.accounts.models import User

# A key this close to its expiry is replaced by the scheduler, well before security.txt
# or a CSAF signature could be judged by an expired key.
KEY_RENEW_WITHIN = timedelta(days=60)


@transaction.atomic
def rotate_instance_key(*, actor: User | None) -> signing.InstanceKey:
    """Replace the key that signs security.txt and the CSAF files (`actor` None: the
    command line). What it signed is signed again with the new key as it is served;
    security.txt names the new key from its next request or scheduler tick."""
    old = signing.instance_key() if signing.key_path().exists() else None
    new = signing.rotate_key()
    record_event(
        tag="cvd:key:rotate",
        actor=actor,
        data={"old": old.fingerprint if old else None, "new": new.fingerprint},
    )
    return new


def rotate_expiring_key(*, now: datetime) -> signing.InstanceKey | None:
    """Replace the key if it expires within KEY_RENEW_WITHIN of `now` (the scheduler's
    job: a second scheduler finds the new key and does nothing); the new key, or None."""
    if not signing.key_path().exists():
        return None
    key = signing.instance_key()
    if key.expires is None or key.expires - now > KEY_RENEW_WITHIN:
        return None
    return rotate_instance_key(actor=None)
