"""The instance's own disclosure key: replacing it is a step the audit log records."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from accord.audit.services import record_event
from accord.cvd import signing

if TYPE_CHECKING:
    from accord.accounts.models import User


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
