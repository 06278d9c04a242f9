"""Which member organisations act as coordinators: the secretariat decides.

A coordinator organisation triages the reports sent to it and leads the cases it opens,
as the secretariat does for the instance's own queue. Revoking the role leaves its
cases as they are: it still leads those, and no new report may name it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from accord.access import Permission
from accord.audit.services import record_event
from accord.cvd.exceptions import StateConflict
from accord.cvd.models import Coordinator
from accord.cvd.services._common import require

if TYPE_CHECKING:
    from accord.accounts.models import Organisation, User


@transaction.atomic
def grant_coordinator(*, actor: User | None, organisation: Organisation) -> Coordinator:
    """Let `organisation` act as coordinator. `actor` None: the command line."""
    if actor is not None:
        require(
            actor,
            Permission.CVD_COORDINATOR_GRANT,
            None,
            "Only the secretariat names coordinators.",
        )
    if not organisation.in_good_standing:
        raise StateConflict(
            f"{organisation.name} is {organisation.standing}; it cannot coordinate."
        )
    coordinator, created = Coordinator.objects.get_or_create(
        organisation=organisation, defaults={"granted_by": actor}
    )
    if not created:
        raise StateConflict(f"{organisation.name} is a coordinator already.")
    record_event(
        tag="cvd:coordinator:grant",
        actor=actor,
        target=coordinator,
        organisation=organisation,
        data={"organisation": organisation.slug},
    )
    return coordinator


@transaction.atomic
def revoke_coordinator(*, actor: User | None, organisation: Organisation) -> None:
    """`organisation` no longer acts as coordinator for new reports and cases."""
    if actor is not None:
        require(
            actor,
            Permission.CVD_COORDINATOR_GRANT,
            None,
            "Only the secretariat names coordinators.",
        )
    deleted, _ = Coordinator.objects.filter(organisation=organisation).delete()
    if not deleted:
        raise StateConflict(f"{organisation.name} is not a coordinator.")
    record_event(
        tag="cvd:coordinator:revoke",
        actor=actor,
        organisation=organisation,
        data={"organisation": organisation.slug},
    )
